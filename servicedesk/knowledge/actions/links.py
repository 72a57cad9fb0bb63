"""Links between tickets and articles: an article that answered a ticket (an agent sent it in a reply),
or one written from a ticket. Each link is one TicketArticle per ticket, article and kind, a line in the
ticket's history and, for an answer, an ArticleEvent the FAQ ranking counts.

The ticket's history keeps the article as "#<id> <title>" (the timeline says it as a sentence in the
reader's language, console.ticket_timeline.describe). The line is internal when the ticket's requester
may not read the article, so a staff-only article's title never reaches a customer through the history.
"""

from __future__ import annotations

from django.db import transaction
from django.urls import reverse
from django.utils.translation import gettext as _

from servicedesk.accounts.models import User
from servicedesk.core.errors import ActionError, NotAllowed, NotFound
from servicedesk.tickets import actions as ticket_actions
from servicedesk.tickets.models import Ticket

from .. import visibility
from ..models import Article, ArticleEvent, EventKind, LinkKind, TicketArticle

# The ticket history's events (console.ticket_timeline.describe reads them).
LINKED = "article_linked"
UNLINKED = "article_unlinked"
DRAFTED = "article_drafted"


def history_value(article: Article) -> str:
    return f"#{article.pk} {article.live_title or article.title}"[:500]


def _check(actor: User, kind: str) -> None:
    if not visibility.may_write(actor):
        raise NotAllowed(_("Only desk staff may link articles to tickets."))
    if kind not in LinkKind.values:
        raise ActionError(_("Unknown kind of link: %(v)s") % {"v": kind})


def _record(ticket: Ticket, article: Article, *, actor: User, channel: str, event: str) -> Ticket:
    internal = not visibility.can_read(ticket.requester, article)
    value = history_value(article)
    return ticket_actions.record_event(ticket, actor=actor, event=event, channel=channel, field="article",
                                       old=value if event == UNLINKED else "",
                                       new="" if event == UNLINKED else value, internal=internal)


@transaction.atomic
def link_article(ticket: Ticket, article: Article, *, actor: User, channel: str, kind: str = LinkKind.ANSWERED,
                 expected_version: int | None = None) -> tuple[TicketArticle, bool]:
    """Link `article` to `ticket` (the actor must see the ticket); returns the link and whether it is
    new. Linking again what is linked changes nothing: an article answers a ticket once. The ticket's
    row lock orders concurrent links of one ticket, so the check for an existing link holds."""
    _check(actor, kind)
    if kind == LinkKind.ANSWERED and not article.is_live:
        raise ActionError(_("Only a published article can answer a ticket."))
    ticket = ticket_actions.lock_ticket(ticket, actor, expected_version)
    existing = TicketArticle.objects.filter(ticket=ticket, article=article, kind=kind).first()
    if existing is not None:
        return existing, False
    event = DRAFTED if kind == LinkKind.SOURCE else LINKED
    ticket = _record(ticket, article, actor=actor, channel=channel, event=event)
    link = TicketArticle.objects.create(ticket=ticket, article=article, kind=kind, linked_by=actor)
    if kind == LinkKind.ANSWERED:
        ArticleEvent.objects.create(article=article, kind=EventKind.LINKED, user=actor, ticket=ticket)
    return link, True


@transaction.atomic
def unlink_article(ticket: Ticket, article: Article, *, actor: User, channel: str, kind: str = LinkKind.ANSWERED,
                   expected_version: int | None = None) -> None:
    """Remove the link; an answer's count in the FAQ ranking goes with it (it was linked by mistake)."""
    _check(actor, kind)
    ticket = ticket_actions.lock_ticket(ticket, actor, expected_version)
    link = TicketArticle.objects.filter(ticket=ticket, article=article, kind=kind).first()
    if link is None:
        raise NotFound(_("This article is not linked to the ticket."))
    _record(ticket, article, actor=actor, channel=channel, event=UNLINKED)
    link.delete()
    if kind == LinkKind.ANSWERED:
        ArticleEvent.objects.filter(article=article, kind=EventKind.LINKED, ticket=ticket).delete()


def linked_in_reply(ticket: Ticket, body: str, offered: list[int], *, actor: User, channel: str) -> list[Article]:
    """The articles of `offered` (those the agent inserted into the reply box) that the sent reply
    still names, by their public link or their title, linked as answers. A reply goes through
    add_comment first: the caller holds the transaction, so the reply and its links are one change."""
    found = []
    articles = visibility.readable(actor).filter(pk__in=offered[:20])
    for article in articles:
        if public_path(article) in body or (article.live_title and article.live_title in body):
            link_article(ticket, article, actor=actor, channel=channel)
            found.append(article)
    return found


def public_path(article: Article) -> str:
    """The address readers open an article at (the portal's help centre)."""
    return reverse("help:article", args=[article.pk])
