"""The JSON the desk posts: one documented shape, versioned by ``schema`` (docs/webhooks.md).

Built when the event is stored (after the change committed), so every attempt and a redelivery send the
same body: the ticket as it was right after the change, not as it is when the receiver is reached.
"""

from __future__ import annotations

import datetime

from django.conf import settings
from django.urls import reverse

from servicedesk.accounts.models import Group, User
from servicedesk.tickets.models import Category, Comment, HistoryEntry, Ticket

SCHEMA = 1
COMMENT_EVENTS = ("public_reply", "internal_note")


def _person(user: User | None) -> dict | None:
    if user is None:
        return None
    return {"id": user.pk, "username": user.username, "name": user.display_name}


def group_data(group: Group | None) -> dict | None:
    return None if group is None else {"id": group.pk, "name": group.name}


def ticket_url(ticket: Ticket) -> str:
    return settings.SERVICEDESK_BASE_URL + reverse("console:ticket", args=[ticket.number])


def ticket_data(ticket: Ticket) -> dict:
    return {
        "id": ticket.pk, "number": ticket.number, "title": ticket.title, "type": ticket.type,
        "status": ticket.status, "pending_reason": ticket.pending_reason, "impact": ticket.impact,
        "urgency": ticket.urgency, "priority": ticket.priority, "channel": ticket.channel,
        "desk": {"id": ticket.desk_id, "name": ticket.desk.name},
        "group": group_data(ticket.group), "assignee": _person(ticket.assignee), "owner": _person(ticket.owner),
        "requester": _person(ticket.requester),
        "category": str(ticket.category) if ticket.category_id else None,
        "created_at": _when(ticket.created_at), "updated_at": _when(ticket.updated_at),
        "resolved_at": _when(ticket.resolved_at), "closed_at": _when(ticket.closed_at),
        "version": ticket.version, "url": ticket_url(ticket),
    }


def _when(moment: datetime.datetime | None) -> str | None:
    return moment.isoformat() if moment is not None else None


def _value(value):
    """A changed field's value as JSON: people by user name, groups and categories by name."""
    if isinstance(value, User):
        return value.username
    if isinstance(value, Group | Category):
        return str(value.name if isinstance(value, Group) else value)
    if isinstance(value, Ticket):
        return value.number
    if isinstance(value, datetime.datetime):
        return value.isoformat()
    if value is None or isinstance(value, bool | int | float | str):
        return value
    return str(value)


def changes_data(changes: dict) -> dict:
    return {name.removesuffix("_id"): {"old": _value(old), "new": _value(new)}
            for name, (old, new) in sorted((changes or {}).items())}


def comments_of(ticket: Ticket) -> list[dict]:
    """The replies and notes the change at the ticket's current version wrote (a transition's resolution
    among them), with whether each is internal."""
    ids = [int(entry.new_value) for entry in HistoryEntry.objects.filter(
        ticket=ticket, version=ticket.version, event__in=COMMENT_EVENTS).only("new_value")
        if entry.new_value.isdigit()]
    if not ids:
        return []
    return [{"id": c.pk, "body": c.body, "internal": c.internal, "author": _person(c.author),
             "created_at": _when(c.created_at)}
            for c in Comment.objects.filter(pk__in=ids).select_related("author").order_by("id")]


def event_payload(event_id: str, event: str, occurred_at: datetime.datetime, ticket: Ticket | None, *,
                  changes: dict | None = None, actor: User | None = None, **extra) -> dict:
    payload = {"schema": SCHEMA, "id": event_id, "type": event, "occurred_at": _when(occurred_at),
               "ticket": ticket_data(ticket) if ticket is not None else None,
               "changes": changes_data(changes or {}), "actor": _person(actor)}
    payload.update(extra)
    return payload
