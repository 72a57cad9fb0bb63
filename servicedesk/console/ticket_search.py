"""One search for agents: every ticket they may see (open or closed), most relevant first, a queue
as an optional filter; a ticket is also found by its number with or without the prefix and zeros
(`38`, `SD-38`, `sd-000038`). The queues' filters (status, type, group, …) narrow it too."""

from dataclasses import replace

from django.shortcuts import render
from django.template.loader import render_to_string
from django.urls import path
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _

from servicedesk import search
from servicedesk.knowledge import visibility
from servicedesk.knowledge.models import Article
from servicedesk.tickets import filters as ticket_filters
from servicedesk.tickets import permissions

from .access import staff_required
from .layout import layout_context
from .queue_defs import QUEUES_BY_SLUG, queues_for
from .queue_rows import ROW_FIELDS, as_rows, queue_rows
from .sidebar import build_sidebar

# Ranked results shown: a search is for finding a ticket, not for paging through thousands.
RESULTS = 50
MAX_QUERY_CHARS = 200
ARTICLE_RESULTS = 10


def matching_articles(user, text: str) -> list[tuple[Article, str, str]]:
    """(article, title HTML, snippet HTML): the live articles the search finds (ranked, the words marked),
    then, for staff, drafts and reviews whose working title contains the text (the index holds only live
    copies). A desk without articles reads nothing more than that it has none: preparing the article
    search's statements cost a tenth of the page."""
    if not Article.objects.exists():
        return []
    found = [(hit.article, mark_safe(hit.title_html), mark_safe(hit.snippet_html))  # noqa: S308 - escaped by search
             for hit in search.find_articles(text, user=user, limit=ARTICLE_RESULTS)]
    if visibility.sees_working_copies(user):
        seen = {article.pk for article, _title, _snippet in found}
        drafts = (Article.objects.filter(title__icontains=text, is_live=False).exclude(pk__in=seen)
                  .order_by("-updated_at", "-id")[:ARTICLE_RESULTS])
        found += [(article, article.title, article.summary) for article in drafts]
    return found


@staff_required
def search_view(request):
    user = request.user
    text = (request.GET.get("q") or "").strip()[:MAX_QUERY_CHARS]
    choices = [(q.slug, q.label_text()) for q in queues_for(user)]
    slug = request.GET.get("queue") or ""
    queue = QUEUES_BY_SLUG.get(slug) if slug in dict(choices) else None
    scope = queue.tickets(user) if queue is not None else permissions.visible_tickets(user)
    filter_error = None
    try:
        # The same filters as a queue's (status, type, group, …); the words are ranked here instead.
        chosen = replace(ticket_filters.parse(request.GET), text="", ordering=ticket_filters.DEFAULT_ORDERING)
    except ticket_filters.FilterError as exc:
        filter_error, text = exc.message, ""
    else:
        scope = chosen.apply(scope, user)
    rows = queue_rows(as_rows(search.ranked(scope, text, limit=RESULTS, fields=ROW_FIELDS) if text else []))
    context = {
        "q": text,
        "queue": queue,
        "queue_choices": choices,
        "rows": rows,
        "intake_label": _("Intake"),
        "capped": len(rows) >= RESULTS,
        "articles": matching_articles(user, text) if text and not filter_error else [],
        "results": RESULTS,
        "filter_error": filter_error,
        # The problems' form the ticked rows post to: a Django fragment, as on the queue pages.
        "pick_html": mark_safe(render_to_string("console/problems/_queue_pick.html", request=request)),  # noqa: S308
        **layout_context(request, nav="console:home", sidebar=build_sidebar(request)),
    }
    # In Jinja2, the layout too (console/layout.py): Django's engine spent a fifth of the page's time.
    return render(request, "console/search.html", context, status=400 if filter_error else 200, using="jinja2")


urlpatterns = [path("search/", search_view, name="search")]
