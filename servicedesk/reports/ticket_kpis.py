"""The KPIs read from the ticket record, computed together in a few queries.

Each KPI is a `Measure`: the timestamp that puts a ticket in a period (`moment`: a ticket is "in" a
period when that timestamp falls within it, cut in the viewer's zone), which of those tickets it is
computed over (`counted`), and how: a count, a percentage of `counted` that also match `hit`, or an
average of `minutes`. All measures sharing a moment are one query with one conditional aggregate
each, grouped by period (a CASE over the periods' UTC boundaries) — or by a dimension for a breakdown.
The definitions (docs/kpis.md says the same) are next to each KPI below.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field

from django.db.models import Case, Count, IntegerField, Q, Sum, When
from django.db.models import Value as V
from django.utils.translation import gettext_lazy as _

from servicedesk.tickets.models import Channel, Ticket

from . import dimensions
from .filters import Filters
from .kpis import Kpi, Row, Value, register


@dataclass(frozen=True)
class Measure:
    kpi: Kpi
    moment: str
    counted: Q = field(default_factory=Q)
    hit: Q | None = None
    minutes: object = None

    @property
    def kind(self) -> str:
        if self.hit is not None:
            return "percent"
        return "average" if self.minutes is not None else "count"


MEASURES: dict[str, Measure] = {}


def _aggregates(measures: list[Measure]) -> dict:
    aggregates = {}
    for m in measures:
        aggregates[f"{m.kpi.key}__n"] = Count("id", filter=m.counted)
        if m.kind == "percent":
            aggregates[f"{m.kpi.key}__hit"] = Count("id", filter=m.counted & m.hit)
        elif m.kind == "average":
            aggregates[f"{m.kpi.key}__sum"] = Sum(m.minutes, filter=m.counted)
    return aggregates


def _figure(m: Measure, row: dict) -> tuple[float | None, int]:
    n = row.get(f"{m.kpi.key}__n") or 0
    if m.kind == "count":
        return float(n), n
    if not n:
        return None, 0
    if m.kind == "percent":
        return 100.0 * (row.get(f"{m.kpi.key}__hit") or 0) / n, n
    return float(row.get(f"{m.kpi.key}__sum") or 0) / n, n


def _add(total: dict, row: dict) -> None:
    for name, amount in row.items():
        if name != "bucket" and amount is not None:
            total[name] = total.get(name, 0) + amount


def _in_range(moment: str, start: datetime.datetime, end: datetime.datetime) -> Q:
    return Q(**{f"{moment}__gte": start, f"{moment}__lt": end})


def _bucket(moment: str, filters: Filters):
    """The index of the period a ticket's `moment` falls in."""
    boundaries = filters.boundaries()
    if not boundaries:
        return V(0, output_field=IntegerField())
    whens = [When(**{f"{moment}__lt": instant, "then": V(index)}) for index, instant in enumerate(boundaries)]
    return Case(*whens, default=V(len(boundaries)), output_field=IntegerField())


def _rows(moment: str, filters: Filters):
    return Ticket.objects.filter(dimensions.ticket_q(filters), _in_range(moment, *filters.utc_range()))


def compute(user, filters: Filters, keys: list[str]) -> dict[str, Value]:
    periods = filters.periods()
    by_moment: dict[str, list[Measure]] = {}
    for key in keys:
        by_moment.setdefault(MEASURES[key].moment, []).append(MEASURES[key])
    values = {}
    for moment, measures in by_moment.items():
        found = (_rows(moment, filters).annotate(bucket=_bucket(moment, filters)).order_by()
                 .values("bucket").annotate(**_aggregates(measures)))
        per_bucket, total = {}, {}
        for row in found:
            per_bucket[row["bucket"]] = row
            _add(total, row)
        for m in measures:
            value, count = _figure(m, total)
            series = [(period, _figure(m, per_bucket.get(index, {}))[0]) for index, period in enumerate(periods)]
            values[m.kpi.key] = Value(key=m.kpi.key, total=value, count=count, series=series)
    return values


def breakdown(user, key: str, filters: Filters, by: str) -> list[Row]:
    m = MEASURES[key]
    column = dimensions.FIELDS[by]
    found = list(_rows(m.moment, filters).order_by().values(column).annotate(**_aggregates([m])))
    names = dimensions.labels(by, [row[column] for row in found])
    rows = []
    for row in found:
        value, count = _figure(m, row)
        if count:
            rows.append(Row(id=row[column], label=names.get(row[column], dimensions.none_label()),
                            total=value, count=count))
    return rows


def tickets(user, key: str, filters: Filters, period: datetime.date | None = None):
    m = MEASURES[key]
    span = filters.period_range(period) if period is not None else filters.utc_range()
    return Ticket.objects.filter(dimensions.ticket_q(filters), _in_range(m.moment, *span), m.counted)


def measure(key: str, label, definition, *, unit: str, section: str, better: str | None, moment: str,
            counted: Q | None = None, hit: Q | None = None, minutes=None) -> None:
    kpi = Kpi(key=key, label=label, definition=definition, unit=unit, section=section, better=better, drill=True)
    MEASURES[key] = Measure(kpi=kpi, moment=moment, counted=counted or Q(), hit=hit, minutes=minutes)
    register(kpi, compute=compute, tickets=tickets, breakdown=breakdown)


# --- volume ---------------------------------------------------------------------------------------------

measure("tickets_created", _("Tickets created"),
        _("Tickets recorded in the period (by their creation time), whatever their type, channel or state now."),
        unit="count", section="volume", better=None, moment="created_at")
measure("tickets_resolved", _("Tickets resolved"),
        _("Tickets whose latest resolution falls in the period (a ticket reopened and resolved again counts "
          "once, in the period of its last resolution)."),
        unit="count", section="volume", better=None, moment="resolved_at")
measure("tickets_closed", _("Tickets closed"),
        _("Tickets closed in the period (confirmed by the customer, closed by an agent or closed without "
          "confirmation)."),
        unit="count", section="volume", better=None, moment="closed_at")
CHANNEL_LABELS = {
    Channel.PORTAL: (_("Contacts by web portal"), _("Tickets created in the period through the web portal.")),
    Channel.EMAIL: (_("Contacts by e-mail"), _("Tickets created in the period from an e-mail.")),
    Channel.PHONE: (_("Contacts by phone"), _("Tickets created in the period from a phone call.")),
    Channel.MONITORING: (_("Contacts by monitoring"), _("Tickets created in the period by a monitoring alert.")),
    Channel.API: (_("Contacts by API"), _("Tickets created in the period through the REST API.")),
    Channel.CONSOLE: (_("Contacts by agent console"),
                      _("Tickets created in the period by an agent in the console (walk-ins, chat, other).")),
    Channel.SYSTEM: (_("Contacts by the system"), _("Tickets the desk created by itself in the period.")),
}
for _channel, (_label, _definition) in CHANNEL_LABELS.items():
    measure(f"contacts_{_channel.value}", _label, _definition, unit="count", section="volume", better=None,
            moment="created_at", counted=Q(channel=_channel.value))
