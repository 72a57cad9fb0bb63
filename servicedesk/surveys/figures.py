"""Figures of records other than tickets (survey answers, calls, article events) per period of a report: one
query grouped by the period a row's timestamp falls in (the reports engine's CASE over the periods' UTC
boundaries, so the database compares stored UTC instants with constants), summed into the range's total."""

from __future__ import annotations

import datetime
from collections.abc import Callable

from django.db.models import Q, QuerySet

from servicedesk.reports.filters import Filters
from servicedesk.reports.kpis import Value
from servicedesk.reports.ticket_kpis import _bucket


def in_range(moment: str, filters: Filters) -> Q:
    start, end = filters.utc_range()
    return Q(**{f"{moment}__gte": start, f"{moment}__lt": end})


def by_period(rows: QuerySet, moment: str, filters: Filters, aggregates: dict) -> tuple[dict[int, dict], dict]:
    """({period index: aggregates}, aggregates over the whole range) of `rows` within the range by `moment`."""
    found = (rows.filter(in_range(moment, filters)).annotate(bucket=_bucket(moment, filters)).order_by()
             .values("bucket").annotate(**aggregates))
    per_bucket, total = {}, {}
    for row in found:
        per_bucket[row["bucket"]] = row
        for name, amount in row.items():
            if name != "bucket" and amount is not None:
                total[name] = total.get(name, 0) + amount
    return per_bucket, total


def value(key: str, filters: Filters, per_bucket: dict[int, dict], total: dict,
          figure: Callable[[dict], tuple[float | None, int]]) -> Value:
    """A KPI's Value: `figure(aggregates) -> (figure, count)` for the range and for each period."""
    figure_total, count = figure(total)
    series: list[tuple[datetime.date, float | None]] = [
        (period, figure(per_bucket.get(index, {}))[0]) for index, period in enumerate(filters.periods())]
    return Value(key=key, total=figure_total, count=count, series=series)


def empty(key: str, filters: Filters) -> Value:
    """No figure: the report is narrowed by something these records do not carry."""
    return Value(key=key, total=None, count=0, series=[(period, None) for period in filters.periods()])


def share(hit: str, of: str) -> Callable[[dict], tuple[float | None, int]]:
    """A percentage: aggregate `hit` of aggregate `of` (no figure when `of` is 0)."""
    def figure(row: dict) -> tuple[float | None, int]:
        n = row.get(of) or 0
        return (100.0 * (row.get(hit) or 0) / n if n else None), n
    return figure


def average(total: str, of: str, scale: float = 1.0) -> Callable[[dict], tuple[float | None, int]]:
    def figure(row: dict) -> tuple[float | None, int]:
        n = row.get(of) or 0
        return (float(row.get(total) or 0) * scale / n if n else None), n
    return figure


def count(of: str) -> Callable[[dict], tuple[float | None, int]]:
    def figure(row: dict) -> tuple[float | None, int]:
        n = row.get(of) or 0
        return float(n), n
    return figure
