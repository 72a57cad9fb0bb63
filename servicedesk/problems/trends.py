"""Why does this keep happening? Incidents per category (and per configuration item) over a window, and the
groups that call for a problem: at least `threshold` incidents not yet linked to any problem within `days`
(settings SERVICEDESK_PROBLEM_TREND_*). Read through the tickets' scoping rule, so an agent's trends count
only incidents they may see; a proposal carries its incidents' ids for "open a problem from these"."""

from __future__ import annotations

import dataclasses
import datetime

from django.conf import settings
from django.db.models import Count, Exists, OuterRef, Q, QuerySet
from django.utils import timezone

from servicedesk.cmdb.models import ConfigItem, TicketItem
from servicedesk.tickets import permissions
from servicedesk.tickets import refdata as tickets_refdata
from servicedesk.tickets.models import LinkKind, TicketLink, TicketType

from .actions import MAX_INCIDENTS

# Rows a table shows: the busiest first.
ROWS = 20


@dataclasses.dataclass
class Row:
    key: int | None
    label: str
    incidents: int  # in the window
    without_problem: int  # of them, not linked to a problem yet
    proposed: bool = False
    incident_ids: list[int] = dataclasses.field(default_factory=list)  # a proposal's, oldest first


@dataclasses.dataclass
class Trends:
    days: int
    threshold: int
    since: datetime.datetime
    categories: list[Row]
    items: list[Row]

    @property
    def proposals(self) -> list[Row]:
        return [row for row in (*self.items, *self.categories) if row.proposed]


def incidents_in_window(user, since: datetime.datetime) -> QuerySet:
    """The incidents since `since` the user sees, each knowing whether it is linked to a problem. Desk staff
    only: a customer's own incidents are no trend of the desk's."""
    caused = TicketLink.objects.filter(source=OuterRef("pk"), kind=LinkKind.CAUSED_BY)
    seen = permissions.visible_tickets(user)
    if not user.is_desk_staff:
        seen = seen.none()
    return seen.filter(type=TicketType.INCIDENT, created_at__gte=since).annotate(has_problem=Exists(caused))


def _rows(counted, labels: dict, threshold: int, ids_of) -> list[Row]:
    rows = []
    for entry in counted[:ROWS]:
        key = entry["key"]
        row = Row(key, labels.get(key, str(key)), entry["n"], entry["free"])
        if key is not None and row.without_problem >= threshold:
            row.proposed = True
            row.incident_ids = ids_of(key)
        rows.append(row)
    return rows


def category_rows(incidents: QuerySet, threshold: int) -> list[Row]:
    counted = (incidents.values("category_id")
               .annotate(n=Count("pk"), free=Count("pk", filter=Q(has_problem=False)))
               .order_by("-free", "-n", "category_id"))
    labels = tickets_refdata.category_paths()
    counted = [{"key": c["category_id"], "n": c["n"], "free": c["free"]} for c in counted[:ROWS]]

    def ids_of(key: int) -> list[int]:
        return list(incidents.filter(category_id=key, has_problem=False).order_by("created_at", "id")
                    .values_list("pk", flat=True)[:MAX_INCIDENTS])

    return _rows(counted, labels, threshold, ids_of)


def item_rows(incidents: QuerySet, threshold: int) -> list[Row]:
    """Per configuration item (cmdb.TicketItem): an incident on two items counts for each."""
    links = TicketItem.objects.filter(ticket__in=incidents.values("pk"))
    counted = (links.values("item_id")
               .annotate(n=Count("ticket_id"), free=Count("ticket_id", filter=Q(ticket__in=incidents.filter(
                   has_problem=False).values("pk"))))
               .order_by("-free", "-n", "item_id"))
    counted = [{"key": c["item_id"], "n": c["n"], "free": c["free"]} for c in counted[:ROWS]]
    labels = dict(ConfigItem.objects.filter(pk__in=[c["key"] for c in counted]).values_list("pk", "name"))

    def ids_of(key: int) -> list[int]:
        return list(incidents.filter(item_links__item_id=key, has_problem=False).order_by("created_at", "id")
                    .values_list("pk", flat=True)[:MAX_INCIDENTS])

    return _rows(counted, labels, threshold, ids_of)


def trends(user, *, days: int | None = None, threshold: int | None = None,
           now: datetime.datetime | None = None) -> Trends:
    days = days or settings.SERVICEDESK_PROBLEM_TREND_DAYS
    threshold = threshold or settings.SERVICEDESK_PROBLEM_TREND_THRESHOLD
    since = (now or timezone.now()) - datetime.timedelta(days=days)
    incidents = incidents_in_window(user, since)
    return Trends(days, threshold, since, category_rows(incidents, threshold), item_rows(incidents, threshold))

