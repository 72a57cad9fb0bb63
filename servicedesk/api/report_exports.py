"""GET /api/v1/reports/export?format=csv|xlsx&<filters>&keys=..&by=..: a report as a file, the same tables as the
console's download (reports/export.py), scoped as every report (reports.scope)."""

from __future__ import annotations

from django.utils.translation import gettext as _
from ninja import Field, Query, Router

from servicedesk.core.downloads import download_response
from servicedesk.core.errors import ActionError, NotAllowed
from servicedesk.reports import export, kpis, scope
from servicedesk.reports.filters import DIMENSIONS, viewer_zone

from .reports import ReportParams
from .schemas import Message

router = Router(tags=["reports"])
FORMATS = {"csv": export.to_csv, "xlsx": export.to_xlsx}


class ExportParams(ReportParams):
    format: str = Field("xlsx", description="xlsx (default) or csv.")
    keys: str | None = Field(None, description="Comma-separated KPI keys; default: every KPI.")
    by: str | None = Field(None, description="Comma-separated breakdowns (" + ", ".join(DIMENSIONS) + "); absent: "
                                             "group; empty: none.")


@router.get("/export", response={200: None, 400: Message, 403: Message}, summary="Export a report (CSV or Excel)")
def export_report(request, params: Query[ExportParams]):
    """The KPIs (figure, previous period and change, one figure per period), the breakdowns of `by`, what each
    KPI means and the filters. `format=xlsx`: one sheet each, real numbers and dates with number formats;
    `format=csv`: the same tables one after another, UTF-8 with a byte-order mark. The filters are those of
    `GET /api/v1/reports/kpis`, and the figures the same."""
    if not scope.may_view_reports(request.user):
        raise NotAllowed(_("Reports are for desk staff."))
    fmt = params.format
    if fmt not in FORMATS:
        raise ActionError(_("Parameter “format”: “%(value)s” is not one of: csv, xlsx.") % {"value": fmt[:60]})
    filters = kpis.Filters.from_query(request.GET, user=request.user, tz=viewer_zone(request.user)).known()
    table = export.build(request.user, filters, export.parse_keys(params.keys), export.parse_by(params.by))
    return download_response(FORMATS[fmt](table), f"{table.filename}.{fmt}")
