"""Resolving several tickets with one resolution: a major incident's related incidents, a problem's linked
incidents. One function, so every cascade tells each requester the same way (the desk's resolution mail, with
confirm and reopen) and leaves open, with the reason, whatever refuses."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable

from django.db import transaction

from servicedesk.accounts.identity import system_user
from servicedesk.accounts.models import User
from servicedesk.core.errors import ActionError

from . import actions, permissions
from .models import OPEN_STATUSES, Channel, Ticket


@dataclasses.dataclass
class Cascade:
    resolved: list[str]  # numbers of the tickets resolved, in the order given
    left: list[tuple[str, str]]  # (number, why) of the open ones that refused


def resolve_open(tickets: Iterable[Ticket], *, actor: User, resolution: str, channel: str) -> Cascade:
    """Resolve each open ticket of `tickets` with `resolution` (its requester is asked to confirm it). A
    ticket the actor may not see is resolved by the desk's system identity: the cascade is the actor's
    decision, not a way to read it. Each ticket in its own savepoint, so one refusal leaves the others
    resolved. The caller holds the transaction."""
    ticket_channel = channel if channel in Channel.values else Channel.SYSTEM
    done, left = [], []
    for ticket in tickets:
        if ticket.status not in OPEN_STATUSES:
            continue
        by = actor if permissions.can_see(actor, ticket) else system_user()
        try:
            with transaction.atomic():
                actions.transition(ticket, "resolve", actor=by, channel=ticket_channel, comment=resolution)
        except ActionError as refused:
            left.append((ticket.number, refused.message))
        else:
            done.append(ticket.number)
    return Cascade(done, left)
