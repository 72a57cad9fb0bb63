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
from dataclasses import dataclass, field, replace

from django.db import connection
from django.db.models import Aggregate, Case, Count, F, FloatField, Func, IntegerField, Model, Q, Sum, When
from django.db.models import Value as V

from servicedesk.tickets.models import Ticket

from . import dimensions, rollup
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
    # The same figures from the hourly rollup (rollup.py), where the filters allow: quantity ("n", "hit",
    # "sum") → a rollup column to add up, or a function making the aggregate. None: always the source.
    rolled: dict | None = field(default=None, hash=False, compare=False)
    # A median's octaves (models.RESOLVE_BUCKETS): the source's column of a row's octave, counted per hour in
    # the rollup's columns `octave_columns`. None: the median reads every row.
    octaves: str | None = None
    octave_columns: tuple[str, ...] = ()

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


def _aggregates(measures: list[Measure], span=None, octaves: bool = False) -> dict:
    """One conditional aggregate per measure and quantity; with `span`, each counts only the rows whose own
    moment falls within it (a scan read for several moments); with `octaves`, a median's rows per octave."""
    aggregates = {}
    for m in measures:
        key = m.kpi.key
        counted = m.counted & in_range(m.moment, *span) if span is not None else m.counted
        if m.kind == "median":
            if octaves and m.octaves:
                for index in range(len(m.octave_columns)):
                    aggregates[f"{key}__b{index}"] = Count(V(1), filter=counted & Q(**{m.octaves: index}))
            continue
        # COUNT(*), not of a column: an index holding the moment and the conditions is then enough (no row read).
        aggregates[f"{key}__n"] = Count(V(1), filter=counted)
        if m.kind == "percent":
            hit = m.hit if m.ratio else m.counted & m.hit
            aggregates[f"{key}__hit"] = Count(V(1), filter=hit & in_range(m.moment, *span) if span else hit)
        elif m.kind == "average":
            aggregates[f"{key}__sum"] = Sum(m.value(), filter=counted, output_field=FloatField())
        elif m.kind == "per":
            aggregates[f"{key}__per"] = Count(m.per, filter=counted, distinct=True)
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


def _medians(m: Measure, filters: Filters, group_by, span=None) -> dict:
    """{group: (median, count)} of the measure's minutes over `span` (default: the filters' range), grouped by
    `group_by` (an expression or a field): in SQL on PostgreSQL; elsewhere the one column is read and the
    medians taken here."""
    counted = rows(m, filters, span).filter(m.counted).annotate(_minutes=m.value()).filter(_minutes__isnull=False)
    if connection.vendor == "postgresql":
        found = (counted.annotate(_group=group_by).order_by().values("_group")
                 .annotate(_median=Median("_minutes"), _n=Count("pk")))
        return {row["_group"]: (row["_median"], row["_n"]) for row in found}
    values: dict = {}
    for group, minutes in counted.annotate(_group=group_by).values_list("_group", "_minutes"):
        values.setdefault(group, []).append(minutes)
    return {group: (statistics.median(found), len(found)) for group, found in values.items()}


def _period_medians(m: Measure, filters: Filters, boundaries, ranges: list[Filters], span) -> tuple[dict, dict]:
    """({period index: (median, count)}, {range index: (median, count)}) of the measure's minutes over `span`,
    from one read of the rows: on PostgreSQL one statement grouped by both (GROUPING SETS), elsewhere the one
    column read once and the medians taken here."""
    counted = (rows(m, filters, span).filter(m.counted).annotate(_minutes=m.value()).filter(_minutes__isnull=False)
               .annotate(_b=Bucket(m.moment, boundaries), _r=_range_index(m.moment, ranges)).order_by()
               .values_list("_b", "_r", "_minutes"))
    by_bucket: dict = {}
    by_range: dict = {}
    if connection.vendor == "postgresql":
        inner, params = counted.query.sql_with_params()
        with connection.cursor() as cursor:
            cursor.execute(f"SELECT s._b, s._r, PERCENTILE_CONT(0.5) WITHIN GROUP (ORDER BY s._minutes), COUNT(*) "
                           f"FROM ({inner}) s GROUP BY GROUPING SETS ((s._b), (s._r))", params)
            for bucket_index, range_index, median, count in cursor.fetchall():
                into, index = (by_bucket, bucket_index) if bucket_index is not None else (by_range, range_index)
                into[index] = (median, count)
        return by_bucket, by_range
    buckets: dict = {}
    parts: dict = {}
    for bucket_index, range_index, minutes in counted:
        buckets.setdefault(bucket_index, []).append(minutes)
        parts.setdefault(range_index, []).append(minutes)
    return ({index: (statistics.median(found), len(found)) for index, found in buckets.items()},
            {index: (statistics.median(found), len(found)) for index, found in parts.items()})


