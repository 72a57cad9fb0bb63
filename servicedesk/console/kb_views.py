"""The knowledge base in the console: the article list, the article's page with its workflow (submit for
review, publish, unpublish, delete, write the other language's version), its versions and their diff.

Every change goes through servicedesk.knowledge.actions with the version the page was loaded at; a
refusal (a stale version, someone who may not) comes back on the page in the user's language, with
the status the API would answer.
"""

from __future__ import annotations

from django.contrib import messages
from django.db.models import Count, Q
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from servicedesk.console.listing import page_context
from servicedesk.core import audit
from servicedesk.core.errors import ActionError
from servicedesk.core.inputs import parse_id
from servicedesk.knowledge import actions, visibility
from servicedesk.knowledge import render as markdown
from servicedesk.knowledge.models import Article, ArticleVersion, Feedback, Language, TicketArticle
from servicedesk.knowledge.versions import diff_lines
from servicedesk.tickets import permissions

from .access import staff_required
from .kb_forms import ArticleFilters, reviewers

PAGE_SIZE = 50
CHANNEL = audit.Channel.CONSOLE


def get_article(pk: int) -> Article:
    article = (Article.objects.select_related("owner", "reviewer", "service", "category", "published_by")
               .filter(pk=pk).first())
    if article is None:
        raise Http404
    return article


@staff_required
def article_list(request):
    filters = ArticleFilters(request.GET or None, user=request.user)
    articles = Article.objects.select_related("owner", "reviewer", "service")
    if filters.is_bound and not filters.is_valid():
        listing = {"rows": [], "bad_cursor": False, "next_url": "", "prev_url": ""}
    else:
        listing = page_context(request, filters.apply(articles) if filters.is_bound else articles, "updated_at",
                               PAGE_SIZE)
    status = 400 if listing["bad_cursor"] or (filters.is_bound and filters.errors) else 200
    return render(request, "console/kb/list.html", {"filters": filters, **listing}, status=status)


def _family(article: Article) -> list[Article]:
    family_id = article.family_id
    return list(Article.objects.filter(Q(pk=family_id) | Q(translation_of=family_id)).exclude(pk=article.pk)
                .order_by("language"))


def _feedback(article: Article) -> dict:
    counts = Feedback.objects.filter(article=article).aggregate(
        yes=Count("pk", filter=Q(helpful=True)), no=Count("pk", filter=Q(helpful=False)))
    comments = list(Feedback.objects.filter(article=article).exclude(comment="")[:5])
    return {"helpful": counts["yes"], "unhelpful": counts["no"], "comments": comments}


def article_page(request, article: Article, *, error: str = "", status: int = 200):
    user = request.user
    translations = _family(article)
    present = {article.language, *(t.language for t in translations)}
    live_differs = article.is_live and (article.live_version != article.current_version
                                        or (article.live_title, article.live_body) != (article.title, article.body))
    answered = (TicketArticle.objects.filter(article=article, ticket__in=permissions.visible_tickets(user))
                .select_related("ticket")[:20])
    context = {
        "article": article,
        "body_html": markdown.to_html(article.body),
        "live_html": markdown.to_html(article.live_body) if live_differs else "",
        "live_differs": live_differs,
        "organisations": list(article.organisations.order_by("name")),
        "translations": translations,
        "missing_languages": [(code, label) for code, label in Language.choices if code not in present],
        "answered": answered,
        "feedback": _feedback(article),
        "files": list(article.attachments.all()),
        "reviewers": reviewers(user),
        "may_publish": visibility.may_publish(user),
        "may_delete": user.sees_whole_desk,
        "error": error,
    }
    return render(request, "console/kb/article.html", context, status=status)


@staff_required
def article_view(request, pk: int):
    return article_page(request, get_article(pk))


