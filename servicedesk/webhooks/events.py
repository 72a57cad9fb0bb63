"""From the desk's signals to stored deliveries: which event a ticket change or an SLA threshold is, which
subscriptions want it, and its rows in the delivery log.

Runs after the change committed (the receivers are called from ``transaction.on_commit``) and stores the
rows in a small transaction of its own. Each event has an id derived from what happened (the ticket and
the version the change made, the SLA event's row), and a delivery is unique per subscription and event id:
a signal or task that runs twice stores — and so sends — nothing twice.
"""

from __future__ import annotations

from collections.abc import Callable

from django.db import transaction
from django.utils import timezone

from servicedesk.accounts.models import User
from servicedesk.core.refdata import cached
from servicedesk.tickets.models import HistoryEntry, Status, Ticket

from . import payloads
from .models import Delivery, Event, State, Subscription


def ticket_event(event: str, changes: dict) -> str:
    """The webhook event of a ticket change (tickets.actions.ticket_changed's ``event`` and ``changes``).
    One per change: a resolution written with its comment is ``ticket.resolved``, carrying the comment."""
    if event == "created":
        return Event.TICKET_CREATED
    new_status = (changes.get("status") or (None, None))[1]
    if new_status == Status.RESOLVED:
        return Event.TICKET_RESOLVED
    if new_status == Status.CLOSED:
        return Event.TICKET_CLOSED
    if event in payloads.COMMENT_EVENTS:
        return Event.TICKET_COMMENTED
    return Event.TICKET_CHANGED


def active_subscriptions() -> list[Subscription]:
    """The active subscriptions, read once per reference-data version (core.refdata; the app watches
    Subscription): most desks have none or a few, and every ticket change asks. Without their secrets,
    which the sender reads with each delivery."""
    return cached("webhook-subscriptions", lambda: list(Subscription.objects.filter(is_active=True)
                                                        .defer("secret").order_by("pk")), fresh=True)


def wanting(event: str, ticket: Ticket) -> list[Subscription]:
    """The active subscriptions that want this event of this ticket."""
    return [s for s in active_subscriptions() if s.wants(event, ticket)]


def store(subscriptions: list[Subscription], event: str, event_id: str, ticket: Ticket | None,
          build: Callable[[bool], dict], *, internal_only: bool = False) -> list[int]:
    """Store the event for these subscriptions; returns the deliveries queued for it.
    ``build(include_internal)`` makes the payload (internal notes only for subscriptions that asked);
    an event only internal readers may see (an internal note) goes to those subscriptions only."""
    subscriptions = [s for s in subscriptions if s.include_internal or not internal_only]
    if not subscriptions:
        return []
    built: dict[bool, dict] = {}
    rows = []
    for subscription in subscriptions:
        if subscription.include_internal not in built:
            built[subscription.include_internal] = build(subscription.include_internal)
        rows.append(Delivery(subscription=subscription, event_id=event_id, event=event, ticket=ticket,
                             payload=built[subscription.include_internal]))
    with transaction.atomic():
        Delivery.objects.bulk_create(rows, ignore_conflicts=True)
    return list(Delivery.objects.filter(event_id=event_id, subscription__in=subscriptions, state=State.QUEUED)
                .values_list("pk", flat=True))


def ticket_changed(ticket: Ticket, actor: User | None, event: str, changes: dict) -> list[int]:
    kind = ticket_event(event, changes)
    subscriptions = wanting(kind, ticket)
    if not subscriptions:
        return []
    if kind == Event.TICKET_CREATED:
        event_id, entries = f"ticket:{ticket.pk}:created", []
    else:
        event_id = f"ticket:{ticket.pk}:v{ticket.version}:{event}"
        entries = list(HistoryEntry.objects.filter(ticket=ticket, version=ticket.version)
                       .values_list("internal", flat=True))
    # Seen by customers only if one of its lines is: an internal note alone is for internal readers.
    internal_only = bool(entries) and all(entries)
    comments = payloads.comments_of(ticket) if kind != Event.TICKET_CREATED else []
    occurred_at = ticket.updated_at or timezone.now()

    def build(include_internal: bool) -> dict:
        shown = [c for c in comments if include_internal or not c["internal"]]
        return payloads.event_payload(event_id, kind, occurred_at, ticket, changes=changes, actor=actor,
                                      comments=shown)

    return store(subscriptions, kind, event_id, ticket, build, internal_only=internal_only)


def threshold_reached(ticket: Ticket, target: str, percent: int, due_at, group=None, event=None) -> list[int]:
    kind = Event.SLA_BREACHED if percent >= 100 else Event.SLA_WARNING
    subscriptions = wanting(kind, ticket)
    if not subscriptions:
        return []
    if event is not None:
        event_id, reached_at = f"sla:{event.pk}", event.reached_at
    else:
        event_id, reached_at = f"sla:{ticket.pk}:{target}:{percent}:{due_at.isoformat()}", timezone.now()
    sla = {"target": str(target), "percent": int(percent), "due_at": due_at.isoformat(),
           "reached_at": reached_at.isoformat(), "group": payloads.group_data(group)}

    def build(include_internal: bool) -> dict:
        return payloads.event_payload(event_id, kind, reached_at, ticket, sla=sla)

    return store(subscriptions, kind, event_id, ticket, build)
