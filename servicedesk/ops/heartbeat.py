"""The scheduler's last run, written by the scheduler (Celery beat or the embedded one) and read by /readyz.

One row per scheduler kind, overwritten: a beat ticks every few seconds, so the write is throttled to
once per RECORD_EVERY seconds per process.
"""

import logging
import os
import socket
import time

from django.db import close_old_connections
from django.utils import timezone

from .models import SchedulerRun

log = logging.getLogger("servicedesk.ops")

RECORD_EVERY = 15.0
_last_recorded = {"at": float("-inf")}


def record_run(name: str = "scheduler", clock=time.monotonic) -> bool:
    """Record that the scheduler went round now; False when throttled or the database refused it."""
    now = clock()
    if now - _last_recorded["at"] < RECORD_EVERY:
        return False
    try:
        SchedulerRun.objects.update_or_create(
            name=name, defaults={"last_run": timezone.now(), "host": socket.gethostname()[:255], "pid": os.getpid()})
    except Exception:  # a database outage must not stop the schedule; /readyz shows the age instead
        log.warning("could not record the scheduler's run", exc_info=True)
        close_old_connections()
        return False
    _last_recorded["at"] = now
    return True


def last_run(name: str = "scheduler"):
    return SchedulerRun.objects.filter(name=name).values_list("last_run", flat=True).first()
