"""The console's reports: the dashboard (the KPIs as charts for a period and filters, against the previous
period), the drill-down from a figure or a chart point to the tickets behind it, and the landing page after
sign-in (leads and managers land on the dashboard, agents on their queue).

Every figure comes from servicedesk.reports.kpis, which scopes it to what the viewer may see: an agent's
dashboard shows their own figures whatever the URL asks. Every view is a URL (a plain GET form), so a
dashboard can be bookmarked, sent and exported as it is."""

from __future__ import annotations

import datetime
from dataclasses import replace
from urllib.parse import urlencode

from django.http import QueryDict
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.urls import NoReverseMatch, path, reverse
from django.utils import timezone
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from servicedesk.core.errors import ActionError, NotAllowed, NotFound
from servicedesk.reports import kpis, scope

from . import reports_figures as figures
from . import reports_wall
from .access import staff_required
from .listing import page_context
from .queue_rows import ROW_FIELDS, as_rows, queue_rows
from .reports_pickers import BREAKDOWNS, SECTION_LABELS, pickers

PAGE_SIZE = 50
# The screens' own parameters, beside the Filters' ones.
OWN_PARAMS = ("breakdown", "by", "kpi", "after", "before")


@staff_required
def landing(request):
    """Where "/" sends desk staff: leads and managers to the dashboard, agents to their queue."""
    if scope.may_view_desk_reports(request.user):
        return redirect("console:reports_dashboard")
    return redirect("console:home")


def read_filters(request, params: QueryDict) -> tuple[kpis.Filters, str]:
    """(filters, error): the filters the URL asks for, or this month's with the reason they could not be read.
    A named period wins over dates the form still carries from the view before."""
    data = {name: params.get(name) for name in params if name not in OWN_PARAMS}
    if data.get("period"):
        data.pop("start", None)
        data.pop("end", None)
    zone = timezone.get_current_timezone_name()
    try:
        return kpis.Filters.from_query(data, user=request.user, tz=zone).known(), ""
    except ActionError as exc:
        return kpis.Filters.from_query({}, user=request.user, tz=zone), exc.message


def own_scope(user, filters: kpis.Filters) -> tuple[kpis.Filters, str]:
    """(filters, refusal): filters that ask beyond the viewer's figures (an agent's `agent=` someone else, a
    lead's other group) give way to the viewer's own, with the reason."""
    try:
        scope.restrict(user, filters)
    except NotAllowed as exc:
        return replace(filters, desk=None, group=None, agent=None), exc.message
    return filters, ""


def export_links(filters: kpis.Filters, extra: dict) -> list[tuple[str, str]]:
    """(label, url) of the dashboard's exports and its e-mail subscription, each with the dashboard's filters."""
    query = urlencode({**filters.as_query(), **extra})
    routes = (("reports_export", {"fmt": "xlsx"}, pgettext("reports", "Export to Excel")),
              ("reports_export", {"fmt": "csv"}, pgettext("reports", "Export to CSV")),
              ("reports_subscriptions", {}, pgettext("reports", "Subscribe by e-mail")))
    links = []
    for name, kwargs, label in routes:
        try:
            links.append((label, f"{reverse(f'console:{name}', kwargs=kwargs)}?{query}"))
        except NoReverseMatch:  # the exports are another part of the desk, which may be left out
            continue
    return links


def _breakdown(request, filters: kpis.Filters) -> tuple[dict | None, str]:
    """The chosen KPI broken down by the chosen dimension, as bars and a table; (None, why) for a choice the
    engine refuses."""
    key = request.GET.get("breakdown") or next(iter(kpis.KPIS))
    by = request.GET.get("by") or "group"
    try:
        rows = kpis.breakdown(request.user, key, filters, by)
    except ActionError as exc:
        return None, exc.message
    kpi = kpis.KPIS[key]

    def link(row) -> str:
        if not kpi.drill or row.id is None or row.total is None:
            return ""
        return figures.drill_url(replace(filters, **{by: row.id}), key)

    table = [{"label": row.label, "total": figures.figure_text(row.total, kpi.unit), "count": row.count,
              "url": link(row)} for row in rows]
    chart = None
    if any(row.total is not None for row in rows):
        chart = figures.as_json({"kind": "hbar", "name": str(kpi.label), "labels": [row.label for row in rows],
                                 "values": [row.total for row in rows], "texts": [r["total"] for r in table],
                                 "links": [r["url"] for r in table], "percent": kpi.unit == "percent"})
    return {"kpi": kpi, "by": by, "by_label": BREAKDOWNS.get(by, by), "rows": table, "chart": chart}, ""


