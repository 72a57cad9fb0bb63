"""The help centre (/help/): the knowledge base as customers and anonymous visitors read it — the FAQ,
articles by service, search, an article with its feedback, and the suggestions under a new request.

Every article shown is one the reader may read (knowledge.visibility.readable, through search and the
ranking); any other id is a 404, never a 403, so a page does not tell that an article exists. Every
count and vote goes through knowledge.actions.reading.
"""

from __future__ import annotations

from django import forms
from django.conf import settings
from django.contrib import messages
from django.db.models import Q
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import urlencode
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_POST

from servicedesk import search
from servicedesk.core.errors import ActionError, NotFound
from servicedesk.core.forms import DeskFormMixin
from servicedesk.core.ratelimit import Limit, client_address
from servicedesk.knowledge import ranking, visibility
from servicedesk.knowledge import render as article_render
from servicedesk.knowledge.actions import reading
from servicedesk.tickets.models import Service

from .catalogue import local_name

MAX_QUERY = 200
SEARCH_RESULTS = 20


SAY_WHETHER = gettext_lazy("Say whether the article helped.")


class FeedbackForm(DeskFormMixin, forms.Form):
    helpful = forms.TypedChoiceField(choices=[("yes", "yes"), ("no", "no")], coerce=lambda v: v == "yes",
                                     error_messages={"required": SAY_WHETHER, "invalid_choice": SAY_WHETHER})
    comment = forms.CharField(label=gettext_lazy("What could be better?"), required=False,
                              max_length=reading.MAX_COMMENT, widget=forms.Textarea(attrs={"rows": 3}))
    draft = forms.CharField(required=False, max_length=64)


class SolvedForm(forms.Form):
    draft = forms.CharField(required=False, max_length=64)


def _user(request):
    return request.user if request.user.is_authenticated else None


def _reader(request) -> reading.Reader:
    return reading.Reader(user=_user(request), session_key=request.session.session_key or "",
                          address=client_address(request) or "")


def _query(request, limit: int) -> str:
    return " ".join((request.GET.get("q") or "").split())[:limit]


def help_index(request):
    user, language = _user(request), ranking.reader_language()
    by_service = ranking.faq_by_service(user, language=language)
    services = Service.objects.filter(pk__in=[pk for pk in by_service if pk is not None]).order_by("order", "name")
    browse = [(local_name(s), by_service[s.pk]) for s in services]
    if by_service.get(None):
        browse.append((_("Other topics"), by_service[None]))
    return render(request, "portal/help/index.html", {
        "faq": ranking.faq(user, language=language),
        "browse": browse,
    })


@require_GET
def help_search(request):
    text = _query(request, MAX_QUERY)
    hits = search.find_articles(text, user=_user(request), language=ranking.reader_language(), limit=SEARCH_RESULTS,
                                record_gap=True) if text else []
    return render(request, "portal/help/search.html", {
        "q": text,
        "hits": [(hit.article, mark_safe(hit.title_html), mark_safe(hit.snippet_html)) for hit in hits],
    })


@require_GET
def help_suggest(request):
    """The articles matching what the customer is typing, as a fragment for the new-request form: one
    search, one render. Opening one carries the form's draft key, so the request, if sent, is tied to it."""
    draft = reading.valid_draft(request.GET.get("draft"))
    hits = ranking.suggestions(request.GET.get("q", ""), _user(request))
    suffix = "?" + urlencode({"from": "suggest", **({"draft": draft} if draft else {})})
    return render(request, "portal/help/_suggestions.html", {
        "hits": [(hit.article, mark_safe(hit.title_html), mark_safe(hit.snippet_html)) for hit in hits],
        "suffix": suffix,
    })


def _readable_or_404(request, article_id: int):
    article = visibility.readable(_user(request)).select_related("service").filter(pk=article_id).first()
    if article is None:
        raise Http404
    return article


@require_GET
def help_article(request, article_id: int):
    user, language = _user(request), ranking.reader_language()
    article = _readable_or_404(request, article_id)
    reader = _reader(request)
    reading.record_view(article, reader)
    draft = reading.valid_draft(request.GET.get("draft"))
    if request.GET.get("from") == "suggest" and draft:
        reading.record_suggestion_open(article, reader, draft)
    family = article.family_id
    translations = list(visibility.readable(user).filter(Q(pk=family) | Q(translation_of=family))
                        .exclude(pk=article.pk).only("pk", "language", "live_title", "translation_of"))
    in_my_language = next((t for t in translations if t.language == language and article.language != language),
                          None)
    related = []
    if article.service_id:
        related = [a for a in ranking.faq(user, service_id=article.service_id, limit=6, language=language)
                   if a.family_id != family][:5]
    mine = reading.feedback_of(article, reader)
    return render(request, "portal/help/article.html", {
        "article": article,
        "body": mark_safe(article_render.to_html(article.live_body)),
        "service_name": local_name(article.service),
        "translations": translations,
        "in_my_language": in_my_language,
        "related": related,
        "my_feedback": mine,
        "feedback_form": FeedbackForm(initial={"comment": mine.comment if mine else "", "draft": draft}),
        "draft": draft,
    })


def vote_limit() -> Limit:
    return Limit("help-votes", settings.SERVICEDESK_HELP_VOTES_PER_MINUTE, 60)


def _anonymous_vote_allowed(request) -> bool:
    """Anonymous votes are limited per address; a signed-in reader has one vote per article anyway."""
    if request.user.is_authenticated:
        return True
    who = client_address(request) or "unknown"
    limit = vote_limit()
    if limit.retry_after(who):
        return False
    limit.hit(who)
    return True


def _ensure_session(request) -> None:
    # An anonymous reader's vote is theirs by their session: one is made for it (and only for it).
    if not request.user.is_authenticated and not request.session.session_key:
        request.session["help_reader"] = True
        request.session.save()


def _back_to(article_id: int, draft: str) -> str:
    url = reverse("help:article", args=[article_id])
    return (url + "?" + urlencode({"draft": draft}) if draft else url) + "#feedback"


def _too_many() -> HttpResponse:
    response = HttpResponse(_("Too many answers from your address: please try again in a minute."),
                            status=429, content_type="text/plain; charset=utf-8")
    response["Retry-After"] = "60"
    return response


@require_POST
def help_feedback(request, article_id: int):
    article = _readable_or_404(request, article_id)
    form = FeedbackForm(request.POST)
    if not form.is_valid():
        messages.error(request, " ".join(e for errors in form.errors.values() for e in errors))
        return redirect(_back_to(article.pk, ""))
    if not _anonymous_vote_allowed(request):
        return _too_many()
    _ensure_session(request)
    draft = reading.valid_draft(form.cleaned_data["draft"])
    try:
        reading.give_feedback(article, _reader(request), helpful=form.cleaned_data["helpful"],
                              comment=form.cleaned_data["comment"])
    except NotFound:
        raise Http404 from None
    except ActionError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("Thank you for your answer."))
    return redirect(_back_to(article.pk, draft))


@require_POST
def help_solved(request, article_id: int):
    article = _readable_or_404(request, article_id)
    form = SolvedForm(request.POST)
    draft = reading.valid_draft(form.cleaned_data["draft"]) if form.is_valid() else ""
    if not _anonymous_vote_allowed(request):
        return _too_many()
    try:
        reading.mark_solved(article, _reader(request), draft=draft)
    except NotFound:
        raise Http404 from None
    messages.success(request, _("Glad it helped! You do not need to send a request for this."))
    return redirect(_back_to(article.pk, draft))
