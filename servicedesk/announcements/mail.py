"""A notice by e-mail, through notify's outbox: one OutboundMessage per person and notice version (its key),
rendered in the person's language and time zone, sent by notify's sender."""

from __future__ import annotations

from django.conf import settings
from django.urls import reverse

from servicedesk.accounts.models import Desk, User
from servicedesk.notify import context as ctx
from servicedesk.notify.models import Event
from servicedesk.notify.planning import Notice, queue, recipient_for

from .models import Announcement


def notice_context(announcement: Announcement, time_zone: str, reason: str) -> dict:
    """What the announcement templates see (the recipient's language is active)."""
    return {
        "reason": reason,
        "announcement": {
            "kind": announcement.get_kind_display(), "title": announcement.shown_title(),
            "body": announcement.shown_body(),
            "starts": ctx.format_when(announcement.starts_at, time_zone),
            "ends": ctx.format_when(announcement.ends_at, time_zone) if announcement.ends_at else "",
            "resolved_early": announcement.resolved_early,
            "services": ", ".join(str(s) for s in announcement.services.all()),
            "url": settings.SERVICEDESK_BASE_URL + reverse("status"),
        },
    }


def plan(announcement_id: int, user_ids: list[int], key: str, reason: str) -> list[int]:
    """Store the mail to each person (once per key); returns the outbox rows to send."""
    announcement = Announcement.objects.filter(pk=announcement_id).first()
    if announcement is None:
        return []
    desk = Desk.objects.filter(is_default=True).first() or Desk.objects.order_by("id").first()
    notices = []
    for user in User.objects.filter(pk__in=user_ids).order_by("pk"):
        recipient = recipient_for(user, desk)
        if recipient is not None:
            notices.append(Notice(Event.ANNOUNCEMENT, recipient, key))

    def build(notice: Notice) -> dict:
        return notice_context(announcement, notice.recipient.time_zone, reason)

    return queue(notices, None, build)