def _distributions(user, filters: kpis.Filters) -> list[dict]:
    """The KPIs that have a distribution (how long first responses took, …), as bars of counts."""
    found = []
    for key, kpi in kpis.KPIS.items():
        try:
            buckets = kpis.distribution(user, key, filters)
        except NotFound:
            continue
        chart = None
        if any(count for _label, count in buckets):
            chart = figures.as_json({
                "kind": "bar", "name": str(kpi.label), "labels": [label for label, _c in buckets],
                "values": [count for _l, count in buckets], "texts": [str(count) for _l, count in buckets],
                "links": ["" for _b in buckets], "percent": False})
        found.append({"kpi": kpi, "chart": chart})
    return found


@staff_required
def dashboard(request):
    user = request.user
    filters, error = read_filters(request, request.GET)
    filters, refused = own_scope(user, filters)
    report = kpis.compute(user, filters, compare=True)
    breakdown, breakdown_error = _breakdown(request, filters)
    sections = []
    for card in figures.cards(report):
        section = card["kpi"].section
        if not sections or sections[-1]["key"] != section:
            sections.append({"key": section, "label": SECTION_LABELS.get(section, section), "cards": []})
        sections[-1]["cards"].append(card)
    # The export's breakdown sheet: the dimension the dashboard breaks down by.
    extra = {"by": breakdown["by"]} if breakdown else {}
    choices = pickers(request, filters)
    if breakdown:
        choices.update(breakdown=breakdown["kpi"].key, by=breakdown["by"])
    context = {
        "filters": filters, "previous": filters.previous(), "sections": sections,
        "error": error or breakdown_error, "refused": refused, "breakdown": breakdown,
        "distributions": _distributions(user, filters), "own_figures": not scope.may_view_desk_reports(user),
        "pickers": choices, "exports": export_links(filters, extra),
    }
    status = 403 if refused else 400 if context["error"] else 200
    return render(request, "console/reports/dashboard.html", context, status=status)


@staff_required
def drill_down(request):
    """The tickets behind a figure (`kpi`, the whole range) or a chart point (`kpi` and `period`), newest first,
    as a paged list like the queues."""
    user = request.user
    params = request.GET.copy()
    key, point = params.get("kpi", ""), params.pop("period", [""])[-1]
    filters, error = read_filters(request, params)
    filters, refused = own_scope(user, filters)
    kpi = kpis.KPIS.get(key)
    context = {"kpi": kpi, "filters": filters, "rows": [], "total": None, "error": error or refused,
               "dashboard_url": f"{reverse('console:reports_dashboard')}?{urlencode(filters.as_query())}"}
    status = 403 if refused else 400 if error else 200
    if not context["error"]:
        try:
            period = datetime.date.fromisoformat(point) if point else None
        except ValueError:
            period = None
            context["error"] = _("Parameter “period”: “%(value)s” is not a date (YYYY-MM-DD).") % {"value": point}
            status = 400
        else:
            try:
                tickets = kpis.tickets(user, key, filters, period)
            except ActionError as exc:
                context["error"], status = exc.message, exc.status_code
    if not context["error"]:
        listing = page_context(request, tickets.values(*ROW_FIELDS), "created_at", PAGE_SIZE)
        rows = queue_rows(as_rows(listing.pop("rows")))
        context.update(listing, rows=rows, total=tickets.order_by().count(),
                       point_label=figures.period_label(period, filters.granularity) if period else "",
                       rows_html=mark_safe(render_to_string(  # noqa: S308 - Jinja2 autoescapes every value
                           "console/queues/rows.html", {"rows": rows, "intake_label": _("Intake")}, using="jinja2")))
        if listing["bad_cursor"]:
            status = 400
    return render(request, "console/reports/tickets.html", context, status=status)


urlpatterns = [
    path("start/", landing, name="landing"),
    path("reports/", dashboard, name="reports_dashboard"),
    path("reports/tickets/", drill_down, name="reports_tickets"),
    *reports_wall.urlpatterns,
]
