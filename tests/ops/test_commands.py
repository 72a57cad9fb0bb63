"""`servicedesk worker` and `servicedesk scheduler`: Celery's worker and beat under the desk's names, their
options passed through, the scheduler recording its last run where /readyz reads it."""

import os
import subprocess
import tempfile
import time
from pathlib import Path

from celery import Celery

from servicedesk.ops.models import SchedulerRun
from tests.ops.conftest import ROOT, desk_command, stop


def wait_until(condition, what: str, procs, logs: list[Path], timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline or any(p.poll() is not None for p in procs):
            raise AssertionError(f"{what}:\n" + "\n".join(log.read_text()[-3000:] for log in logs))
        time.sleep(0.3)


def test_worker_refuses_to_start_without_a_broker():
    env = {k: v for k, v in os.environ.items() if k != "SERVICEDESK_BROKER_URL"}
    done = subprocess.run(desk_command("worker", "--concurrency", "1"), cwd=ROOT, env=env, capture_output=True,
                          text=True, timeout=60)
    assert done.returncode == 1
    assert "Set SERVICEDESK_BROKER_URL" in done.stderr


def test_worker_and_scheduler_run_under_the_desks_names(process_env, redis_url, client, settings):
    folder = Path(tempfile.mkdtemp(prefix="sd-ops-"))
    env = {**process_env, "SERVICEDESK_BROKER_URL": redis_url, "SERVICEDESK_DATA_DIR": str(folder)}
    logs = [folder / "worker.log", folder / "scheduler.log"]
    procs = [
        subprocess.Popen(desk_command("worker", "--pool=solo", "--hostname=ops1@%h", "--without-gossip",
                                      "--without-mingle", "--loglevel=INFO"),
                         cwd=ROOT, env=env, stdout=logs[0].open("w"), stderr=subprocess.STDOUT),
        subprocess.Popen(desk_command("scheduler", "--loglevel=INFO"),
                         cwd=ROOT, env=env, stdout=logs[1].open("w"), stderr=subprocess.STDOUT),
    ]
    control = Celery(broker=redis_url, set_as_current=False)  # never the app shared_task resolves to
    try:
        # The worker's options went to Celery: it answers under the host name given.
        wait_until(lambda: any("ops1@" in name for reply in control.control.ping(timeout=0.5) or []
                               for name in reply), "the worker did not answer", procs, logs)
        wait_until(lambda: SchedulerRun.objects.filter(name="scheduler").exists(),
                   "the scheduler recorded no run", procs, logs)
        assert (folder / "celerybeat-schedule").exists() or list(folder.glob("celerybeat-schedule*"))
        settings.CELERY_BROKER_URL = redis_url
        response = client.get("/readyz")
        assert response.status_code == 200, response.content
        assert response.json()["checks"] == {"database": "ok", "broker": "ok", "scheduler": "ok"}
        # The scheduler's tasks reach the worker through the broker.
        wait_until(lambda: "servicedesk.sla.tasks.catch_up" in logs[0].read_text() and "succeeded" in
                   logs[0].read_text(), "the worker ran no periodic task", procs, logs)
    finally:
        for proc in procs:
            stop(proc)
        control.close()
