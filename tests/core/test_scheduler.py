"""The embedded scheduler runs each periodic job when due, and one failing job does not stop the rest."""

from servicedesk.core.scheduler import Scheduler

CALLS = []


def job_ok():
    CALLS.append("ok")


def job_fails():
    CALLS.append("fails")
    raise RuntimeError("boom")


def test_jobs_run_when_due_and_failures_do_not_stop_others(db):
    now = [1000.0]
    table = {
        "a": {"task": "tests.core.test_scheduler.job_ok", "every": 60},
        "b": {"task": "tests.core.test_scheduler.job_fails", "every": 300},
    }
    scheduler = Scheduler(table, clock=lambda: now[0])
    CALLS.clear()
    assert scheduler.run_due() == ["a", "b"]
    assert CALLS == ["ok", "fails"]
    now[0] += 59
    assert scheduler.run_due() == []
    assert 0 < scheduler.seconds_to_next() <= 1
    now[0] += 1
    assert scheduler.run_due() == ["a"]
    now[0] += 240
    assert scheduler.run_due() == ["a", "b"]

