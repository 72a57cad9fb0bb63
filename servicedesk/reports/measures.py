"""The engine behind the record-derived KPIs: a KPI is a `Measure` over one table (tickets, clock rows,
SLA events, history lines), and all measures over the same table and timestamp are one query.

A measure says which timestamp puts a row in a period (`moment`: the row is "in" a period when that
instant falls within it, cut in the viewer's zone), which rows it is computed over (`counted`), and how:

- "count": how many rows are counted;
- "percent": the share of counted rows that also match `hit` (or, with `ratio`, rows matching `hit`
  over rows matching `counted`, two independent counts of the same table);
- "average": the mean of `minutes` (or any number) over the counted rows;
- "per": counted rows per distinct value of `per` (tickets per agent);
- "median": the median of `minutes` over the counted rows (read, not aggregated: a median does not add up).

One query per (table, moment) runs one conditional aggregate per measure, grouped by period — a CASE over
the periods' UTC boundaries, plain comparisons that use the timestamp's index on SQLite and PostgreSQL —
or by a dimension for a breakdown.
"""

from __future__ import annotations

import datetime
import statistics
from dataclasses import dataclass, field

from django.db import connection
from django.db.models import Aggregate, Count, F, FloatField, Func, IntegerField, Model, Q, Sum
from django.db.models import Value as V

from servicedesk.tickets.models import Ticket

from . import dimensions
from .filters import Filters
from .kpis import Kpi, Row, Value, register
from .models import TicketFacts


class Minutes(Func):
    """Minutes from `start` to `end` (two timestamps), as a float, on SQLite and PostgreSQL."""

    output_field = FloatField()
    arity = 2

    def as_sqlite(self, compiler, connection, **extra):
        # julianday is a float of days: rounded to a few milliseconds, whole minutes come out whole.
        return self.as_sql(compiler, connection, template="ROUND((julianday(%(expressions)s)) * 1440.0, 4)",
                           arg_joiner=") - julianday(", **extra)

    def as_postgresql(self, compiler, connection, **extra):
        return self.as_sql(compiler, connection, template="(EXTRACT(EPOCH FROM (%(expressions)s)) / 60.0)",
                           arg_joiner=" - ", **extra)


def minutes_between(start: str, end) -> Minutes:
    return Minutes(end if not isinstance(end, str) else F(end), F(start))


@dataclass(frozen=True)
class Measure:
    kpi: Kpi
    kind: str
    moment: str
    source: type[Model] = Ticket
    counted: Q = field(default_factory=Q)
    hit: Q | None = None
    ratio: bool = False
    minutes: object = None
    per: str | None = None
    # Which rows the drill-down lists (default: the counted ones), as a Q on `source`.
    listed: Q | None = None
    # Where the source keeps a dimension itself rather than on its ticket (an OLA clock's group).
    own: tuple[tuple[str, str], ...] = ()
    # The rows any of the table's measures may read, narrowed in the WHERE clause (for an index).
    where: Q = field(default_factory=Q)

    @property
    def prefix(self) -> str:
        # A ticket's facts row keeps the ticket's dimensions under the ticket's own field names.
        return "" if self.source in (Ticket, TicketFacts) else "ticket__"

    @property
    def fields(self) -> dict[str, str]:
        return dict(self.own)

    def value(self):
        """The averaged expression; a function makes it when a query is built (it reads configuration)."""
        return self.minutes() if callable(self.minutes) else self.minutes

    @property
    def table(self) -> tuple:
        return self.source, self.moment, self.own, str(self.where)


MEASURES: dict[str, Measure] = {}


def in_range(moment: str, start: datetime.datetime, end: datetime.datetime) -> Q:
    return Q(**{f"{moment}__gte": start, f"{moment}__lt": end})


class Bucket(Func):
    """The index of the period a timestamp falls in: CASE WHEN t < b1 THEN 0 WHEN t < b2 THEN 1 ... END over
    the periods' UTC boundaries, written out once (a Case of Whens would compile a lookup per period)."""

    output_field = IntegerField()

    def __init__(self, moment: str, boundaries: list[datetime.datetime]):
        super().__init__(F(moment))
        self.boundaries = boundaries

    def as_sql(self, compiler, connection, **extra):
        column, params = compiler.compile(self.source_expressions[0])
        if not self.boundaries:
            return "0", []
        whens = " ".join(f"WHEN {column} < %s THEN {index}" for index in range(len(self.boundaries)))
        values = []
        for instant in self.boundaries:
            values += [*params, connection.ops.adapt_datetimefield_value(instant)]
        return f"CASE {whens} ELSE {len(self.boundaries)} END", values


def bucket(moment: str, filters: Filters) -> Bucket:
    """The index of the period a row's `moment` falls in (the rows are already within the range)."""
    return Bucket(moment, filters.boundaries())


def rows(m: Measure, filters: Filters, span=None):
    span = span or filters.utc_range()
    return m.source.objects.filter(
        dimensions.ticket_q(filters, m.prefix, m.fields), in_range(m.moment, *span), m.where)


