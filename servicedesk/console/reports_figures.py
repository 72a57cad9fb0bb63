"""The dashboard's figures as the screen shows them: a KPI's value written in its unit, its change against the
previous period (arrow, words, good or bad by the KPI's `better`), and each chart's data with the drill-down link
of every point. Plain strings and JSON-ready lists, made here once: the templates and reports.js only place them."""

from __future__ import annotations

import datetime
import json
from urllib.parse import urlencode

from django.urls import reverse
from django.utils.translation import gettext as _

from servicedesk.reports.kpis import KPIS, Filters, Kpi, Report, Value

from .clocks import duration_text

NO_DATA = "—"
# The units drawn as bars per period (things counted); the others (rates, times, averages) as a line.
BAR_UNITS = {"count", "money"}


def figure_text(value: float | None, unit: str) -> str:
    """A figure in its unit, or "—" for no data (never 0, never NaN)."""
    if value is None or value != value:  # NaN is not equal to itself
        return NO_DATA
    if unit == "count":
        return f"{round(value):,}"
    if unit == "percent":
        return f"{value:.1f}%"
    if unit == "minutes":
        return duration_text(datetime.timedelta(minutes=value))
    if unit == "money":
        return f"{value:,.2f}"
    if unit == "rating":
        return f"{value:.2f}"
    return f"{value:,.1f}"


def change(kpi: Kpi, now: float | None, before: float | None) -> dict | None:
    """The figure against the previous period: None when either has no data. A percentage moves by points,
    anything else by its share of what it was; `tone` is good or bad by the direction the KPI wants."""
    if now is None or before is None:
        return None
    delta = now - before
    direction = "up" if delta > 0 else "down" if delta < 0 else "same"
    if kpi.unit == "percent":
        text = _("%(points)s pts") % {"points": f"{delta:+.1f}"}
    elif before:
        text = f"{delta / abs(before) * 100:+.0f}%"
    else:
        # From nothing: a share of zero is no number.
        text = _("was 0") if delta else "±0%"
    if direction == "same" or kpi.better is None:
        tone = "neutral"
    else:
        tone = "good" if direction == kpi.better else "bad"
    arrow = {"up": "▲", "down": "▼", "same": "▬"}[direction]
    return {"arrow": arrow, "text": text, "tone": tone, "direction": direction}


def drill_url(filters: Filters, key: str, period: datetime.date | None = None) -> str:
    """The tickets behind a figure (the whole range) or behind one chart point (`period`)."""
    params = {"kpi": key, **({"period": period.isoformat()} if period else {}), **filters.as_query()}
    return f"{reverse('console:reports_tickets')}?{urlencode(params)}"


def period_label(start: datetime.date, granularity: str) -> str:
    """A period as its tooltip and the drill-down's heading say it: a day, an ISO week, a month."""
    if granularity == "month":
        return start.strftime("%Y-%m")
    if granularity == "week":
        year, week, _day = start.isocalendar()
        return _("%(year)d week %(week)02d") % {"year": year, "week": week}
    return start.isoformat()


def axis_label(start: datetime.date, filters: Filters) -> str:
    """A period under its chart's axis, short: the year only where the range spans more than one."""
    if filters.granularity == "month":
        return start.strftime("%Y-%m")
    return start.strftime("%m-%d") if filters.start.year == filters.end.year else start.isoformat()


def chart(kpi: Kpi, value: Value, filters: Filters) -> dict:
    """One KPI's chart: a point per period, each with its text and (drillable KPIs) its tickets' link."""
    drill = kpi.drill
    return {
        "kind": "bar" if kpi.unit in BAR_UNITS else "line",
        "name": str(kpi.label),
        "labels": [axis_label(start, filters) for start, _v in value.series],
        "titles": [period_label(start, filters.granularity) for start, _v in value.series],
        "values": [point for _s, point in value.series],
        "texts": [figure_text(point, kpi.unit) for _s, point in value.series],
        "links": [drill_url(filters, kpi.key, start) if drill else "" for start, _v in value.series],
        "percent": kpi.unit == "percent",
    }


def cards(report: Report) -> list[dict]:
    """Every KPI of the report with its figure, comparison and chart, in KPIS order. A rate or an average over
    nothing is no data ("—"), not a 0 that reads like a measurement; a count of nothing is 0 (no breaches)."""
    rows = []
    for key, value in report.values.items():
        kpi = KPIS[key]
        before = report.previous.get(key) if report.previous else None
        has_data = _has_data(kpi, value)
        had_data = before is not None and _has_data(kpi, before)
        rows.append({
            "kpi": kpi, "key": key, "total": figure_text(value.total if has_data else None, kpi.unit),
            "count": value.count, "has_data": has_data,
            "previous": figure_text(before.total if had_data else None, kpi.unit),
            "change": change(kpi, value.total, before.total) if has_data and had_data else None,
            "url": drill_url(report.filters, key) if kpi.drill and value.count else "",
            "chart": as_json(chart(kpi, value, report.filters)) if has_data else None,
        })
    return rows


def _has_data(kpi, value) -> bool:
    return value.total is not None and (value.count > 0 or kpi.unit == "count")


def as_json(chart_data: dict) -> str:
    """A chart's data for its element's data-chart attribute (the template escapes it)."""
    return json.dumps(chart_data, ensure_ascii=False)
