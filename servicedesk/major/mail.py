"""Pages by e-mail, through notify's outbox: one OutboundMessage per page (keyed by the page), rendered in the
contact's language and time zone with the page's own acknowledgement link, sent by notify's sender."""

from __future__ import annotations

from django.conf import settings
from django.urls import reverse

from servicedesk.notify import context as ctx
from servicedesk.notify.models import Event
from servicedesk.notify.planning import Notice, Recipient, queue, recipient_for

from .actions import ack_token
from .models import Page


def ack_url(page: Page) -> str:
    return settings.SERVICEDESK_BASE_URL + reverse("major_ack", args=[ack_token(page)])


def _recipient(page: Page, desk) -> Recipient | None:
    if page.user is not None:
        found = recipient_for(page.user, desk)
        if found is not None:
            return found
    if not page.address:
        return None
    return Recipient(address=page.address, language=page.language, time_zone=ctx.time_zone_for(None, desk),
                     staff=False, name=page.name)


def plan(page_ids: list[int]) -> list[int]:
    """Store the mail of each page (once per page); returns the outbox rows to send."""
    pages = list(Page.objects.filter(pk__in=page_ids).select_related(
        "user", "major__declared_by", "major__ticket__desk", "major__ticket__group",
        "major__ticket__assignee", "major__ticket__requester").order_by("pk"))
    queued = []
    for page in pages:
        ticket = page.major.ticket
        recipient = _recipient(page, ticket.desk)
        if recipient is None:
            continue

        def build(notice: Notice, page=page, ticket=ticket) -> dict:
            major = page.major
            return {
                "ticket": ctx.ticket_context(ticket, staff=True),
                "major": {"reason": major.reason, "declared_by": ctx.person_name(major.declared_by),
                          "declared_at": ctx.format_when(major.declared_at, notice.recipient.time_zone),
                          "respond_within": int((page.due_at - page.sent_at).total_seconds() // 60),
                          # Paged after the declaration: the contacts before did not acknowledge in time.
                          "ack_url": ack_url(page), "escalated": page.sent_at > major.declared_at},
            }

        queued += queue([Notice(Event.MAJOR_INCIDENT, recipient, page.source_key)], ticket, build)
    return queued