def _aggregates(measures: list[Measure]) -> dict:
    aggregates = {}
    for m in measures:
        key = m.kpi.key
        if m.kind == "median":
            continue
        aggregates[f"{key}__n"] = Count("pk", filter=m.counted)
        if m.kind == "percent":
            aggregates[f"{key}__hit"] = Count("pk", filter=m.hit if m.ratio else m.counted & m.hit)
        elif m.kind == "average":
            aggregates[f"{key}__sum"] = Sum(m.value(), filter=m.counted, output_field=FloatField())
        elif m.kind == "per":
            aggregates[f"{key}__per"] = Count(m.per, filter=m.counted, distinct=True)
    return aggregates


def _figure(m: Measure, row: dict) -> tuple[float | None, int]:
    key = m.kpi.key
    n = row.get(f"{key}__n") or 0
    if m.kind == "count":
        return float(n), n
    if not n:
        return None, 0
    if m.kind == "percent":
        return 100.0 * (row.get(f"{key}__hit") or 0) / n, n
    if m.kind == "per":
        return n / row[f"{key}__per"] if row.get(f"{key}__per") else None, n
    return float(row.get(f"{key}__sum") or 0) / n, n


class Median(Aggregate):
    """PostgreSQL's continuous median (the mean of the two middle values, as statistics.median)."""

    template = "PERCENTILE_CONT(0.5) WITHIN GROUP (ORDER BY %(expressions)s)"
    output_field = FloatField()


def _medians(m: Measure, filters: Filters, group_by) -> dict:
    """{group: (median, count)} of the measure's minutes, grouped by `group_by` (an expression or a field):
    in SQL on PostgreSQL; elsewhere the one column is read and the medians taken here."""
    counted = rows(m, filters).filter(m.counted).annotate(_minutes=m.value()).filter(_minutes__isnull=False)
    if connection.vendor == "postgresql":
        found = (counted.annotate(_group=group_by).order_by().values("_group")
                 .annotate(_median=Median("_minutes"), _n=Count("pk")))
        return {row["_group"]: (row["_median"], row["_n"]) for row in found}
    values: dict = {}
    for group, minutes in counted.annotate(_group=group_by).values_list("_group", "_minutes"):
        values.setdefault(group, []).append(minutes)
    return {group: (statistics.median(found), len(found)) for group, found in values.items()}


def compute(user, filters: Filters, keys: list[str]) -> dict[str, Value]:
    periods = filters.periods()
    tables: dict[tuple, list[Measure]] = {}
    for key in keys:
        tables.setdefault(MEASURES[key].table, []).append(MEASURES[key])
    values = {}
    for measures in tables.values():
        first = measures[0]
        aggregates = _aggregates(measures)
        per_bucket, total = {}, {}
        if aggregates:
            found = (rows(first, filters).annotate(_bucket=bucket(first.moment, filters)).order_by()
                     .values("_bucket").annotate(**aggregates))
            for row in found:
                per_bucket[row["_bucket"]] = row
                for name, amount in row.items():
                    if name != "_bucket" and amount is not None:
                        total[name] = total.get(name, 0) + amount
            # Distinct counts do not add up over periods (an agent resolving on two days is one agent).
            distinct = {name: aggregate for name, aggregate in aggregates.items() if name.endswith("__per")}
            if distinct:
                total.update(rows(first, filters).aggregate(**distinct))
        for m in measures:
            if m.kind == "median":
                by_bucket = _medians(m, filters, bucket(m.moment, filters))
                everything = _medians(m, filters, V(0, output_field=IntegerField())).get(0, (None, 0))
                series = [(period, by_bucket.get(index, (None, 0))[0]) for index, period in enumerate(periods)]
                values[m.kpi.key] = Value(key=m.kpi.key, total=everything[0], count=everything[1], series=series)
                continue
            value, count = _figure(m, total)
            series = [(period, _figure(m, per_bucket.get(index, {}))[0]) for index, period in enumerate(periods)]
            values[m.kpi.key] = Value(key=m.kpi.key, total=value, count=count, series=series)
    return values


def breakdown(user, key: str, filters: Filters, by: str) -> list[Row]:
    m = MEASURES[key]
    column = m.fields.get(by) or m.prefix + dimensions.FIELDS[by]
    if m.kind == "median":
        figures = _medians(m, filters, F(column))
    else:
        found = rows(m, filters).order_by().values(column).annotate(**_aggregates([m]))
        figures = {row[column]: _figure(m, row) for row in found}
    names = dimensions.labels(by, figures)
    return [Row(id=value, label=names.get(value, dimensions.none_label()), total=total, count=count)
            for value, (total, count) in figures.items() if count]


def tickets(user, key: str, filters: Filters, period: datetime.date | None = None):
    m = MEASURES[key]
    span = filters.period_range(period) if period is not None else None
    listed = rows(m, filters, span).filter(m.listed if m.listed is not None else m.counted)
    if m.source is Ticket:
        return Ticket.objects.filter(pk__in=listed.values("pk"))
    return Ticket.objects.filter(pk__in=listed.values("ticket_id"))


def measure(key: str, label, definition, *, unit: str, section: str, better: str | None, moment: str,
            kind: str = "count", distribution=None, **options) -> Measure:
    kpi = Kpi(key=key, label=label, definition=definition, unit=unit, section=section, better=better, drill=True)
    m = MEASURES[key] = Measure(kpi=kpi, kind=kind, moment=moment, **options)
    register(kpi, compute=compute, tickets=tickets, breakdown=breakdown, distribution=distribution)
    return m
