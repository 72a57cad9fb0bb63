"""Sending the delivery log: each delivery POSTed until the receiver takes it (2xx), or it fails for good.

The claim, backoff and stale-claim sweep are the desk's outbox mechanism (core.outbox), as for mail:
a delivery is claimed (queued → sending) before it is sent, so two workers never send it twice; one left
``sending`` by a stopped worker is queued again after ``SERVICEDESK_WEBHOOK_SENDING_TIMEOUT_MINUTES`` (sent
at least once: the receiver recognises the copy by its X-ServiceDesk-Delivery).

Network errors, timeouts, 5xx, 408 and 429 are tried again after 1, 2, 4 … minutes (a longer Retry-After
is respected, up to an hour), at most ``SERVICEDESK_WEBHOOK_MAX_ATTEMPTS`` times; any other answer — 4xx,
and 3xx, as redirects are not followed — fails the delivery at once. A subscription whose deliveries fail
for good ``SERVICEDESK_WEBHOOK_DISABLE_AFTER`` times in a row is deactivated (webhooks.actions).
"""

from __future__ import annotations

import datetime
import http.client
import json
import logging
import time
import urllib.error
import urllib.request
from dataclasses import dataclass

from django.conf import settings
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from servicedesk.core import outbox, signing
from servicedesk.core.outbox import Outcome

from .models import Delivery, State, Subscription

log = logging.getLogger(__name__)

RETRIED_STATUSES = frozenset({408, 429})
USER_AGENT = "ServiceDesk-Webhooks/1"


@dataclass(frozen=True)
class Answer:
    status: int | None  # None: no HTTP answer (connection refused, timeout, reset)
    error: str = ""
    retry_after: int | None = None
    elapsed_ms: int = 0


class _NoRedirects(urllib.request.HTTPRedirectHandler):
    """A redirect is answered as it came (a failure): a signed POST is never replayed elsewhere."""

    def redirect_request(self, req, fp, code, msg, headers, newurl):
        return None


_opener = urllib.request.build_opener(_NoRedirects)


def body(delivery: Delivery) -> bytes:
    return json.dumps(delivery.payload, ensure_ascii=False, separators=(",", ":")).encode()


def headers(delivery: Delivery, data: bytes) -> dict[str, str]:
    return {
        "Content-Type": "application/json",
        "User-Agent": USER_AGENT,
        "X-ServiceDesk-Event": delivery.event,
        "X-ServiceDesk-Delivery": str(delivery.uuid),
        signing.HEADER: signing.header(delivery.subscription.secret, data),
    }


def _retry_after(value: str | None) -> int | None:
    return int(value) if value and value.strip().isdigit() else None


def post(delivery: Delivery) -> Answer:
    data = body(delivery)
    request = urllib.request.Request(delivery.subscription.url, data=data, method="POST",
                                     headers=headers(delivery, data))
    started = time.monotonic()

    def elapsed() -> int:
        return int((time.monotonic() - started) * 1000)

    try:
        with _opener.open(request, timeout=settings.SERVICEDESK_WEBHOOK_TIMEOUT_SECONDS) as response:
            response.read(65536)
            return Answer(response.status, elapsed_ms=elapsed())
    except urllib.error.HTTPError as error:
        text = error.read(300).decode("utf-8", "replace") if error.fp is not None else ""
        return Answer(error.code, f"HTTP {error.code}: {text}" if text.strip() else f"HTTP {error.code}",
                      _retry_after(error.headers.get("Retry-After") if error.headers else None), elapsed())
    except (urllib.error.URLError, OSError, http.client.HTTPException, ValueError) as error:
        reason = getattr(error, "reason", error)
        return Answer(None, f"{type(reason).__name__}: {reason}", elapsed_ms=elapsed())


def _retried(answer: Answer) -> bool:
    return answer.status is None or answer.status >= 500 or answer.status in RETRIED_STATUSES


def send(pk: int, now: datetime.datetime | None = None) -> Outcome | None:
    """Claim, send and record one delivery. None when there was nothing to claim (delivered, being sent
    by another worker, or not due)."""
    now = now or timezone.now()
    if not outbox.claim(Delivery.objects.filter(pk=pk), now):
        return None
    delivery = Delivery.objects.select_related("subscription").get(pk=pk)
    rows = Delivery.objects.filter(pk=pk, state=State.SENDING)
    if not delivery.subscription.is_active:
        rows.update(state=State.FAILED, next_attempt_at=None, last_error=_("The webhook is not active."))
        return Outcome(State.FAILED)
    answer = post(delivery)
    measured = {"status_code": answer.status, "response_ms": answer.elapsed_ms, "last_error": answer.error[:500]}
    if answer.status is not None and 200 <= answer.status < 300:
        rows.update(state=State.DELIVERED, delivered_at=timezone.now(), next_attempt_at=None, **measured)
        Subscription.objects.filter(pk=delivery.subscription_id, consecutive_failures__gt=0).update(
            consecutive_failures=0)
        return Outcome(State.DELIVERED)
    for_good = not _retried(answer) or delivery.attempts >= settings.SERVICEDESK_WEBHOOK_MAX_ATTEMPTS
    outcome = outbox.failed(rows, now=now, attempts=delivery.attempts, for_good=for_good, reason=answer.error,
                            what=f"Webhook delivery {pk}", log=log, **measured,
                            wait=min(max(outbox.backoff(delivery.attempts), answer.retry_after or 0), 3600))
    if for_good:
        _count_failure(delivery.subscription)
    return outcome


def _count_failure(subscription: Subscription) -> None:
    Subscription.objects.filter(pk=subscription.pk).update(consecutive_failures=F("consecutive_failures") + 1)
    limit = settings.SERVICEDESK_WEBHOOK_DISABLE_AFTER
    failures = Subscription.objects.filter(pk=subscription.pk).values_list("consecutive_failures", flat=True).first()
    if limit and failures is not None and failures >= limit:
        from . import actions

        actions.deactivate(subscription.pk, failures=failures)


def send_in_turn(pks: list[int]) -> None:
    """Send these one after the other (in-process: the embedded desk's periodic pass). Once a webhook's
    receiver failed, its other deliveries wait for the next pass: a receiver that does not answer costs the
    pass one timeout, not one per delivery (the scheduler's other jobs wait on it)."""
    webhook_of = dict(Delivery.objects.filter(pk__in=pks).values_list("pk", "subscription_id"))
    failing: set[int] = set()
    for pk in pks:
        if webhook_of.get(pk) in failing:
            continue
        outcome = send(pk)
        if outcome is not None and outcome.state != State.DELIVERED:
            failing.add(webhook_of.get(pk))


def due(now: datetime.datetime | None = None, limit: int = 200) -> list[int]:
    """Deliveries to send now: queued and due, and those a stopped worker left ``sending`` (queued again)."""
    now = now or timezone.now()
    outbox.release_stale(Delivery.objects.all(), now, settings.SERVICEDESK_WEBHOOK_SENDING_TIMEOUT_MINUTES,
                         _("The sender stopped while sending (crash or restart); sending again with the same "
                           "delivery id."))
    return list(outbox.due(Delivery.objects.all(), now).order_by("next_attempt_at", "id")
                .values_list("pk", flat=True)[:limit])