def _ranges(filters: Filters, previous: Filters | None) -> list[Filters]:
    """The ranges computed together, earliest first: the previous range ends the day before the report's
    starts (Filters.previous), so the two are one span of the moments' indexes."""
    return [previous, filters] if previous is not None else [filters]


def _boundaries(ranges: list[Filters]) -> tuple[list[datetime.datetime], list[int]]:
    """Every period boundary of the ranges in one sorted list (each range's own, then the next range's start),
    and the index of each range's first period in it."""
    boundaries: list[datetime.datetime] = []
    offsets = []
    for index, filters in enumerate(ranges):
        if index:
            boundaries.append(filters.utc_range()[0])
        offsets.append(len(boundaries))
        boundaries += filters.boundaries()
    return boundaries, offsets


def _table_key(m: Measure) -> tuple:
    # A distinct count does not add up over the groups of a scan cut by several moments: it keeps its own.
    return ("per", m.kpi.key) if m.kind == "per" else (m.source, m.own, str(m.where))


def _distinct(m: Measure, filters: Filters, span, boundaries, ranges: list[Filters]):
    """A "per" measure's amounts by period and by range from one statement: its counted rows per (period,
    distinct value); a range's distinct values are the union of its periods'."""
    found = (rows(m, filters, span).filter(m.counted).annotate(_b=Bucket(m.moment, boundaries)).order_by()
             .values("_b", m.per).annotate(_n=Count("*")))
    counts: dict[int, int] = {}
    values: dict[int, set] = {}
    for row in found:
        counts[row["_b"]] = counts.get(row["_b"], 0) + row["_n"]
        if row[m.per] is not None:
            values.setdefault(row["_b"], set()).add(row[m.per])
    n, per = f"{m.kpi.key}__n", f"{m.kpi.key}__per"
    per_bucket = {index: {n: count, per: len(values.get(index, ()))} for index, count in counts.items()}
    offsets = _boundaries(ranges)[1]
    by_range = []
    for offset, part in zip(offsets, ranges, strict=True):
        periods = range(offset, offset + len(part.periods()))
        by_range.append({per: len(set().union(*(values.get(index, set()) for index in periods)))})
    return per_bucket, by_range


def _scan(measures: list[Measure], filters: Filters, span, boundaries, narrowed: Q | None = None,
          octaves: bool = False) -> dict[int, dict]:
    """{period index: {aggregate: amount}} of measures over one table, in one scan whatever their moments: the
    rows are grouped by the period each moment falls in (NULL outside the span), each aggregate counts only the
    rows of its own moment's span, and the groups are added up here by the period of that moment."""
    moments = sorted({m.moment for m in measures})
    aggregates = _aggregates(measures, span if len(moments) > 1 else None, octaves)
    if not aggregates:
        return {}
    buckets = {f"_b_{moment}": Case(When(in_range(moment, *span), then=Bucket(moment, boundaries)), default=None)
               for moment in moments}
    anywhere = Q()
    for moment in moments:
        anywhere |= in_range(moment, *span)
    first = measures[0]
    found = (first.source.objects.filter(dimensions.ticket_q(filters, first.prefix, first.fields), first.where)
             .filter(anywhere, narrowed or Q()).annotate(**buckets).order_by().values(*buckets).annotate(**aggregates))
    by_moment = {f"_b_{moment}": [name for m in measures if m.moment == moment for name in aggregates
                                  if name.startswith(f"{m.kpi.key}__")] for moment in moments}
    per_bucket: dict[int, dict] = {}
    for row in found:
        for column, names in by_moment.items():
            if row[column] is None:
                continue
            into = per_bucket.setdefault(row[column], {})
            for name in names:
                if row[name] is not None:
                    into[name] = into.get(name, 0) + row[name]
    return per_bucket


def _add(into: dict[int, dict], found: dict[int, dict]) -> dict[int, dict]:
    for index, amounts in found.items():
        bucket_amounts = into.setdefault(index, {})
        for name, amount in amounts.items():
            bucket_amounts[name] = bucket_amounts.get(name, 0) + amount
    return into


