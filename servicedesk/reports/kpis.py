"""The KPI registry and the four ways to read a KPI: `compute` (figures and series, optionally with the
previous period), `breakdown` (per desk, group, agent ...), `distribution` (buckets) and `tickets` (the
tickets behind a figure). The contract other apps code against is /work/wt/briefs/REPORTS.md; the
definitions are in docs/kpis.md.

A KPI is registered with the functions that compute it; KPIs registered with the same `compute`
function are computed together, in one call (the ticket KPIs share a few queries, see ticket_kpis.py).
Every entry point narrows the filters through scope.restrict first.
"""

from __future__ import annotations

import datetime
from collections.abc import Callable, Iterable
from contextlib import contextmanager
from dataclasses import dataclass, replace

from django.db import connection, transaction
from django.db.models import QuerySet
from django.utils.translation import gettext as _

from servicedesk.core.errors import ActionError, NotAllowed, NotFound
from servicedesk.tickets.permissions import visible_tickets

from . import dimensions, scope
from .filters import DIMENSIONS, Filters

__all__ = ["KPIS", "SECTIONS", "UNITS", "Filters", "Kpi", "NotAllowed", "NotFound", "Report", "Row", "Value",
           "breakdown", "compute", "distribution", "register", "tickets"]

SECTIONS = ("volume", "service", "quality", "flow", "cost", "self_service")
UNITS = ("count", "percent", "minutes", "money", "rating", "number")


@dataclass(frozen=True)
class Kpi:
    key: str
    label: str
    definition: str
    unit: str
    section: str
    better: str | None
    drill: bool


@dataclass
class Value:
    key: str
    total: float | None
    count: int
    series: list[tuple[datetime.date, float | None]]


@dataclass
class Report:
    filters: Filters
    values: dict[str, Value]
    previous: dict[str, Value] | None


@dataclass
class Row:
    id: int | str | None
    label: str
    total: float | None
    count: int


@dataclass(frozen=True)
class _Provider:
    compute: Callable
    tickets: Callable | None
    breakdown: Callable | None
    distribution: Callable | None
    compare: bool


KPIS: dict[str, Kpi] = {}
_providers: dict[str, _Provider] = {}


def register(kpi: Kpi, *, compute, tickets=None, breakdown=None, distribution=None, compare=False) -> None:
    """Add a KPI (from an AppConfig.ready()). `compute(user, filters, keys) -> {key: Value}`; with `compare`,
    compute also takes `previous=` (the range just before) and then returns (values, previous values), both
    from the same queries;
    `tickets(user, key, filters, period) -> QuerySet[Ticket]` when kpi.drill; optionally
    `breakdown(user, key, filters, by) -> [Row]` (else the figure is computed once per value of the
    dimension) and `distribution(user, key, filters) -> [(label, count)]`. Registering a key again
    replaces it (a reloaded app)."""
    if kpi.section not in SECTIONS or kpi.unit not in UNITS or kpi.better not in ("up", "down", None):
        raise ValueError(f"KPI {kpi.key}: unknown section, unit or direction")
    if kpi.drill and tickets is None:
        raise ValueError(f"KPI {kpi.key}: drill needs a tickets function")
    KPIS.pop(kpi.key, None)
    _providers[kpi.key] = _Provider(compute, tickets, breakdown, distribution, compare)
    ordered = sorted([*KPIS.values(), kpi], key=lambda k: SECTIONS.index(k.section))
    KPIS.clear()
    KPIS.update((k.key, k) for k in ordered)


def _kpi(key: str) -> Kpi:
    if key not in KPIS:
        raise NotFound(_("There is no KPI “%(key)s”.") % {"key": key})
    return KPIS[key]


def _values(user, filters: Filters, keys: list[str], previous: Filters | None = None):
    """{key: Value} of the range and, given `previous`, of the previous range too (None without it)."""
    by_provider: dict[tuple[Callable, bool], list[str]] = {}
    for key in keys:
        by_provider.setdefault((_providers[key].compute, _providers[key].compare), []).append(key)
    found: dict[str, Value] = {}
    before: dict[str, Value] = {}
    for (function, compares), wanted in by_provider.items():
        if previous is not None and compares:
            now, then = function(user, filters, wanted, previous=previous)
            found.update(now)
            before.update(then)
            continue
        found.update(function(user, filters, wanted))
        if previous is not None:
            before.update(function(user, previous, wanted))
    return {key: found[key] for key in keys}, ({key: before[key] for key in keys} if previous is not None else None)


@contextmanager
def _reading():
    """PostgreSQL compiles a report's aggregates to machine code (JIT) on its cost estimate, which takes
    longer (1–2 s a query, measured at 1M tickets) than running them: the reports run without it. A median
    sorts a range's resolved tickets (some 300k a year at 1M): in memory, not in temporary files (the default
    4 MB spills them, which doubled its time)."""
    if connection.vendor != "postgresql":
        yield
        return
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SET LOCAL jit = off")
        cursor.execute("SET LOCAL work_mem = '64MB'")
        yield


def compute(user, filters: Filters, keys: Iterable[str] | None = None, *, compare: bool = False) -> Report:
    filters = scope.restrict(user, filters)
    keys = list(KPIS) if keys is None else [key for key in KPIS if key in set(keys)]
    for key in keys:
        _kpi(key)
    with _reading():
        values, previous = _values(user, filters, keys, filters.previous() if compare else None)
    return Report(filters=filters, values=values, previous=previous)


def check_keys(keys: Iterable[str]) -> list[str]:
    """Keys named by a caller (e.g. `keys=` of the API), each known, in the order given."""
    return [_kpi(key).key for key in keys]


def breakdown(user, key: str, filters: Filters, by: str) -> list[Row]:
    _kpi(key)
    if by not in DIMENSIONS:
        raise ActionError(_("Parameter “by”: “%(value)s” is not one of: %(choices)s.") % {
            "value": by, "choices": ", ".join(DIMENSIONS)})
    filters = scope.restrict(user, filters)
    provider = _providers[key]
    with _reading():
        if provider.breakdown is not None:
            rows = provider.breakdown(user, key, filters, by)
        else:
            rows = []
            for value, label in dimensions.choices(by):
                figure = provider.compute(user, _narrowed(filters, by, value), [key])[key]
                if figure.count:
                    rows.append(Row(id=value, label=label, total=figure.total, count=figure.count))
    return sorted(rows, key=lambda row: (-row.count, str(row.label)))


def _narrowed(filters: Filters, by: str, value) -> Filters:
    return replace(filters, **{by: value})


def distribution(user, key: str, filters: Filters) -> list[tuple[str, int]]:
    provider = _providers[_kpi(key).key]
    if provider.distribution is None:
        raise NotFound(_("The KPI “%(key)s” has no distribution.") % {"key": key})
    filters = scope.restrict(user, filters)
    with _reading():
        return provider.distribution(user, key, filters)


def tickets(user, key: str, filters: Filters, period: datetime.date | None = None) -> QuerySet:
    kpi = _kpi(key)
    if not kpi.drill:
        raise NotFound(_("The KPI “%(key)s” has no list of tickets.") % {"key": key})
    filters = scope.restrict(user, filters)
    if period is not None and period not in filters.periods():
        raise ActionError(_("Parameter “%(name)s”: “%(value)s” %(why)s") % {
            "name": "period", "value": period.isoformat(), "why": _("is not the start of a period of this report.")})
    found = _providers[key].tickets(user, key, filters, period)
    return visible_tickets(user, found).order_by("-created_at", "-id")
