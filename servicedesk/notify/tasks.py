"""Celery tasks of the notifications (in-process when there is no broker).

Planning tasks render and store the notifications, then hand each row to ``send_notification``.
``send_due`` (periodic) plans the ticket changes nobody planned yet (``planning.plan_pending``: every
change without a broker, lost tasks with one), then sends what is due, again after a failure, and
what a stopped worker left.
"""

from __future__ import annotations

import datetime
import logging

from celery import shared_task

from servicedesk.core import outbox

from . import planning, sending
from .receivers import broker_in_use

log = logging.getLogger(__name__)


def _send_all(row_ids: list[int], *, sweep: bool = False) -> None:
    if not sweep and not broker_in_use() and sending.server_unreachable():
        # In-process, with the mail server down: leave them queued for send_due rather than make the
        # change that caused them wait on the server's timeout.
        log.info("Mail server unreachable; %s notifications left for the next send_due", len(row_ids))
        return
    for pk in row_ids:
        send_notification.delay(pk)


@shared_task(acks_late=True)
def notify_ticket_change(ticket_id: int, version: int) -> int:
    rows = planning.plan_ticket_change(ticket_id, version)
    _send_all(rows)
    return len(rows)


@shared_task(acks_late=True)
def notify_threshold(ticket_id: int, target: str, percent: int, due_at: str, user_ids: list[int],
                     group_id: int | None = None) -> int:
    rows = planning.plan_threshold(ticket_id, target, int(percent), datetime.datetime.fromisoformat(due_at),
                                 list(user_ids), group_id)
    _send_all(rows)
    return len(rows)


@shared_task(acks_late=True)
def notify_digest(recipient_id: int, ticket_ids: list[int], as_lead: bool, key: str) -> int:
    rows = planning.plan_digest(recipient_id, list(ticket_ids), bool(as_lead), key)
    _send_all(rows)
    return len(rows)


@shared_task(bind=True, acks_late=True, max_retries=None)
def send_notification(self, pk: int) -> str | None:
    """Send one stored notification. A failure is retried by Celery after the row's backoff (with a
    broker); in-process, the periodic ``send_due`` retries it, so a request never waits on retries."""
    return outbox.attempt(self, sending.send_row, pk)


@shared_task(acks_late=True)
def plan_pending() -> int:
    """Plan the ticket changes not planned yet (see ``planning.plan_pending``) and send what they queued."""
    rows = planning.plan_pending()
    _send_all(rows)
    return len(rows)


@shared_task(acks_late=True)
def send_due() -> int:
    """Periodic: plan the ticket changes not planned yet, then send what is due (returns how many
    due rows it sent: new ones and earlier ones whose backoff has passed)."""
    planning.plan_pending()
    rows = sending.due_rows()
    _send_all(rows, sweep=True)
    return len(rows)
