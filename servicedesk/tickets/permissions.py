"""Who may see what: the one scoping rule every list and detail path goes through.

- Desk managers and administrators see every ticket.
- Agents and group leads see the tickets of the groups they belong to or lead, the tickets they
  own, are assigned or requested, and the desk's unrouted intake (no group yet).
- Customers see the tickets they requested, and their organisation's where it allows that.
Internal notes and internal history never reach customers.

`visible_tickets` (a queryset filter) and `can_see` (a check on one loaded ticket) state the same
rule twice, once for SQL and once for Python; tests hold them to each other.
"""

from django.db.models import Q, QuerySet

from servicedesk.accounts.models import Group, Role

from .models import Ticket


def group_ids(user) -> frozenset[int]:
    """The groups whose queues the user works: member of or lead of (cached on the user object)."""
    cached = getattr(user, "_servicedesk_group_ids", None)
    if cached is None:
        ids = Group.objects.filter(Q(members=user) | Q(lead=user)).values_list("id", flat=True)
        cached = frozenset(ids)
        user._servicedesk_group_ids = cached
    return cached


def forget_group_ids(user) -> None:
    user.__dict__.pop("_servicedesk_group_ids", None)


def customer_sees_organisation(user) -> bool:
    organisation = user.organisation if user.organisation_id else None
    return bool(organisation and organisation.customers_see_organisation_tickets)


def visible_tickets(user, queryset: QuerySet | None = None) -> QuerySet:
    queryset = Ticket.objects.all() if queryset is None else queryset
    if user is None or not user.is_authenticated or not user.is_active:
        return queryset.none()
    if user.sees_whole_desk:
        return queryset
    if user.is_desk_staff:
        groups = group_ids(user)
        rule = Q(owner=user) | Q(assignee=user) | Q(requester=user) | Q(group__isnull=True)
        if groups:
            rule |= Q(group__in=groups)
        return queryset.filter(rule)
    rule = Q(requester=user)
    if customer_sees_organisation(user):
        rule |= Q(organisation_id=user.organisation_id)
    return queryset.filter(rule)


def can_see(user, ticket: Ticket) -> bool:
    if user is None or not user.is_authenticated or not user.is_active:
        return False
    if user.sees_whole_desk:
        return True
    if user.is_desk_staff:
        return (
            user.pk in (ticket.owner_id, ticket.assignee_id, ticket.requester_id)
            or ticket.group_id is None
            or ticket.group_id in group_ids(user)
        )
    if ticket.requester_id == user.pk:
        return True
    return (
        ticket.organisation_id is not None
        and ticket.organisation_id == user.organisation_id
        and customer_sees_organisation(user)
    )


def sees_internal(user) -> bool:
    """Internal notes, internal history and time entries are for desk staff only."""
    return bool(user and user.is_authenticated and user.role != Role.CUSTOMER)


def can_edit_fields(user, ticket: Ticket) -> bool:
    """Classification and routing are the desk's; customers change their tickets only by replying
    and by the transitions open to requesters."""
    return user.is_desk_staff and can_see(user, ticket)


def readable_history(user, entries: list) -> list:
    """The history rows `user` may read. A link's row names the other ticket ("related SD-000123"),
    so it shows only to those who may see that ticket."""
    linked = {entry: (entry.new_value or entry.old_value).rsplit(" ", 1)[-1] for entry in entries
              if entry.field == "link"}
    if not linked:
        return entries
    seen = set(visible_tickets(user).filter(number__in=set(linked.values())).values_list("number", flat=True))
    return [entry for entry in entries if entry not in linked or linked[entry] in seen]
