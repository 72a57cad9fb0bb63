"""Celery task of the directory sync (in-process through core/scheduler.py when there is no broker)."""

from __future__ import annotations

from celery import shared_task

from . import actions


@shared_task(bind=True, acks_late=True, max_retries=3)
def sync(self) -> dict[str, int] | None:
    """Periodic: the people from the directory. A directory that could not be read is tried again with backoff
    (with a broker; without one, at the next run of the schedule)."""
    run = actions.sync()
    if not run.succeeded and not self.request.called_directly and not self.request.is_eager:
        raise self.retry(countdown=60 * 2 ** self.request.retries)
    return {outcome: getattr(run, outcome) for outcome in actions.Outcome.values}
