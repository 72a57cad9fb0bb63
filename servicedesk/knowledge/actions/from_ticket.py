"""From a ticket to knowledge in one step: a resolved or closed ticket becomes a draft article.

The draft holds the question (the ticket's title and description) and the desk's public answer (the
resolution first, then the staff's other public replies), never an internal note, with personal data
taken out (knowledge.scrub). Its editor finishes it and sends it for review like any draft.
"""

from __future__ import annotations

import re

from django.db import transaction
from django.utils import translation
from django.utils.translation import gettext as _

from servicedesk.accounts import refdata as accounts_refdata
from servicedesk.accounts.models import User
from servicedesk.core.errors import ActionError, NotAllowed, NotFound
from servicedesk.tickets import permissions
from servicedesk.tickets.models import Comment, Status, Ticket

from .. import scrub, visibility
from ..models import Article, Language, LinkKind
from . import links
from .articles import ArticleInput, create_article

DONE = (Status.RESOLVED, Status.CLOSED)


def article_language(ticket: Ticket) -> str:
    """Chinese when the ticket is written in Chinese, English when in Latin letters, else the desk's."""
    text = f"{ticket.title}\n{ticket.description}"
    if scrub.CJK.search(text):
        return Language.ZH
    if re.search(r"[A-Za-z]{3}", text):
        return Language.EN
    return Language.ZH if (ticket.desk.language or "").startswith("zh") else Language.EN


def _public_staff_replies(ticket: Ticket) -> list[Comment]:
    """The desk's public replies, the resolution (written when the ticket was resolved) first."""
    replies = [c for c in Comment.objects.filter(ticket=ticket, internal=False).select_related("author")
               .order_by("created_at", "id") if c.author.is_desk_staff and not c.author.is_system_identity]
    resolution = [c for c in replies if ticket.resolved_at is not None and c.created_at == ticket.resolved_at]
    return resolution + [c for c in replies if c not in resolution]


def _people(ticket: Ticket, replies: list[Comment]) -> list[User]:
    """Everyone the text may name: the requester, the ticket's people, every author, the watchers and
    the whole desk staff (an answer may name a colleague who did not write on this ticket)."""
    ids = {ticket.requester_id, ticket.owner_id, ticket.assignee_id}
    ids |= set(Comment.objects.filter(ticket=ticket).values_list("author_id", flat=True))
    ids |= set(ticket.watchers.values_list("pk", flat=True))
    ids |= {pk for pk, _username, _display in accounts_refdata.staff()}
    return list(User.objects.filter(pk__in=[pk for pk in ids if pk]))


def draft_body(ticket: Ticket, language: str) -> tuple[str, str]:
    """(title, Markdown body) of the draft, scrubbed, with its headings in `language`."""
    replies = _public_staff_replies(ticket)
    names = scrub.person_names(_people(ticket, replies))
    prefixes = accounts_refdata.desk_prefixes()
    with translation.override(language):
        def clean(text: str) -> str:
            return scrub.scrub(text.strip(), names=names, prefixes=prefixes)

        title = clean(ticket.title)
        problem = clean(ticket.description) or title
        solution = "\n\n".join(clean(c.body) for c in replies if c.body.strip()) or _("(to be written)")
        body = f"## {_('Problem')}\n\n{problem}\n\n## {_('Solution')}\n\n{solution}\n"
    return title, body


@transaction.atomic
def draft_from_ticket(ticket: Ticket, *, actor: User, channel: str) -> Article:
    """A draft article written from a resolved or closed ticket the actor sees, owned by the actor, in
    the ticket's language, of its service and category, linked to it as its source."""
    if not visibility.may_write(actor):
        raise NotAllowed(_("Only desk staff may write knowledge articles."))
    if not permissions.can_see(actor, ticket):
        raise NotFound(_("Ticket not found."))
    if ticket.status not in DONE:
        raise ActionError(_("Only a resolved or closed ticket can become an article: its answer is not known yet."))
    language = article_language(ticket)
    title, body = draft_body(ticket, language)
    category = ticket.category
    data = ArticleInput(title=title[:255] or _("Untitled"), body=body, language=language,
                        service=category.service if category else None, category=category)
    article = create_article(data, actor=actor, channel=channel,
                             note=_("Written from ticket %(number)s") % {"number": ticket.number})
    links.link_article(ticket, article, actor=actor, channel=channel, kind=LinkKind.SOURCE)
    return article

