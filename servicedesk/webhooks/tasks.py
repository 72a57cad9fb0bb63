"""Celery tasks of the outgoing webhooks (in-process when there is no broker).

With a broker, each stored delivery is handed to ``deliver`` at once and retried by Celery after its
backoff. Without one, nothing is sent in the request that made the change (it would wait on the
receiver's timeout): the periodic ``send_due`` (core.scheduler, every few seconds) sends what is due —
new deliveries, retries whose backoff has passed, and claims a stopped worker left.
"""

from __future__ import annotations

import logging

from celery import shared_task

from servicedesk.core import outbox

from . import sending

log = logging.getLogger(__name__)


def broker_in_use() -> bool:
    from servicedesk.celery_app import app  # the desk's app, not whichever Celery app was made current last

    return not app.conf.task_always_eager


def dispatch(pks: list[int]) -> None:
    """Hand stored deliveries to the workers (with a broker); a refused enqueue leaves them for send_due."""
    if not broker_in_use():
        return
    for pk in pks:
        try:
            deliver.delay(pk)
        except Exception:
            log.exception("Queueing webhook delivery %s failed; send_due will send it", pk)


@shared_task(bind=True, acks_late=True, max_retries=None)
def deliver(self, pk: int) -> str | None:
    """Send one delivery; retried by Celery after its backoff (core.outbox.attempt)."""
    return outbox.attempt(self, sending.send, pk)


@shared_task(acks_late=True)
def send_due() -> int:
    """Periodic: send every delivery that is due (by the workers with a broker, else here); returns how many."""
    pks = sending.due()
    if broker_in_use():
        dispatch(pks)
    else:
        sending.send_in_turn(pks)
    return len(pks)
