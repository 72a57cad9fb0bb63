"""/api/v1/reports: the KPIs the dashboard shows, the same numbers (thin routes over servicedesk.reports.kpis).

The report parameters are read by `Filters.from_query` (as the screens read them), so a bad value gets
the same message, naming the parameter, in the caller's language (400). Scope is the engine's: an agent
gets their own figures, a group lead their groups', a manager the desk's; customers get 403.
"""

import datetime

from ninja import Field, Query, Router, Schema

from servicedesk.api import serialize
from servicedesk.core.pagination import paginate
from servicedesk.reports import kpis, scope
from servicedesk.reports.filters import DIMENSIONS, GRANULARITIES, PERIOD_SHORTCUTS, Filters, drill_period, viewer_zone
from servicedesk.tickets import refdata as tickets_refdata

from .schemas import Message, TicketPage

router = Router(tags=["reports"])
ERRORS = {400: Message, 403: Message, 404: Message}


class ReportParams(Schema):
    """The report's range, periods and filters (all optional: this month in the caller's time zone)."""

    period: str | None = Field(None, description="A shortcut for start and end: " + ", ".join(PERIOD_SHORTCUTS))
    start: str | None = Field(None, description="First day, YYYY-MM-DD, in `tz`.")
    end: str | None = Field(None, description="Last day (inclusive), YYYY-MM-DD, in `tz`.")
    tz: str | None = Field(None, description="IANA time zone the days are cut in; default: the caller's.")
    granularity: str | None = Field(None, description="One of " + ", ".join(GRANULARITIES) + " (default: day, or "
                                                      "month for a range over 92 days).")
    desk: str | None = Field(None, description="A desk id.")
    group: str | None = Field(None, description="A resolver group id.")
    agent: str | None = Field(None, description="A user id (the tickets' assignee); agents get only their own.")
    service: str | None = Field(None, description="A service id.")
    category: str | None = Field(None, description="A category id (its subcategories included).")
    channel: str | None = Field(None, description="A channel (portal, email, phone, ...).")
    organisation: str | None = Field(None, description="An organisation id.")


class KpisParams(ReportParams):
    keys: str | None = Field(None, description="Comma-separated KPI keys; default: every KPI.")
    compare: bool = Field(False, description="Also compute the previous period of the same length.")


class BreakdownParams(ReportParams):
    by: str = Field(..., description="One of " + ", ".join(DIMENSIONS))


class TicketsParams(ReportParams):
    """`period` is also YYYY-MM-DD here: the first day of one period of the report (default: all of them)."""

    cursor: str | None = Field(None, description="`next_cursor` of the page before.")
    limit: int = Field(50, ge=1, le=200)


class Point(Schema):
    period: datetime.date
    value: float | None


class KpiOut(Schema):
    key: str
    label: str
    definition: str
    unit: str = Field(..., description="count, percent, minutes, money, rating or number")
    section: str = Field(..., description="volume, service, quality, flow, cost or self_service")
    better: str | None = Field(..., description="up, down or null: the direction that is good")
    drill: bool = Field(..., description="Whether /tickets lists the tickets behind the figure.")
    total: float | None = Field(..., description="The figure over the whole range; null = no data.")
    count: int = Field(..., description="How many items (tickets, clocks, calls, answers) it is computed over.")
    series: list[Point]
    previous_total: float | None = Field(None, description="The figure over the previous period (compare=1).")


class KpisOut(Schema):
    filters: dict[str, str]
    kpis: list[KpiOut]


class RowOut(Schema):
    id: int | str | None
    label: str
    total: float | None
    count: int


class BreakdownOut(Schema):
    key: str
    by: str
    rows: list[RowOut]


class BucketOut(Schema):
    label: str
    count: int


class DistributionOut(Schema):
    key: str
    buckets: list[BucketOut]


def _filters(request) -> Filters:
    filters = Filters.from_query(request.GET, user=request.user, tz=viewer_zone(request.user))
    # Refused first: who may not see these figures learns nothing of which ids exist.
    scope.restrict(request.user, filters)
    return filters.known()


@router.get("/kpis", response={200: KpisOut, **ERRORS}, summary="KPIs with their series")
def read_kpis(request, params: Query[KpisParams]):
    """Every KPI (or `keys`) over the range, with one point per period and, with `compare=1`, the figure of
    the previous period of the same length (whole months compare with whole months)."""
    filters = _filters(request)
    keys = kpis.check_keys(part.strip() for part in params.keys.split(",") if part.strip()) if params.keys else None
    report = kpis.compute(request.user, filters, keys, compare=params.compare)
    items = []
    for key, value in report.values.items():
        kpi = kpis.KPIS[key]
        previous = report.previous[key].total if report.previous else None
        items.append({"key": key, "label": str(kpi.label), "definition": str(kpi.definition), "unit": kpi.unit,
                      "section": kpi.section, "better": kpi.better, "drill": kpi.drill, "total": value.total,
                      "count": value.count, "previous_total": previous,
                      "series": [{"period": period, "value": point} for period, point in value.series]})
    return {"filters": report.filters.as_query(), "kpis": items}


@router.get("/kpis/{key}/breakdown", response={200: BreakdownOut, **ERRORS}, summary="A KPI per dimension")
def read_breakdown(request, key: str, params: Query[BreakdownParams]):
    """The KPI per desk, group, agent, service, category, channel or organisation, largest count first."""
    rows = kpis.breakdown(request.user, key, _filters(request), params.by)
    return {"key": key, "by": params.by, "rows": [row.__dict__ for row in rows]}


@router.get("/kpis/{key}/distribution", response={200: DistributionOut, **ERRORS}, summary="A KPI's buckets")
def read_distribution(request, key: str, params: Query[ReportParams]):
    """For the KPIs that have one: first response times, breach causes, backlog ageing."""
    buckets = kpis.distribution(request.user, key, _filters(request))
    return {"key": key, "buckets": [{"label": label, "count": count} for label, count in buckets]}


@router.get("/kpis/{key}/tickets", response={200: TicketPage, **ERRORS}, summary="The tickets behind a KPI")
def read_tickets(request, key: str, params: Query[TicketsParams]):
    """The tickets a figure counts (the whole range, or the period starting on `period`=YYYY-MM-DD), newest
    first, in the list's item shape and keyset pages (`next_cursor`)."""
    filters = _filters(request)
    period = drill_period(request.GET, filters)
    found = kpis.tickets(request.user, key, filters, period)
    page = paginate(found.values(*serialize.LIST_COLUMNS), "created_at", True, params.limit, after=params.cursor)
    return {"items": serialize.ticket_rows(page.rows, request.user, tickets_refdata.transitions()),
            "next_cursor": page.next_cursor}
