"""The intake's periodic tasks (see SERVICEDESK_PERIODIC_TASKS): IMAP polling and the sweeper."""

from celery import shared_task

from . import imap, ingest


@shared_task(name="servicedesk.intake.tasks.fetch_mail")
def fetch_mail() -> list[dict]:
    """Poll every active mailbox that has an IMAP server; returns a summary per mailbox."""
    return [
        {"mailbox": report.mailbox.address, "skipped": report.skipped, "fetched": report.fetched,
         "new": report.new, "states": report.states, "left": report.left, "errors": report.errors}
        for report in imap.fetch_all()
    ]


@shared_task(name="servicedesk.intake.tasks.sweep_received")
def sweep_received() -> dict:
    """File the messages a dead process left stored but unfiled for more than a minute."""
    return ingest.sweep_received()
