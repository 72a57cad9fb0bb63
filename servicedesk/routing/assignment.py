"""Auto-assignment inside a group: who gets a ticket routed to the group without a person.

Candidates are the group's active desk-staff members who are not marked away. The strategies:

- round-robin: the next candidate after the last one chosen, in a fixed order (by id), wrapping around;
- least open work: the candidate with the fewest open tickets assigned to them (anywhere);
- skill: candidates with a skill in the ticket's category or its parent category; the least busy of
  them, then the higher skill level.

Ties always go round-robin, so equals take turns. The group's `GroupAssignment` row is locked
(SELECT ... FOR UPDATE) while choosing and holds the pointer, so concurrent routings into one group
are serialised and never pick from a stale pointer.
"""

from __future__ import annotations

from django.db.models import Count

from servicedesk.accounts.models import STAFF_ROLES, Group, User
from servicedesk.tickets.models import OPEN_STATUSES, Ticket

from . import actions
from .models import GroupAssignment, Skill, Strategy


def candidates(group: Group) -> list[User]:
    return list(
        group.members.filter(is_active=True, is_away=False, role__in=STAFF_ROLES).order_by("id")
    )


def open_counts(user_ids: list[int]) -> dict[int, int]:
    rows = (Ticket.objects.filter(assignee_id__in=user_ids, status__in=OPEN_STATUSES)
            .values("assignee_id").annotate(n=Count("id")).order_by())
    counts = dict.fromkeys(user_ids, 0)
    counts.update({row["assignee_id"]: row["n"] for row in rows})
    return counts


def _turn_order(ids: list[int], last_id: int | None) -> dict[int, int]:
    """Each id's place in the round after `last_id`: the next one is 0."""
    if not ids:
        return {}
    start = next((i for i, pk in enumerate(ids) if last_id is not None and pk > last_id), 0)
    return {pk: (i - start) % len(ids) for i, pk in enumerate(ids)}


def choose(ticket: Ticket, group: Group) -> tuple[User | None, str] | None:
    """The person to assign, with a note saying how they were chosen (or why nobody was).
    None when the group has no auto-assignment. Call inside the routing transaction."""
    setting = GroupAssignment.objects.select_for_update().filter(group=group).first()
    if setting is None or setting.strategy == Strategy.NONE:
        return None
    people = candidates(group)
    label = setting.strategy.replace("_", " ")  # history notes are stored, in English like the others
    if not people:
        return None, f"auto-assignment ({label}): nobody in {group.name} is available (all away or inactive)"
    by_id = {p.pk: p for p in people}
    turn = _turn_order(sorted(by_id), setting.last_assignee_id)
    if setting.strategy == Strategy.ROUND_ROBIN:
        chosen = min(people, key=lambda p: turn[p.pk])
        how = f"auto-assignment ({label}) in {group.name}"
    elif setting.strategy == Strategy.LEAST_OPEN:
        counts = open_counts(list(by_id))
        chosen = min(people, key=lambda p: (counts[p.pk], turn[p.pk]))
        how = f"auto-assignment ({label}) in {group.name}: {counts[chosen.pk]} open tickets"
    else:
        category = ticket.category
        if category is None:
            return None, f"auto-assignment ({label}): the ticket has no category to match skills against"
        wanted = [category.pk] + ([category.parent_id] if category.parent_id else [])
        levels: dict[int, int] = {}
        for user_id, level in Skill.objects.filter(user_id__in=list(by_id), category_id__in=wanted).values_list(
                "user_id", "level"):
            levels[user_id] = max(levels.get(user_id, 0), level or 0)
        if not levels:
            return None, f"auto-assignment ({label}): nobody available in {group.name} has a skill in {category.name}"
        counts = open_counts(list(levels))
        chosen = min((by_id[pk] for pk in levels), key=lambda p: (counts[p.pk], -levels[p.pk], turn[p.pk]))
        how = (f"auto-assignment ({label}) in {group.name}: skill in {category.name}"
               + (f" level {levels[chosen.pk]}" if levels[chosen.pk] else "")
               + f", {counts[chosen.pk]} open tickets")
    actions.advance_round_robin(setting, chosen)
    return chosen, how
