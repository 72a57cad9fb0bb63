"""Changes routing makes to its own records: tags it puts on a ticket, and each group's round-robin
pointer. The engine (routing.engine) and auto-assignment (routing.assignment) call these; the ticket's
fields themselves change through servicedesk.tickets.actions."""

from __future__ import annotations

from django.utils import timezone

from servicedesk.accounts.models import User
from servicedesk.tickets import actions, history_notes
from servicedesk.tickets.models import Ticket

from .models import GroupAssignment, RoutingRule, Tag, TicketTag


def tag_ticket(ticket: Ticket | int, tags: list[Tag], *, rule: RoutingRule | None, actor: User,
               channel: str) -> tuple[Ticket, list[Tag]]:
    """Put `tags` on the ticket (those it has not got yet), in its history as one "tagged" line.
    Returns the ticket (a new version when a tag was added) and the tags added."""
    pk = ticket.pk if isinstance(ticket, Ticket) else ticket
    present = set(TicketTag.objects.filter(ticket_id=pk).values_list("tag_id", flat=True))
    new_tags = [tag for tag in tags if tag.pk not in present]
    if not new_tags:
        return ticket, []
    note = history_notes.routing_rule_note(rule.name) if rule is not None else ""
    # record_event locks the ticket row first, so two routings of one ticket add a tag once.
    ticket = actions.record_event(pk, actor=actor, channel=channel, event="tagged", field="tags",
                                  new=", ".join(tag.name for tag in new_tags), note=note)
    TicketTag.objects.bulk_create([TicketTag(ticket=ticket, tag=tag, rule=rule) for tag in new_tags],
                                  ignore_conflicts=True)
    return ticket, new_tags


def advance_round_robin(setting: GroupAssignment, chosen: User) -> None:
    """Move the group's pointer to the person just chosen (the row is locked by the caller). The pointer
    is bookkeeping, not configuration: the assignment it led to is in the ticket's history."""
    setting.last_assignee = chosen
    setting.last_assigned_at = timezone.now()
    setting.save(update_fields=["last_assignee", "last_assigned_at"])
