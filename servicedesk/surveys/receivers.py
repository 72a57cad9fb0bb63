"""A change that resolves a ticket asks its requester how it went (the survey of that resolution)."""

from __future__ import annotations

import logging

from django.dispatch import receiver

from servicedesk.tickets.actions import ticket_changed
from servicedesk.tickets.models import Status

from . import actions

log = logging.getLogger(__name__)


@receiver(ticket_changed, dispatch_uid="surveys.ticket_changed")
def on_ticket_changed(sender, ticket, actor=None, event="", changes=None, **kwargs):
    status = (changes or {}).get("status")
    if status is None or status[1] != Status.RESOLVED:
        return
    try:
        actions.ask(ticket.pk)
    except Exception:  # sent after commit: the resolution stands; an answer records the survey anyway
        log.exception("Recording the survey of ticket %s failed", ticket.pk)