def _rolled(measures: list[Measure], filters: Filters, span, boundaries) -> dict[int, dict]:
    """What `_scan` gives for these measures, from the hourly rollup (and, for a group lead, the facts of the
    tickets assigned to them beyond their groups)."""
    aggregates = {f"{m.kpi.key}__{part}": column() if callable(column) else Sum(column)
                  for m in measures for part, column in _rolled_columns(m).items()}
    per_bucket = {row["_b"]: {name: row[name] for name in aggregates if row[name] is not None}
                  for row in rollup.figures_by_bucket(aggregates, filters, span, Bucket("hour", boundaries))}
    beside = rollup.beside(filters)
    if beside is not None:
        tables: dict[tuple, list[Measure]] = {}
        for m in measures:
            tables.setdefault(_table_key(m), []).append(m)
        for table in tables.values():
            prefix = table[0].prefix
            _add(per_bucket, _scan(table, replace(filters, scope_groups=None, scope_agent=None), span, boundaries,
                                   rollup.beside(filters, prefix, table[0].fields.get("group")), octaves=True))
    return per_bucket


def _rolled_columns(m: Measure) -> dict:
    """What the rollup adds up for a measure: its `rolled` quantities, a median's counts per octave."""
    if m.kind == "median":
        return {f"b{index}": column for index, column in enumerate(m.octave_columns)}
    return m.rolled


def _middle(values: list[float]) -> float:
    """The median from the one or two middle values, as the database would give it from all of them."""
    if len(values) == 1:
        return values[0]
    low, high = values
    # PostgreSQL's percentile_cont interpolates; statistics.median (SQLite's path) takes the mean.
    return low + (high - low) * 0.5 if connection.vendor == "postgresql" else (low + high) / 2


