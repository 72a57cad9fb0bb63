"""Figures of records that belong to no ticket (the knowledge base's reader events) per period of a report: one
query grouped by the period a row's timestamp falls in (the reports engine's `bucket`), summed into the range's
total. Records that belong to a ticket are the engine's own measures (reports.measures)."""

from __future__ import annotations

from django.db.models import QuerySet

from servicedesk.reports.filters import Filters
from servicedesk.reports.kpis import Value
from servicedesk.reports.measures import bucket, in_range


def counts_by_period(rows: QuerySet, moment: str, filters: Filters, aggregates: dict) -> dict[str, Value]:
    """A count KPI per aggregate (its key → a Count), per period and over the range, of `rows` by `moment`."""
    found = (rows.filter(in_range(moment, *filters.utc_range())).annotate(_bucket=bucket(moment, filters))
             .order_by().values("_bucket").annotate(**aggregates))
    per_bucket = {row["_bucket"]: row for row in found}
    values = {}
    for key in aggregates:
        total = sum(row[key] or 0 for row in per_bucket.values())
        series = [(period, float(per_bucket.get(index, {}).get(key) or 0))
                  for index, period in enumerate(filters.periods())]
        values[key] = Value(key=key, total=float(total), count=total, series=series)
    return values


def empty(key: str, filters: Filters) -> Value:
    """No figure: the report is narrowed by something these records do not carry."""
    return Value(key=key, total=None, count=0, series=[(period, None) for period in filters.periods()])
