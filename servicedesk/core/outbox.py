"""The claim-and-retry mechanism of the desk's outboxes (notify's mail, webhooks' deliveries, report mailings).

An outbox row has ``state`` (queued, sending, then a final state), ``attempts``, ``next_attempt_at``
and ``claimed_at``. A sender first claims a row: one conditional UPDATE (queued and due → sending) that
only one worker can win, so two workers never send one row twice. A worker that dies between the claim
and the outcome leaves the row ``sending``; after the outbox's timeout the sweep queues it again (sent
at least once: receivers recognise a copy by its id). The domains own their rows; this owns the states.
"""

from __future__ import annotations

import datetime
from collections.abc import Callable
from dataclasses import dataclass

from django.db.models import F, Q, QuerySet

QUEUED, SENDING, FAILED = "queued", "sending", "failed"


@dataclass(frozen=True)
class Outcome:
    state: str
    retry_in: int | None = None  # seconds until the next attempt, when one is due


def backoff(attempts: int) -> int:
    """Seconds before attempt ``attempts + 1``: 1, 2, 4 … minutes, at most an hour."""
    return min(60 * 2 ** max(attempts - 1, 0), 3600)


def due(rows: QuerySet, now: datetime.datetime) -> QuerySet:
    """The queued rows whose next attempt has come."""
    return rows.filter(state=QUEUED).filter(Q(next_attempt_at__isnull=True) | Q(next_attempt_at__lte=now))


def claim(rows: QuerySet, now: datetime.datetime) -> bool:
    """Claim the due row(s) of ``rows`` (queued → sending, one more attempt); False when another worker
    was first or the row is not due."""
    return bool(due(rows, now).update(state=SENDING, claimed_at=now, attempts=F("attempts") + 1))


def release_stale(rows: QuerySet, now: datetime.datetime, timeout_minutes: int, reason: str) -> int:
    """Queue again the rows a stopped worker left ``sending`` for longer than the timeout."""
    stale = now - datetime.timedelta(minutes=timeout_minutes)
    return rows.filter(state=SENDING, claimed_at__lt=stale).update(state=QUEUED, next_attempt_at=now,
                                                                   last_error=reason)


def failed(sending: QuerySet, *, now: datetime.datetime, attempts: int, for_good: bool, what: str, reason: str,
           wait: int | None = None, log=None, **fields) -> Outcome:
    """A claimed row's attempt failed: it fails for good (``for_good``: the error is permanent or the attempts are
    used up), or it is queued again after its backoff (``wait`` when the receiver asked for longer). ``sending``
    is the row while still claimed (``state=sending``), so a row released meanwhile is not overwritten;
    ``fields``: what else the outbox records of the attempt (the error's text under its own column name)."""
    if for_good:
        if log:
            log.warning("%s failed for good: %s", what, reason)
        sending.update(state=FAILED, next_attempt_at=None, **fields)
        return Outcome(FAILED)
    wait = backoff(attempts) if wait is None else wait
    if log:
        log.warning("%s failed (attempt %s), next in %ss: %s", what, attempts, wait, reason)
    sending.update(state=QUEUED, next_attempt_at=now + datetime.timedelta(seconds=wait), **fields)
    return Outcome(QUEUED, retry_in=wait)


def attempt(task, send: Callable[[int], Outcome | None], pk: int) -> str | None:
    """A Celery task's body: send one row; a failure to try again is retried by Celery after the row's
    backoff (with a broker). In-process the periodic sweep retries it, so a request never waits on retries."""
    outcome = send(pk)
    if outcome is None:
        return None
    if outcome.retry_in is not None and not task.request.is_eager:
        raise task.retry(countdown=outcome.retry_in)
    return outcome.state
