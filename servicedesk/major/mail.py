"""Pages through notify's outbox: by e-mail, one OutboundMessage per page (keyed by the page), rendered in the
contact's language and time zone with the page's own acknowledgement link; and a chat page to the chat robots
of its person or group (notify.chat), with the same link. Sent by notify's sender."""

from __future__ import annotations

from django.conf import settings
from django.urls import reverse
from django.utils import timezone

from servicedesk.notify import chat
from servicedesk.notify import context as ctx
from servicedesk.notify.models import Event
from servicedesk.notify.planning import Notice, Recipient, queue, recipient_for

from .actions import ack_token
from .models import ContactChannel, Page


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


def _major_context(page: Page, time_zone: str) -> dict:
    major = page.major
    return {
        "ticket": ctx.ticket_context(major.ticket, staff=True),
        "major": {"reason": major.reason, "declared_by": ctx.person_name(major.declared_by),
                  "declared_at": ctx.format_when(major.declared_at, time_zone),
                  "respond_within": int((page.due_at - page.sent_at).total_seconds() // 60),
                  # Paged after the declaration: the contacts before did not acknowledge in time.
                  "ack_url": ack_url(page), "escalated": page.sent_at > major.declared_at},
    }


def plan(page_ids: list[int]) -> list[int]:
    """Store each page's mail and chat messages (once per page); returns the outbox rows to send."""
    pages = list(Page.objects.filter(pk__in=page_ids).select_related(
        "user", "contact__group", "major__declared_by", "major__ticket__desk", "major__ticket__group",
        "major__ticket__assignee", "major__ticket__requester").order_by("pk"))
    queued = []
    for page in pages:
        ticket = page.major.ticket
        recipient = _recipient(page, ticket.desk)
        if recipient is not None:
            queued += queue([Notice(Event.MAJOR_INCIDENT, recipient, page.source_key)], ticket,
                            lambda notice, page=page: _major_context(page, notice.recipient.time_zone))
        if page.channel == ContactChannel.CHAT:
            group = page.contact.group if page.contact is not None and page.contact.group_id else None
            robots = chat.robots_for(users=[page.user] if page.user else [], groups=[group] if group else [],
                                     event=Event.MAJOR_INCIDENT)
            queued += chat.plan_chat(Event.MAJOR_INCIDENT, robots, ticket=ticket, source_key=page.source_key,
                                     build_context=lambda robot, page=page: _major_context(
                                         page, timezone.get_current_timezone_name()))
    return queued
