"""Fixtures of the SLA tests: a calendar with a holiday week and an adjusted Saturday, one policy per
priority on it, helpers that date history rows, and two real Celery workers on a real Redis."""

import json
import os
import subprocess
import sys
import tempfile
import time
from datetime import date, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from servicedesk.core import appendonly
from servicedesk.sla.models import Calendar, CalendarDay, SlaPolicy
from servicedesk.tickets import actions
from servicedesk.tickets.models import HistoryEntry, Ticket

SHANGHAI = ZoneInfo("Asia/Shanghai")
OFFICE = [["09:00", "12:00"], ["13:00", "18:00"]]
ROOT = Path(__file__).resolve().parents[2]

# priority → (first response, resolution) in business minutes: seed 003's defaults
TARGETS = {1: (60, 480), 2: (60, 960), 3: (480, 2400), 4: (960, 4800), 5: (960, 4800)}


def cn(y, mo, d, h=0, mi=0):
    return datetime(y, mo, d, h, mi, tzinfo=SHANGHAI)


@pytest.fixture
def holiday_calendar(db):
    """Mon–Fri office hours in Shanghai; 2025-10-01…08 is a holiday week, Saturday 2025-10-11 works as a Monday."""
    cal = Calendar.objects.create(name="Holiday week", time_zone="Asia/Shanghai",
                                  weekly={str(d): OFFICE for d in range(5)})
    for day in range(1, 9):
        CalendarDay.objects.create(calendar=cal, date=date(2025, 10, day), kind="holiday", name="National Day")
    CalendarDay.objects.create(calendar=cal, date=date(2025, 10, 11), kind="workday", works_as=0, name="调休")
    return cal


@pytest.fixture
def priority_policies(desk, holiday_calendar):
    """One policy per priority on the holiday calendar (the seeded ones switched off), follow-up daily."""
    SlaPolicy.objects.update(is_active=False)
    return {
        priority: SlaPolicy.objects.create(
            name=f"P{priority}", order=priority, calendar=holiday_calendar, priorities=[priority],
            first_response_minutes=response, resolution_minutes=resolution, follow_up_minutes=480,
        )
        for priority, (response, resolution) in TARGETS.items()
    }


def _history_ids(ticket):
    return set(HistoryEntry.objects.filter(ticket=ticket).values_list("id", flat=True))


def make_ticket(desk, created, actor=None, **kwargs):
    """A ticket made through the actions, its creation dated ``created``."""
    ticket = actions.create_ticket(actor=actor or desk.agent1, title="Printer on fire", requester=desk.customer1,
                                   **kwargs)
    Ticket.objects.filter(pk=ticket.pk).update(created_at=created, updated_at=created)
    with appendonly.lifted():  # history is append-only: moved back in time with the guard off
        HistoryEntry.objects.filter(ticket=ticket).update(at=created)
    ticket.refresh_from_db()
    return ticket


def dated(ticket, when, call, *args, **kwargs):
    """Run an action and date the history rows it wrote (and the ticket's updated_at) at ``when``."""
    before = _history_ids(ticket)
    result = call(ticket, *args, **kwargs)
    with appendonly.lifted():  # history is append-only: moved back in time with the guard off
        HistoryEntry.objects.filter(ticket=ticket).exclude(id__in=before).update(at=when)
    Ticket.objects.filter(pk=ticket.pk).update(updated_at=when)
    ticket.refresh_from_db()
    return result


def act(desk, ticket, when, action, actor=None, **kwargs):
    """Take a lifecycle action (as agent1 by default) dated ``when``."""
    if action == "resolve":
        kwargs.setdefault("comment", "Fixed.")  # resolving needs the resolution
    return dated(ticket, when, actions.transition, action, actor=actor or desk.agent1, **kwargs)


# -- two real Celery workers --------------------------------------------------------------------------


class Workers:
    def __init__(self, broker_url: str, log_path: Path, procs):
        from celery import Celery

        self.broker_url = broker_url
        self.log_path = log_path
        self.procs = procs
        self.app = Celery("sd-test-sender", broker=broker_url, set_as_current=False)

    def send(self, task: str, count: int = 1) -> None:
        for _ in range(count):
            self.app.send_task(task)

    def signals(self) -> list[dict]:
        if not self.log_path.exists():
            return []
        return [json.loads(line) for line in self.log_path.read_text().splitlines() if line]

    def idle(self) -> bool:
        import redis

        client = redis.Redis.from_url(self.broker_url)
        # Queued, or taken by a worker and not acknowledged yet (acks_late: acknowledged when done).
        if client.llen("celery") or client.hlen("unacked"):
            return False
        active = self.app.control.inspect(timeout=1).active() or {}
        return len(active) == len(self.procs) and not any(active.values())

    def wait_idle(self, timeout: float = 60.0) -> None:
        deadline = time.monotonic() + timeout
        quiet = 0
        while time.monotonic() < deadline:
            quiet = quiet + 1 if self.idle() else 0
            if quiet >= 2:
                return
            time.sleep(0.2)
        raise TimeoutError("the workers did not finish their tasks")


@pytest.fixture
def celery_workers(redis_url, transactional_db, settings):
    """Two `celery worker` processes on a private Redis, on the test database (PostgreSQL, or SQLite on disk
    with SERVICEDESK_TEST_ON_DISK=1), each loading tests/sla/worker_receivers.py."""
    from django.db import connection

    name = str(connection.settings_dict["NAME"])
    if connection.vendor == "sqlite" and (name == ":memory:" or "mode=memory" in name):
        pytest.skip("two workers share one database: run on PostgreSQL or with SERVICEDESK_TEST_ON_DISK=1")
    folder = Path(tempfile.mkdtemp(prefix="sd-workers-"))
    log_path = folder / "signals.jsonl"
    env = {**os.environ, "SERVICEDESK_BROKER_URL": redis_url, "DJANGO_SETTINGS_MODULE": "tests.sla.worker_settings",
           "SD_TEST_DB_NAME": name, "SD_SIGNAL_LOG": str(log_path), "PYTHONPATH": str(ROOT)}
    procs = []
    for n in (1, 2):
        out = open(folder / f"worker{n}.log", "w")
        procs.append(subprocess.Popen(
            [sys.executable, "-m", "celery", "-A", "servicedesk.celery_app", "worker", "--pool=solo",
             f"--hostname=sla{n}@%h", "--include=tests.sla.worker_receivers", "--without-gossip",
             "--without-mingle", "--loglevel=WARNING"],
            cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT,
        ))
    workers = Workers(redis_url, log_path, procs)
    try:
        deadline = time.monotonic() + 60
        while True:
            replies = workers.app.control.ping(timeout=1) or []
            if len(replies) >= 2:
                break
            if time.monotonic() > deadline or any(p.poll() is not None for p in procs):
                logs = "\n".join((folder / f"worker{n}.log").read_text()[-2000:] for n in (1, 2))
                raise RuntimeError(f"the Celery workers did not start:\n{logs}")
            time.sleep(0.3)
        workers.folder = folder
        yield workers
    finally:
        for proc in procs:
            proc.terminate()
        for proc in procs:
            try:
                proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
