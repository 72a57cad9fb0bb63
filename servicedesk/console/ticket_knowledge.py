"""Knowledge on the ticket page: the "Knowledge" panel (articles matching the ticket, or the words the agent
searched for, and similar resolved tickets), the articles linked to the ticket, and "Turn into article".

The panel is loaded after the page (HTMX), like the possible duplicates: searching costs more than the rest
of the page. Its "insert link" and "insert text" buttons (console/knowledge.js) put the article into the
reply box and name it in the reply form; the link is recorded when the reply is sent and still names the
article (ticket_views.reply), not on the click: an agent who inserts an article and then deletes it
has not answered with it, and a click that changed the ticket would make the open reply form stale.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.conf import settings
from django.contrib import messages
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from servicedesk import search
from servicedesk.core.errors import NotFound
from servicedesk.knowledge import render as markdown
from servicedesk.knowledge import visibility
from servicedesk.knowledge.actions import from_ticket, links
from servicedesk.knowledge.models import Article, LinkKind, TicketArticle
from servicedesk.tickets.models import Channel

from .ticket_access import staff_required, visible_ticket
from .ticket_views import _version, ticket_form

CHANNEL = Channel.CONSOLE
ARTICLES = 5
SIMILAR = 5
# The ticket's text the panel searches with: the title and the start of the description.
QUERY_CHARS = 300
MAX_QUERY_CHARS = 200


@dataclass
class Suggestion:
    article: Article
    title_html: str
    snippet_html: str
    link: str
    text: str
    for_requester: bool  # whether the ticket's requester may open the link


def public_link(article: Article) -> str:
    """The address a customer opens the article at, as mail and replies carry it (absolute)."""
    return settings.SERVICEDESK_BASE_URL + links.public_path(article)


def insert_text(article: Article) -> str:
    """What "insert text" puts into the reply: the live copy's title and plain text (replies are plain)."""
    return f"{article.live_title}\n\n{markdown.to_text(article.live_body)}"


def suggestions(ticket, user, text: str) -> list[Suggestion]:
    hits = search.find_articles(text, user=user, language=from_ticket.article_language(ticket), limit=ARTICLES)
    readable = set(visibility.readable(ticket.requester).filter(pk__in=[h.article.pk for h in hits])
                   .values_list("pk", flat=True))
    return [Suggestion(h.article, mark_safe(h.title_html), mark_safe(h.snippet_html),  # noqa: S308 - escaped by search
                       public_link(h.article), insert_text(h.article), h.article.pk in readable) for h in hits]


@staff_required
@require_GET
def knowledge_panel(request, number):
    """The panel (HTMX partial): `?q=` searches further than the ticket's own words."""
    ticket = visible_ticket(request.user, number)
    asked = (request.GET.get("q") or "").strip()[:MAX_QUERY_CHARS]
    text = asked or f"{ticket.title}\n{ticket.description[:QUERY_CHARS]}"
    linked = list(TicketArticle.objects.filter(ticket=ticket).select_related("article").order_by("created_at", "id"))
    context = {
        "ticket": ticket,
        "q": asked,
        "suggestions": suggestions(ticket, request.user, text),
        "similar": search.similar_tickets(text, user=request.user, limit=SIMILAR, exclude_id=ticket.pk),
        "linked": linked,
        "answered": LinkKind.ANSWERED,
    }
    return render(request, "console/ticket/_knowledge.html", context)


@ticket_form("knowledge")
def unlink(request, ticket, article_id):
    """The panel's "Remove" of a linked article."""
    article = Article.objects.filter(pk=article_id).first()
    if article is None:
        raise NotFound(_("This article is not linked to the ticket."))
    links.unlink_article(ticket, article, actor=request.user, channel=CHANNEL, expected_version=_version(request))
    return _("Article removed from this ticket.")


@ticket_form()
def draft(request, ticket):
    """"Turn into article": the draft opens in the article editor."""
    article = from_ticket.draft_from_ticket(ticket, actor=request.user, channel=CHANNEL)
    messages.success(request, _("Draft written from %(number)s: check it, then send it for review.")
                     % {"number": ticket.number})
    return redirect(reverse("console:kb_edit", args=[article.pk]))
