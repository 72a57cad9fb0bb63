"""Who may see what: the one scoping rule every list and detail path goes through.

- Desk managers and administrators see every ticket.
- Agents and group leads see the tickets of the groups they belong to or lead, the tickets they
  own, are assigned or requested, and the desk's unrouted intake (no group yet).
- The 1st line (people of a tier-1 group) stays accountable for what the desk routes ("谁接线谁负责
  跟踪到底"): its people also see, wherever the ticket is routed (another line, a supplier), every
  ticket nobody owns yet (it waits in their "Unowned" queue until one of them takes ownership) and
  every ticket owned by someone of their 1st-line groups, so they can follow up, chase and note.
- Customers see the tickets they requested, and their organisation's where it allows that.
Internal notes and internal history never reach customers.

Watchers receive a ticket's public replies by mail, so who may watch follows the same rule
(`may_watch`): a customer may add or remove only themselves; desk staff may add desk staff, the
requester and customers of the requester's organisation, never another organisation's customers.

Everything a page shows about *another* ticket (links, merges, the requester's other tickets,
possible duplicates) is filtered through `visible_tickets`/`can_see` for the viewer as well.

`visible_tickets` (a queryset filter) and `can_see` (a check on one loaded ticket) state the same
rule twice, once for SQL and once for Python; tests hold them to each other.
"""

import re

from django.db.models import Q, QuerySet
from django.utils.translation import gettext as _

from servicedesk.accounts import refdata as accounts_refdata
from servicedesk.accounts.models import Role

from .models import Ticket


def group_ids(user) -> frozenset[int]:
    """The groups whose queues the user works: member of or lead of (from the reference data, kept on the
    user object as can_see asks once per ticket a page names)."""
    cached = getattr(user, "_servicedesk_group_ids", None)
    if cached is None:
        cached = accounts_refdata.groups_of(user.pk)
        user._servicedesk_group_ids = cached
    return cached


def first_line_team(user) -> frozenset[int]:
    """The people of the user's 1st-line groups (members and leads, the user included); empty when the
    user is in no 1st-line group. From the cached reference data: no query on most requests; kept on
    the user object like `group_ids`, as can_see asks for it once per ticket a page names."""
    cached = getattr(user, "_servicedesk_first_line", None)
    if cached is None:
        cached = frozenset().union(*(team for team in accounts_refdata.first_line_teams() if user.pk in team))
        user._servicedesk_first_line = cached
    return cached


def forget_group_ids(user) -> None:
    user.__dict__.pop("_servicedesk_group_ids", None)
    user.__dict__.pop("_servicedesk_first_line", None)


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
        team = first_line_team(user)
        if team:
            rule |= Q(owner__isnull=True) | Q(owner__in=team)
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
        if (
            user.pk in (ticket.owner_id, ticket.assignee_id, ticket.requester_id)
            or ticket.group_id is None
            or ticket.group_id in group_ids(user)
        ):
            return True
        team = first_line_team(user)
        return bool(team) and (ticket.owner_id is None or ticket.owner_id in team)
    if ticket.requester_id == user.pk:
        return True
    return (
        ticket.organisation_id is not None
        and ticket.organisation_id == user.organisation_id
        and customer_sees_organisation(user)
    )


def may_watch(actor, ticket: Ticket, person) -> bool:
    """May `actor` make `person` a watcher of `ticket` (an unsaved ticket will do: only its
    requester and organisation are read)?"""
    if person is None or not person.is_active:
        return False
    if not actor.is_desk_staff:
        return person.pk == actor.pk
    if person.is_desk_staff or person.pk == ticket.requester_id:
        return True
    return person.organisation_id is not None and person.organisation_id == ticket.organisation_id


def sees_internal(user) -> bool:
    """Internal notes, internal history and time entries are for desk staff only."""
    return bool(user and user.is_authenticated and user.role != Role.CUSTOMER)


def can_edit_fields(user, ticket: Ticket) -> bool:
    """Classification and routing are the desk's; customers change their tickets only by replying
    and by the transitions open to requesters."""
    return user.is_desk_staff and can_see(user, ticket)


# History values that name another ticket: links ("related_to SD-000040"), merges, the merge target.
REFERENCE_FIELDS = frozenset({"link", "merge", "merged_into"})
TICKET_REFERENCE = re.compile(r"\b[A-Za-z][A-Za-z0-9]*-\d+\b")


def hide_unseen_references(user, entries) -> None:
    """Replace, in history entries about links and merges, the number of every ticket `user` may not
    see by "a ticket you cannot see" (in memory only: the stored history is never changed). One
    query for the whole list, none when it names no other ticket."""
    if user.sees_whole_desk:
        return
    named = [e for e in entries if e.field in REFERENCE_FIELDS]
    numbers = {number for e in named for text in (e.old_value, e.new_value, e.note)
               for number in TICKET_REFERENCE.findall(text or "")}
    if not numbers:
        return
    hidden = numbers - set(visible_tickets(user).filter(number__in=numbers).values_list("number", flat=True))
    if not hidden:
        return
    placeholder = _("(a ticket you cannot see)")

    def scrub(text: str) -> str:
        return TICKET_REFERENCE.sub(lambda m: placeholder if m.group(0) in hidden else m.group(0), text or "")

    for entry in named:
        entry.old_value, entry.new_value, entry.note = scrub(entry.old_value), scrub(entry.new_value), scrub(entry.note)
