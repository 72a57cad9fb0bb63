"""The approval engine's hooks into the ticket record."""

from __future__ import annotations

from servicedesk.accounts.identity import system_user
from servicedesk.tickets.models import Channel, Ticket, TicketType

from .models import CatalogueApproval


def on_ticket_created(sender, ticket: Ticket, actor, given, **kwargs) -> None:
    """A service request from a catalogue item that names an approval policy waits for that approval from the
    moment it is recorded (in the creating transaction: no request slips through unapproved)."""
    if ticket.type != TicketType.SERVICE_REQUEST or ticket.category_id is None:
        return
    # The item's own policy, else its parent category's.
    found = {c.category_id: c for c in CatalogueApproval.objects.select_related("policy")
             .filter(category_id__in=[ticket.category_id, ticket.category.parent_id])}
    needed = found.get(ticket.category_id) or found.get(ticket.category.parent_id)
    if needed is None or not needed.policy.is_active:
        return
    from .actions import request_approval

    request_approval(ticket, policy=needed.policy, actor=system_user(), channel=Channel.SYSTEM)
    ticket.refresh_from_db()
