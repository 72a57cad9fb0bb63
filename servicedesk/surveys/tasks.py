"""Celery tasks of the satisfaction surveys (in-process when there is no broker)."""

from __future__ import annotations

from celery import shared_task

from servicedesk.notify.receivers import enabled
from servicedesk.notify.tasks import send_notification

from . import actions, mail


@shared_task(acks_late=True, autoretry_for=(Exception,), retry_backoff=True, max_retries=5)
def tell_low_rating(survey_id: int) -> int:
    """Mail the ticket's owner and its group's lead of a low rating (planned once per survey), then send it."""
    if not enabled():
        return 0
    rows = mail.plan_low_rating(survey_id)
    for pk in rows:
        send_notification.delay(pk)
    return len(rows)


@shared_task(acks_late=True)
def close_unconfirmed() -> int:
    """Periodic: close the resolved tickets nobody confirmed in time (actions.close_unconfirmed)."""
    return actions.close_unconfirmed()
