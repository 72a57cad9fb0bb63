"""Who sees which call records: desk staff only, with the tickets' notion of staff (tickets.permissions).

Desk managers and administrators see every call; agents and leads see the calls of their desk — those
queued to a group of a desk one of their groups belongs to (or of no desk), the calls no group queued, and
the calls they answered or were transferred. Customers see none (their tickets show what they need)."""

from __future__ import annotations

from django.db.models import Q, QuerySet

from servicedesk.accounts.models import Group
from servicedesk.tickets.permissions import group_ids

from .models import Call


def desk_ids(user) -> frozenset[int]:
    cached = getattr(user, "_servicedesk_desk_ids", None)
    if cached is None:
        cached = frozenset(Group.objects.filter(pk__in=group_ids(user), desk__isnull=False)
                           .values_list("desk_id", flat=True))
        user._servicedesk_desk_ids = cached
    return cached


def sees_calls(user) -> bool:
    return bool(user and user.is_authenticated and user.is_active and user.is_desk_staff)


def visible_calls(user, queryset: QuerySet | None = None) -> QuerySet:
    queryset = Call.objects.all() if queryset is None else queryset
    if not sees_calls(user):
        return queryset.none()
    if user.sees_whole_desk:
        return queryset
    rule = (Q(agent=user) | Q(transfer_agent=user) | Q(queue_group__isnull=True)
            | Q(queue_group__desk__isnull=True) | Q(queue_group__in=group_ids(user)))
    desks = desk_ids(user)
    if desks:
        rule |= Q(queue_group__desk__in=desks)
    return queryset.filter(rule)


def can_see_call(user, call: Call) -> bool:
    return visible_calls(user, Call.objects.filter(pk=call.pk)).exists()