def _octave_medians(m: Measure, filters: Filters, edges, amounts: dict) -> dict:
    """{name: (median, count)} of the measure's minutes over each named span (start, end) of `edges`, given its
    rows' counts per octave there (`amounts[name]`: the rollup's, with a lead's own tickets from the facts):
    the middle rank(s) are located in their octave by the counts, and only those octaves' rows within the span
    are read, ordered, from the index (`facts_resolve_bucket`) — one statement for all the spans."""
    key = m.kpi.key
    fetches = []  # (name, octave, span, offset, limit)
    counts = {}
    for name, span in edges.items():
        found = [amounts.get(name, {}).get(f"{key}__b{index}", 0) for index in range(len(m.octave_columns))]
        n = counts[name] = sum(found)
        if not n:
            continue
        wanted = sorted({(n - 1) // 2, n // 2})
        below, places = 0, {}
        for octave, count in enumerate(found):
            for rank in wanted:
                if below <= rank < below + count:
                    places.setdefault(octave, []).append(rank - below)
            below += count
        for octave, offsets in places.items():
            fetches.append((name, octave, span, offsets[0], offsets[-1] - offsets[0] + 1))
    if not fetches:
        return {}
    # One statement compiled (twice, with two sets of values: the parameters that differ are the bounds and the
    # octave) instead of one per fetch; each fetch is that SQL with its own values.
    def compiled(start, end, octave):
        values = (rows(m, filters, (start, end)).filter(m.counted, **{m.octaves: octave}).annotate(_minutes=m.value())
                  .order_by("_minutes").values_list("_minutes", flat=True))
        return values.query.sql_with_params()

    adapt = connection.ops.adapt_datetimefield_value
    day = datetime.timedelta(days=1)
    start, end = fetches[0][2]
    sql, one = compiled(start, end, 0)
    _sql, two = compiled(start - day, end + day, 1)
    marks = {adapt(start): "start", adapt(end): "end", 0: "octave"}
    slots = {index: marks[x] for index, (x, y) in enumerate(zip(one, two, strict=True)) if x != y}
    assert sorted(slots.values()) == ["end", "octave", "start"], slots
    middles: dict = {}
    for first in range(0, len(fetches), 200):  # SQLite takes up to 500 SELECTs in one compound statement
        chunk = fetches[first:first + 200]
        parts, params = [], []
        for tag, (_name, octave, (start, end), offset, limit) in enumerate(chunk):
            values = {"start": adapt(start), "end": adapt(end), "octave": octave}
            part = [values[slots[index]] if index in slots else param for index, param in enumerate(one)]
            parts.append(f"SELECT {tag} AS tag, s.* FROM ({sql} LIMIT {int(limit)} OFFSET {int(offset)}) s")
            params += part
        with connection.cursor() as cursor:
            cursor.execute(" UNION ALL ".join(parts), params)
            found = sorted(cursor.fetchall(), key=lambda row: (row[0], row[1]))
        for tag, minutes in found:
            middles.setdefault(chunk[tag][0], []).append(float(minutes))
    return {name: (_middle(sorted(middles[name])), counts[name]) for name in middles}


def _range_index(moment: str, ranges: list[Filters]):
    """Which of the ranges a row's moment falls in (the rows are within their span)."""
    if len(ranges) == 1:
        return V(0, output_field=IntegerField())
    return Bucket(moment, [r.utc_range()[0] for r in ranges[1:]])


def _rolled_medians(m: Measure, filters: Filters, boundaries, ranges: list[Filters], span, per_bucket: dict,
                    totals: list[dict]) -> tuple[dict, dict]:
    """What _period_medians gives, from the rollup's counts per octave and the middle octaves' facts rows."""
    edges = [span[0], *boundaries, span[1]]
    spans = {("b", index): (edges[index], edges[index + 1]) for index in range(len(edges) - 1)}
    spans.update({("r", index): part.utc_range() for index, part in enumerate(ranges)})
    amounts = {("b", index): found for index, found in per_bucket.items()}
    amounts.update({("r", index): found for index, found in enumerate(totals)})
    found = _octave_medians(m, filters, spans, amounts)
    return ({index: value for (kind, index), value in found.items() if kind == "b"},
            {index: value for (kind, index), value in found.items() if kind == "r"})


def compute(user, filters: Filters, keys: list[str], previous: Filters | None = None):
    """{key: Value} of the report's range; with `previous` (the range just before it), a pair of them, both
    from the same queries: one scan per table (the ticket facts: every moment at once), over both ranges."""
    ranges = _ranges(filters, previous)
    span = (ranges[0].utc_range()[0], filters.utc_range()[1])
    boundaries, offsets = _boundaries(ranges)
    tables: dict[tuple, list[Measure]] = {}
    from_rollup = rollup.readable(filters, ranges)
    for key in keys:
        m = MEASURES[key]
        tables.setdefault(("rollup",) if from_rollup and (m.rolled or m.octaves) else _table_key(m), []).append(m)
    values: list[dict[str, Value]] = [{} for _ in ranges]
    for table, measures in tables.items():
        distinct: list[dict] = [{} for _ in ranges]
        if table[0] == "per":
            per_bucket, distinct = _distinct(measures[0], filters, span, boundaries, ranges)
        else:
            read = _rolled if table == ("rollup",) else _scan
            per_bucket = read(measures, filters, span, boundaries)
        totals: list[dict] = [{} for _ in ranges]
        for index, (offset, part) in enumerate(zip(offsets, ranges, strict=True)):
            for bucket_index in range(offset, offset + len(part.periods())):
                for name, amount in per_bucket.get(bucket_index, {}).items():
                    totals[index][name] = totals[index].get(name, 0) + amount
        # Distinct counts do not add up over periods (an agent resolving on two days is one agent).
        for index, amounts in enumerate(distinct):
            totals[index].update(amounts)
        for m in measures:
            if m.kind == "median" and table == ("rollup",):
                by_bucket, by_range = _rolled_medians(m, filters, boundaries, ranges, span, per_bucket, totals)
            elif m.kind == "median":
                by_bucket, by_range = _period_medians(m, filters, boundaries, ranges, span)
            for index, (offset, part) in enumerate(zip(offsets, ranges, strict=True)):
                if m.kind == "median":
                    total, count = by_range.get(index, (None, 0))
                    series = [(period, by_bucket.get(offset + i, (None, 0))[0])
                              for i, period in enumerate(part.periods())]
                else:
                    total, count = _figure(m, totals[index])
                    series = [(period, _figure(m, per_bucket.get(offset + i, {}))[0])
                              for i, period in enumerate(part.periods())]
                values[index][m.kpi.key] = Value(key=m.kpi.key, total=total, count=count, series=series)
    return (values[1], values[0]) if previous is not None else values[0]


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
    register(kpi, compute=compute, tickets=tickets, breakdown=breakdown, distribution=distribution, compare=True)
    return m
