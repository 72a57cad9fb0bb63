"""GET /api/v1/reports/export?format=csv|xlsx&<filters>&keys=..&by=..: a report as a file, the same tables as the
console's download (reports/export.py), scoped as every report (reports.scope)."""

from __future__ import annotations

from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import Query, Router

from servicedesk.core.downloads import download_response
from servicedesk.core.errors import ActionError, NotAllowed
from servicedesk.reports import export, kpis, scope

from .schemas import Message

router = Router(tags=["reports"])
FORMATS = {"csv": export.to_csv, "xlsx": export.to_xlsx}


@router.get("/export", response={200: None, 400: Message, 403: Message}, summary="Export a report (CSV or Excel)")
def export_report(request, fmt: str = Query("xlsx", alias="format"), start: str | None = None, end: str | None = None,
                  period: str | None = None, tz: str | None = None, granularity: str | None = None,
                  desk: str | None = None, group: str | None = None, agent: str | None = None,
                  service: str | None = None, category: str | None = None, channel: str | None = None,
                  organisation: str | None = None,
                  kpi_keys: str | None = Query(None, alias="keys"), by: str | None = None):
    """The KPIs (figure, previous period, one figure per period), the breakdowns of `by` (comma-separated:
    desk, group, agent, service, category, channel, organisation; absent: group; empty: none), what each KPI
    means and the filters. `format=xlsx` (default): one sheet each, real numbers and dates with number formats;
    `format=csv`: the same tables one after another, UTF-8 with a byte-order mark. The filters are those of
    `GET /api/v1/reports/kpis`; `keys` (comma-separated) narrows the KPIs."""
    if not scope.may_view_reports(request.user):
        raise NotAllowed(_("Reports are for desk staff."))
    if fmt not in FORMATS:
        raise ActionError(_("Parameter “format”: “%(value)s” is not one of: csv, xlsx.") % {"value": fmt[:60]})
    filters = kpis.Filters.from_query(request.GET, user=request.user, tz=timezone.get_current_timezone_name())
    table = export.build(request.user, filters, export.parse_keys(kpi_keys), export.parse_by(by))
    return download_response(FORMATS[fmt](table), f"{table.filename}.{fmt}")
