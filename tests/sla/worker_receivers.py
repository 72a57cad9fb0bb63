"""Loaded into the test Celery workers (``--include``): every signal the SLA layer sends is appended as one
JSON line to the file named by SD_SIGNAL_LOG, so the test sees what each worker announced."""

import json
import os

from django.dispatch import receiver

from servicedesk.sla.signals import follow_up_digest, threshold_reached


def _write(record: dict) -> None:
    line = (json.dumps(record, sort_keys=True) + "\n").encode()
    fd = os.open(os.environ["SD_SIGNAL_LOG"], os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
    try:
        os.write(fd, line)  # one write with O_APPEND: lines of two workers never interleave
    finally:
        os.close(fd)


@receiver(threshold_reached, dispatch_uid="test-log-threshold")
def log_threshold(sender, ticket, target, percent, due_at, notify, group=None, **kwargs):
    _write({"signal": "threshold_reached", "ticket": ticket.pk, "target": target, "percent": percent,
            "group": group.pk if group else None, "due_at": due_at.isoformat(),
            "notify": sorted(u.username for u in notify), "pid": os.getpid()})


@receiver(follow_up_digest, dispatch_uid="test-log-digest")
def log_digest(sender, recipient, tickets, as_lead, **kwargs):
    _write({"signal": "follow_up_digest", "recipient": recipient.username, "tickets": [t.pk for t in tickets],
            "as_lead": as_lead, "pid": os.getpid()})
