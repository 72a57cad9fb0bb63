"""Health probes for load balancers and Kubernetes: /healthz (the process answers) and /readyz (it can
serve: the database, the broker and the scheduler's last run).

Answered by OpsMiddleware before sessions, the locale, host validation and the SSL redirect, so a probe
addressed to the pod's IP over plain HTTP gets its answer, and a failing check is a 503 naming it, never
a 500.
"""

import logging
import time

from django.conf import settings
from django.db import connection
from django.http import JsonResponse
from django.utils import timezone

from . import heartbeat

log = logging.getLogger("servicedesk.ops")


def check_database() -> str:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
        cursor.fetchone()
    return "ok"


def broker_client():
    """A Redis client on the broker, or None without a broker (the embedded mode runs tasks in-process)."""
    url = settings.CELERY_BROKER_URL
    if not url:
        return None
    import redis

    timeout = settings.SERVICEDESK_READY_TIMEOUT_SECONDS
    return redis.Redis.from_url(url, socket_timeout=timeout, socket_connect_timeout=timeout)


def check_broker() -> str:
    client = broker_client()
    if client is None:
        return "not configured"
    try:
        client.ping()
    finally:
        client.close()
    return "ok"


def check_scheduler() -> str:
    limit = settings.SERVICEDESK_READY_SCHEDULER_SECONDS
    if limit <= 0:
        return "not checked"
    last = heartbeat.last_run()
    if last is None:
        raise RuntimeError("never ran")
    age = (timezone.now() - last).total_seconds()
    if age > limit:
        raise RuntimeError(f"last ran {age:.0f} s ago")
    return "ok"


CHECKS = {"database": check_database, "broker": check_broker, "scheduler": check_scheduler}


def healthz(request):
    return JsonResponse({"status": "ok"})


def readyz(request):
    checks, failing = {}, []
    for name, check in CHECKS.items():
        started = time.monotonic()
        try:
            checks[name] = check()
        except Exception as exc:  # every failure, whatever raised it, is this check's 503
            checks[name] = f"failing: {exc.__class__.__name__}: {exc}"[:300]
            failing.append(name)
            log.warning("readiness check %s failed in %.2f s: %s", name, time.monotonic() - started, exc)
    if failing:
        return JsonResponse({"status": "failing", "failing": failing, "checks": checks}, status=503)
    return JsonResponse({"status": "ok", "checks": checks})
