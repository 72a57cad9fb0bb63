"""Celery tasks of the report subscriptions (in-process through core/scheduler.py when there is no broker)."""

from __future__ import annotations

from celery import shared_task

from servicedesk.core import outbox

from . import actions, sending


@shared_task(bind=True, acks_late=True, max_retries=None)
def send_mailing(self, pk: int) -> str | None:
    """Send one planned report mail; a failure is retried by Celery after the row's backoff (with a broker),
    in-process by the next ``send_due``."""
    return outbox.attempt(self, sending.send_mailing, pk)


@shared_task(acks_late=True)
def send_due() -> int:
    """Periodic: plan the mail of every period that has ended, then send what is due (new mail, mail whose
    backoff has passed, mail a stopped worker left). Returns how many it handed to be sent."""
    actions.plan_due()
    rows = sending.due_mailings()
    for pk in rows:
        send_mailing.delay(pk)
    return len(rows)
