"""Celery tasks of the approvals (in-process when there is no broker)."""

from __future__ import annotations

from celery import shared_task

from servicedesk.notify.receivers import enabled
from servicedesk.notify.tasks import send_notification

from . import actions, mail


@shared_task(acks_late=True)
def mail_approvers(request_id: int, step: int, reminder: bool = False) -> int:
    """Plan the mail asking the step's undecided approvers (and their delegates) into the outbox, once each (and
    once more as the reminder), then send it."""
    if not enabled():
        return 0
    rows = mail.plan(request_id, step, reminder)
    for pk in rows:
        send_notification.delay(pk)
    return len(rows)


@shared_task(acks_late=True)
def remind() -> int:
    """Periodic: remind the approvers who have not decided, once per step, before its deadline."""
    return actions.remind_due()