def _workflow(request, pk: int, change, done: str):
    """Run one workflow action from the article page's form (POST, with the version the page showed)."""
    article = get_article(pk)
    if request.method != "POST":
        return redirect("console:kb_article", pk=pk)
    try:
        change(article, parse_id(request.POST.get("version")))
    except ActionError as exc:
        return article_page(request, get_article(pk), error=exc.message, status=exc.status_code)
    messages.success(request, done)
    return redirect("console:kb_article", pk=pk)


@staff_required
def submit(request, pk: int):
    reviewer = reviewers(request.user).filter(pk=parse_id(request.POST.get("reviewer"))).first()

    def change(article, version):
        if reviewer is None:
            raise ActionError(_("Choose a reviewer: a group lead, desk manager or administrator."))
        actions.submit_for_review(article, reviewer=reviewer, actor=request.user, channel=CHANNEL,
                                  expected_version=version, note=request.POST.get("note", "")[:255])

    return _workflow(request, pk, change, _("Sent for review."))


@staff_required
def publish(request, pk: int):
    return _workflow(request, pk, lambda article, version: actions.publish_article(
        article, actor=request.user, channel=CHANNEL, expected_version=version), _("Published: readers see it now."))


@staff_required
def unpublish(request, pk: int):
    return _workflow(request, pk, lambda article, version: actions.unpublish_article(
        article, actor=request.user, channel=CHANNEL, expected_version=version),
        _("Unpublished: readers no longer see it."))


@staff_required
def delete(request, pk: int):
    response = _workflow(request, pk, lambda article, version: actions.delete_article(
        article, actor=request.user, channel=CHANNEL, expected_version=version), _("Article deleted."))
    if response.status_code == 302 and not Article.objects.filter(pk=pk).exists():
        return redirect("console:kb")
    return response


@staff_required
def translate(request, pk: int):
    """A draft in the other language, linked to this article as its translation, prefilled with the title."""
    article = get_article(pk)
    language = request.POST.get("language", "")
    if request.method != "POST":
        return redirect("console:kb_article", pk=pk)
    data = actions.ArticleInput(title=article.title, summary=article.summary, language=language,
                                audience=article.audience, service=article.service, category=article.category,
                                tags=list(article.tags), organisations=list(article.organisations.all()),
                                translation_of=article)
    try:
        draft = actions.create_article(data, actor=request.user, channel=CHANNEL)
    except ActionError as exc:
        return article_page(request, article, error=exc.message, status=exc.status_code)
    messages.success(request, _("A draft in %(language)s, linked to “%(title)s”: write its text.")
                     % {"language": Language(language).label, "title": article.title})
    return redirect("console:kb_edit", pk=draft.pk)


# ---------------------------------------------------------------------------------------------
# Versions


@staff_required
def versions(request, pk: int):
    article = get_article(pk)
    rows = list(ArticleVersion.objects.filter(article=article).select_related("edited_by").order_by("-number"))
    return render(request, "console/kb/versions.html", {"article": article, "versions": rows})


@staff_required
def diff(request, pk: int):
    article = get_article(pk)
    numbers = [parse_id(request.GET.get(name)) for name in ("from", "to")]
    found = {v.number: v for v in ArticleVersion.objects.filter(article=article, number__in=[n for n in numbers if n])}
    if any(n not in found for n in numbers):
        return render(request, "console/kb/versions.html", {
            "article": article, "error": _("Choose two versions this article has."),
            "versions": ArticleVersion.objects.filter(article=article).select_related("edited_by").order_by("-number"),
        }, status=400)
    old, new = found[numbers[0]], found[numbers[1]]
    return render(request, "console/kb/diff.html", {"article": article, "old": old, "new": new,
                                                    "lines": diff_lines(old, new)})


@staff_required
def restore(request, pk: int):
    number = parse_id(request.POST.get("number"))

    def change(article, version):
        if number is None:
            raise ActionError(_("Choose a version to restore."))
        actions.restore_version(article, number, actor=request.user, channel=CHANNEL, expected_version=version)

    return _workflow(request, pk, change, _("Version %(n)s restored as the working copy.") % {"n": number})
