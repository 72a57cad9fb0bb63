"""Celery tasks of the major incidents (in-process when there is no broker)."""

from __future__ import annotations

from celery import shared_task

from servicedesk.notify.receivers import enabled
from servicedesk.notify.tasks import send_notification

from . import actions, mail


@shared_task(acks_late=True)
def send_pages(page_ids: list[int]) -> int:
    """Plan the pages' mail into the outbox (once per page), then send it."""
    if not enabled():
        return 0
    rows = mail.plan(list(page_ids))
    for pk in rows:
        send_notification.delay(pk)
    return len(rows)


@shared_task(acks_late=True)
def escalate() -> int:
    """Periodic: escalate the pages not acknowledged in time (see actions.escalate_overdue)."""
    return actions.escalate_overdue()
