"""The dimensions a report is narrowed and broken down by, as ticket fields, and how their values read.

The agent of a ticket is its assignee (the person it is routed to); a ticket's service is its category's.
A category filter takes the category's subcategories with it.
"""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.db.models import Q
from django.utils.translation import gettext as _

from servicedesk.accounts.models import Desk, Group, Organisation
from servicedesk.tickets.models import Category, Channel, Service

# Dimension → the ticket field its value is read from (group by this in a breakdown).
FIELDS = {
    "desk": "desk_id", "group": "group_id", "agent": "assignee_id", "service": "category__service_id",
    "category": "category_id", "channel": "channel", "organisation": "organisation_id",
}
MODELS = {"desk": Desk, "group": Group, "service": Service, "category": Category, "organisation": Organisation}


def ticket_q(filters, prefix: str = "", own: dict[str, str] | None = None) -> Q:
    """The rows within the filters' dimensions and their scope (scope.restrict), as a Q on Ticket, or on a
    model that reaches Ticket through `prefix` ("ticket__") and may keep some dimensions itself (`own`:
    dimension → its field, e.g. an OLA clock's group)."""
    own = own or {}

    def column(name: str) -> str:
        return own.get(name) or prefix + FIELDS[name]

    q = Q()
    for name in FIELDS:
        value = getattr(filters, name)
        if value is None:
            continue
        if name == "category":
            q &= Q(**{f"{prefix}category_id": value}) | Q(**{f"{prefix}category__parent_id": value})
        else:
            q &= Q(**{column(name): value})
    if filters.scope_groups is not None:
        q &= Q(**{f"{column('group')}__in": filters.scope_groups}) | Q(**{column("agent"): filters.scope_agent})
    return q


def none_label() -> str:
    return _("(none)")


def labels(by: str, ids) -> dict:
    """{value: label} for the values of dimension `by` (one query)."""
    ids = {value for value in ids if value is not None}
    if by == "channel":
        return {value: str(Channel(value).label) for value in ids if value in Channel.values}
    if by == "agent":
        return {user.pk: user.display_name for user in get_user_model().objects.filter(pk__in=ids)}
    return {obj.pk: str(obj) for obj in MODELS[by].objects.filter(pk__in=ids)}


def choices(by: str) -> list[tuple[int | str, str]]:
    """Every value of dimension `by` with its label (for a KPI that has no breakdown of its own)."""
    if by == "channel":
        return [(value, str(label)) for value, label in Channel.choices]
    if by == "agent":
        people = get_user_model().objects.filter(role__in=("agent", "lead", "manager", "admin"), is_active=True)
        return [(user.pk, user.display_name) for user in people]
    return [(obj.pk, str(obj)) for obj in MODELS[by].objects.all()]
