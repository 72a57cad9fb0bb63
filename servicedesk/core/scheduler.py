"""The embedded scheduler: the periodic tasks of `SERVICEDESK_PERIODIC_TASKS`, run in-process.

Used when there is no Celery broker (the embedded default): `servicedesk serve` runs it beside the
web server. With a broker, `celery beat` runs the same table. Every periodic task is safe to run
twice at the same moment (each claims its work with a conditional update), so a second scheduler by
mistake costs time, not correctness.
"""

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, field

from django.conf import settings
from django.db import close_old_connections
from django.utils.module_loading import import_string

log = logging.getLogger("servicedesk.scheduler")

# Called after every round of the table, due jobs or not: the ops app records the scheduler's last run
# there (for /readyz) without core importing it.
after_round: list[Callable[[], object]] = []


@dataclass
class Job:
    name: str
    task: str
    every: float
    next_run: float = field(default=0.0)

    def run(self) -> None:
        close_old_connections()
        try:
            task = import_string(self.task)
            # A Celery task runs its body here, in this process; a plain function is called.
            (task.apply if hasattr(task, "apply") else task)()
        except Exception:  # one failing job must not stop the others; it runs again next time
            log.exception("periodic task %s failed", self.name)
        finally:
            close_old_connections()


class Scheduler:
    def __init__(self, table: dict | None = None, clock=time.monotonic):
        table = settings.SERVICEDESK_PERIODIC_TASKS if table is None else table
        self.clock = clock
        self.jobs = [Job(name, entry["task"], float(entry["every"])) for name, entry in table.items()]

    def run_due(self) -> list[str]:
        """Run every job whose time has come; returns their names."""
        now = self.clock()
        ran = []
        for job in self.jobs:
            if now >= job.next_run:
                job.next_run = now + job.every
                job.run()
                ran.append(job.name)
        for hook in after_round:
            hook()
        return ran

    def seconds_to_next(self) -> float:
        return max(0.0, min((job.next_run for job in self.jobs), default=60.0) - self.clock())

    def forever(self, should_stop=lambda: False) -> None:
        while not should_stop():
            self.run_due()
            deadline = self.clock() + min(self.seconds_to_next(), 60.0)
            while not should_stop() and self.clock() < deadline:
                time.sleep(min(1.0, max(0.0, deadline - self.clock())))
