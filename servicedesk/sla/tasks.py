"""Background work of the service-level layer (Celery; in-process in the embedded mode).

evaluate           every minute: recompute the open tickets if configuration changed, then fire the
                   thresholds whose instant has come (servicedesk.sla.tracking)
follow_up_digest   hourly: each owner's (and lead's) daily follow-up digest (servicedesk.sla.followup)
recompute_ticket   after each committed ticket change: rewrite that ticket's clock rows
recompute_all      rewrite every ticket's clock rows (what `servicedesk recompute-sla` does)
catch_up           every few seconds: recompute the tickets changed since their clocks were derived
                   (the embedded mode's way of keeping clocks current; a safety net with a broker)
"""

from celery import shared_task

from servicedesk.sla import followup, tracking


@shared_task(name="servicedesk.sla.tasks.evaluate")
def evaluate() -> int:
    """Returns the number of events recorded by this pass."""
    tracking.rebuild_if_requested()
    tracking.catch_up()
    return tracking.evaluate().recorded


@shared_task(name="servicedesk.sla.tasks.follow_up_digest")
def follow_up_digest() -> int:
    return len(followup.send_digests())


@shared_task(name="servicedesk.sla.tasks.recompute_ticket")
def recompute_ticket(ticket_id: int) -> int:
    return tracking.recompute_ticket(ticket_id)


@shared_task(name="servicedesk.sla.tasks.recompute_all")
def recompute_all() -> int:
    return tracking.rebuild()


@shared_task(name="servicedesk.sla.tasks.catch_up")
def catch_up() -> int:
    return tracking.catch_up()
