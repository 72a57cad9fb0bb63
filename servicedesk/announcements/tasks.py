"""Celery tasks of the announcements (in-process when there is no broker)."""

from __future__ import annotations

from celery import shared_task

from servicedesk.notify.receivers import enabled
from servicedesk.notify.tasks import send_notification

from . import mail


@shared_task(acks_late=True)
def mail_announcement(announcement_id: int, user_ids: list[int], key: str, reason: str) -> int:
    """Plan the notice's mail to these people into the outbox (once per key), then send it."""
    if not enabled():
        return 0
    rows = mail.plan(announcement_id, list(user_ids), key, reason)
    for pk in rows:
        send_notification.delay(pk)
    return len(rows)
