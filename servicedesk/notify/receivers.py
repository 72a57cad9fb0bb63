"""Where notifications start: ticket changes (tickets.actions) and the SLA layer's signals.

All three signals are sent after the transaction that recorded the event has committed. A receiver
only hands the event to a task; it never raises into the action that sent the signal. Ticket
changes go to a task only with a broker; without one the periodic catch-up plans them (see
:mod:`servicedesk.notify.planning`).
"""

from __future__ import annotations

import logging
import uuid

from django.conf import settings
from django.db import transaction
from django.dispatch import receiver

from servicedesk.sla.signals import follow_up_digest, threshold_reached
from servicedesk.tickets.actions import ticket_changed

log = logging.getLogger(__name__)


def enabled() -> bool:
    return bool(getattr(settings, "SERVICEDESK_NOTIFY_ENABLED", True))


def _dispatch(task, *args) -> None:
    """Send the task after commit. If the broker cannot take it, run it here rather than lose it."""

    def go():
        try:
            task.delay(*args)
        except Exception:
            log.exception("Queueing %s%r failed; running it in-process", task.name, args)
            try:
                task.apply(args=args)
            except Exception:
                log.exception("Notification task %s%r failed", task.name, args)

    transaction.on_commit(go)


def broker_in_use() -> bool:
    from servicedesk.celery_app import app

    return not app.conf.task_always_eager


@receiver(ticket_changed, dispatch_uid="notify.ticket_changed")
def on_ticket_changed(sender, ticket, actor=None, event="", changes=None, **kwargs):
    """With a broker, a task plans the change at once. Without one, nothing runs here (the request or
    the mail ingester does not wait on planning and SMTP): the periodic ``send_due`` plans every
    change from its history (``planning.plan_pending``)."""
    if not enabled() or not broker_in_use():
        return
    from .tasks import notify_ticket_change

    _dispatch(notify_ticket_change, ticket.pk, ticket.version)


@receiver(threshold_reached, dispatch_uid="notify.threshold_reached")
def on_threshold_reached(sender, ticket, target, percent, due_at, notify, group=None, **kwargs):
    if not enabled():
        return
    from .tasks import notify_threshold

    _dispatch(notify_threshold, ticket.pk, str(target), int(percent), due_at.isoformat(),
              [user.pk for user in notify], group.pk if group is not None else None)


@receiver(follow_up_digest, dispatch_uid="notify.follow_up_digest")
def on_follow_up_digest(sender, recipient, tickets, as_lead=False, **kwargs):
    if not enabled():
        return
    from .tasks import notify_digest

    # The signal comes once per digest; the key makes the task's retries send it once.
    _dispatch(notify_digest, recipient.pk, [ticket.pk for ticket in tickets], bool(as_lead), uuid.uuid4().hex)
