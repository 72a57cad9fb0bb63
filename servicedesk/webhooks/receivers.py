"""Where webhook events start: ticket changes (tickets.actions) and SLA thresholds (sla.signals).

Both signals come after the change's transaction committed: a change that rolled back sends nothing. A
receiver stores the deliveries and hands them on; it never raises into the action that sent the signal
(a failing store is logged: the change itself is done).
"""

from __future__ import annotations

import logging

from django.dispatch import receiver

from servicedesk.sla.signals import threshold_reached
from servicedesk.tickets.actions import ticket_changed

from . import events, tasks

log = logging.getLogger(__name__)


@receiver(ticket_changed, dispatch_uid="webhooks.ticket_changed")
def on_ticket_changed(sender, ticket, actor=None, event="", changes=None, **kwargs):
    try:
        tasks.dispatch(events.ticket_changed(ticket, actor, event, changes or {}))
    except Exception:
        log.exception("Storing the webhook deliveries of %s (%s) failed", ticket.number, event)


@receiver(threshold_reached, dispatch_uid="webhooks.threshold_reached")
def on_threshold_reached(sender, ticket, target, percent, due_at, group=None, event=None, **kwargs):
    try:
        tasks.dispatch(events.threshold_reached(ticket, target, int(percent), due_at, group=group, event=event))
    except Exception:
        log.exception("Storing the webhook deliveries of %s's SLA %s %s%% failed", ticket.number, target, percent)
