"""Celery beat's scheduler for the desk: beat's own, recording each round for /readyz."""

from celery.beat import PersistentScheduler

from . import heartbeat


class DeskScheduler(PersistentScheduler):
    def tick(self, *args, **kwargs):
        seconds = super().tick(*args, **kwargs)
        heartbeat.record_run()
        return seconds
