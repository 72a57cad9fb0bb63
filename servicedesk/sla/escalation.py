"""Escalation: what happens when a clock reaches a threshold (an SlaEvent was just recorded).

Every active :class:`~servicedesk.sla.models.EscalationRule` that matches the event (target, threshold,
and the ticket's priority, type and current group) applies, in the administrators' order:

* **hierarchical**: the people it names are told (the assignee, the owner, the lead of the ticket's
  group — for an OLA the lead of the group whose target it is —, the desk managers, named people);
* **functional**: the first matching rule that moves the ticket moves it, to the next tier's group or
  to a named group or supplier, through :func:`servicedesk.tickets.actions.transition` (``assign``)
  as the desk's system identity (accounts.identity) on the system channel, with an internal note
  saying why; the destination group's lead is told as well.

Then ``threshold_reached`` is sent, once per event, after commit.
"""

from __future__ import annotations

import logging

from django.conf import settings
from django.db import transaction
from django.utils import translation
from django.utils.translation import gettext as _

from servicedesk.accounts.identity import system_user
from servicedesk.accounts.models import Group, Role, User, system_usernames
from servicedesk.sla import actions as sla_actions
from servicedesk.sla.models import EscalateTo, EscalationRule, SlaEvent, TargetKind
from servicedesk.sla.signals import threshold_reached
from servicedesk.tickets import actions
from servicedesk.tickets.models import OPEN_STATUSES, Channel, Ticket

log = logging.getLogger("servicedesk.sla")


def rules() -> list[EscalationRule]:
    """The active rules in order, each with its group ids and named people read once (``group_ids``,
    ``named``) for matching thousands of events."""
    active = list(EscalationRule.objects.filter(is_active=True).select_related("to_group")
                  .prefetch_related("groups", "notify_users").order_by("order", "id"))
    for rule in active:
        rule.group_ids = frozenset(g.pk for g in rule.groups.all())
        rule.named = list(rule.notify_users.all())
    return active


def matching(rule: EscalationRule, event: SlaEvent, ticket: Ticket) -> bool:
    if rule.target and rule.target != event.kind:
        return False
    if rule.threshold != event.percent:
        return False
    if rule.priorities and ticket.priority not in rule.priorities:
        return False
    if rule.ticket_types and ticket.type not in rule.ticket_types:
        return False
    return not rule.group_ids or ticket.group_id in rule.group_ids


def next_tier_group(group: Group | None) -> Group | None:
    """The first active team or department of a higher tier (suppliers are reached by a named rule)."""
    tier = group.tier if group is not None else 0
    return (Group.objects.filter(is_active=True, tier__gt=tier).exclude(kind="supplier")
            .order_by("tier", "name").first())


def recipients(rules_: list[EscalationRule], event: SlaEvent, ticket: Ticket, managers: list[User]) -> list[User]:
    people: dict[int, User] = {}

    def add(user):
        if user is not None and user.is_active:
            people.setdefault(user.pk, user)

    lead_group = event.group if event.kind == TargetKind.OLA and event.group_id else ticket.group
    for rule in rules_:
        if rule.notify_assignee:
            add(ticket.assignee)
        if rule.notify_owner:
            add(ticket.owner)
        if rule.notify_group_lead and lead_group is not None:
            add(lead_group.lead)
        if rule.notify_managers:
            for manager in managers:
                add(manager)
        for user in rule.named:
            add(user)
    return list(people.values())


def _move(rule: EscalationRule, event: SlaEvent, ticket: Ticket) -> tuple[Group | None, str]:
    """Apply the rule's functional escalation; returns the destination and what the event records."""
    if ticket.status not in OPEN_STATUSES:
        return None, ""
    destination = rule.to_group if rule.escalate_to == EscalateTo.GROUP else next_tier_group(ticket.group)
    if destination is None:
        return None, _("Rule “%(rule)s”: no higher tier to move the ticket to.") % {"rule": rule.name}
    if destination.pk == ticket.group_id:
        return None, ""
    note = _("Escalated by rule “%(rule)s”: %(cause)s") % {"rule": rule.name, "cause": event.cause}
    try:
        actions.transition(ticket.pk, "assign", actor=system_user(), channel=Channel.SYSTEM, group=destination,
                           comment=note, internal=True)
    except actions.ActionError as exc:
        log.warning("escalation of %s to %s refused: %s", ticket.number, destination, exc.message)
        return None, _("Rule “%(rule)s”: moving the ticket to %(group)s was refused: %(reason)s") % {
            "rule": rule.name, "group": destination.name, "reason": exc.message}
    return destination, _("Moved to %(group)s by rule “%(rule)s”.") % {"group": destination.name, "rule": rule.name}


def run_escalations(events: list[SlaEvent]) -> None:
    """Escalate and announce freshly recorded events (each event is handed to exactly one caller)."""
    if not events:
        return
    events = sorted(events, key=lambda e: (e.reached_at, e.pk))
    # Tickets without joins, then their few people and groups once: a burst of thousands of events
    # touches thousands of tickets but only the desk's staff and groups.
    tickets = Ticket.objects.in_bulk({e.ticket_id for e in events})
    groups = Group.objects.in_bulk({t.group_id for t in tickets.values() if t.group_id}
                                   | {e.group_id for e in events if e.group_id})
    people = User.objects.in_bulk({t.assignee_id for t in tickets.values() if t.assignee_id}
                                  | {t.owner_id for t in tickets.values() if t.owner_id}
                                  | {g.lead_id for g in groups.values() if g.lead_id})
    for group in groups.values():
        group.lead = people.get(group.lead_id) if group.lead_id else None
    for ticket in tickets.values():
        ticket.group = groups.get(ticket.group_id) if ticket.group_id else None
        ticket.assignee = people.get(ticket.assignee_id) if ticket.assignee_id else None
        ticket.owner = people.get(ticket.owner_id) if ticket.owner_id else None
    active = rules()
    managers = list(User.objects.filter(role=Role.MANAGER, is_active=True)
                    .exclude(username__in=system_usernames()).order_by("pk"))
    with translation.override(settings.LANGUAGE_CODE):
        for event in events:
            ticket = tickets.get(event.ticket_id)
            if ticket is None:
                continue
            event.group = groups.get(event.group_id) if event.group_id else None
            applying = [rule for rule in active if matching(rule, event, ticket)]
            notify = recipients(applying, event, ticket, managers)
            mover = next((rule for rule in applying if rule.escalate_to), None)
            if mover is not None:
                destination, text = _move(mover, event, ticket)
                if destination is not None:
                    ticket = Ticket.objects.select_related("group__lead", "assignee", "owner").get(pk=ticket.pk)
                    tickets[ticket.pk] = ticket
                    if destination.lead is not None and destination.lead.is_active and destination.lead not in notify:
                        notify.append(destination.lead)
                if text:
                    sla_actions.record_escalation(event, text)
            _announce(event, ticket, notify)


def _announce(event: SlaEvent, ticket: Ticket, notify: list[User]) -> None:
    def send():
        # send_robust: a failing receiver neither stops the others nor the other events' announcements.
        for receiver, result in threshold_reached.send_robust(
                sender=SlaEvent, ticket=ticket, target=event.kind, percent=event.percent, due_at=event.due_at,
                notify=notify, group=event.group, event=event):
            if isinstance(result, Exception):
                log.error("threshold_reached receiver %r failed for %s: %r", receiver, ticket.number, result)

    transaction.on_commit(send)
