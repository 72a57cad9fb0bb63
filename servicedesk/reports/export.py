"""A report as a file: the KPIs (the figure for the range, the previous range's, and one per period), the
breakdowns asked for, what each KPI means and the filters, as an Excel workbook (one sheet each) or a CSV
(the same tables one after the other, a title line and a blank line between them).

Excel cells hold real numbers and dates with number formats (a percentage is Excel's fraction shown as
"87.5%", minutes and money as numbers with their unit in the format), never text; the CSV writes the
figures as the API gives them, UTF-8 with a byte-order mark so that Excel opens Chinese headers as
Chinese. Headers and sheet titles are in the active language.
"""

from __future__ import annotations

import csv
import datetime
import io
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field

from django.utils.translation import gettext as _

from servicedesk.core.errors import ActionError

from . import dimensions, kpis
from .filters import DIMENSIONS

BY_CHOICES = DIMENSIONS


@dataclass(frozen=True)
class Figure:
    """A number as a report shows it: the value as computed and its unit (which says its format)."""

    value: float | int | None
    unit: str


@dataclass
class Sheet:
    title: str
    header: list[str]
    rows: list[list[object]] = field(default_factory=list)  # str, int, date, Figure or None
    widths: list[int] = field(default_factory=list)


@dataclass
class Table:
    title: str
    filename: str  # without its extension
    sheets: list[Sheet]


def by_label(by: str) -> str:
    return {
        "desk": _("Desk"), "group": _("Group"), "agent": _("Agent"), "service": _("Service"),
        "category": _("Category"), "channel": _("Channel"), "organisation": _("Organisation"),
    }[by]


def unit_label(unit: str) -> str:
    return {
        "count": _("count"), "percent": _("percent"), "minutes": _("minutes"), "money": _("money"),
        "rating": _("rating (1–5)"), "number": _("decimal number"),
    }.get(unit, unit)


def granularity_label(granularity: str) -> str:
    return {"day": _("Day"), "week": _("Week (from Monday)"), "month": _("Month")}.get(granularity, granularity)


def display(value: float | int | None, unit: str) -> str:
    """A figure as a person reads it in a mail or on a page (the active language's words)."""
    if value is None:
        return "—"
    if unit == "percent":
        return f"{value:.1f}%"
    if unit == "minutes":
        return _("%(minutes)s min") % {"minutes": f"{value:,.1f}"}
    if unit == "money":
        return f"{value:,.2f}"
    if unit == "rating":
        return f"{value:.2f}"
    if unit == "count":
        return f"{round(value):,}"
    return f"{value:,.2f}"


def change(current: float | None, previous: float | None) -> float | None:
    """How the figure moved against the previous range, in the KPI's own unit (None without both)."""
    if current is None or previous is None:
        return None
    return current - previous


def _period_sheet_title(granularity: str) -> str:
    return {"day": _("Per day"), "week": _("Per week"), "month": _("Per month")}.get(granularity, _("Per period"))


def as_table(report: kpis.Report, breakdowns: Mapping[str, Mapping[str, Sequence]] | None = None) -> Table:
    """The report's tables, in the active language. ``breakdowns``: {by: {kpi key: [breakdown rows]}}."""
    filters = report.filters
    chosen = [kpis.KPIS[key] for key in report.values]
    previous = report.previous or {}
    with_previous = report.previous is not None

    summary = Sheet(_("KPIs"), [_("Section"), _("KPI"), _("Unit"), _("Value"), _("Counted items")])
    if with_previous:
        summary.header += [_("Previous period"), _("Counted items (previous)"), _("Change")]
    for kpi in chosen:
        value = report.values[kpi.key]
        row: list[object] = [section_label(kpi.section), str(kpi.label), unit_label(kpi.unit),
                             Figure(value.total, kpi.unit), Figure(value.count, "count")]
        if with_previous:
            before = previous.get(kpi.key)
            before_total = before.total if before is not None else None
            row += [Figure(before_total, kpi.unit), Figure(before.count if before is not None else None, "count"),
                    Figure(change(value.total, before_total), kpi.unit)]
        summary.rows.append(row)
    summary.widths = [16, 44, 12, 14, 14, 16, 16, 12]

    series = Sheet(_period_sheet_title(filters.granularity),
                   [granularity_label(filters.granularity), *[str(kpi.label) for kpi in chosen]])
    points = {kpi.key: dict(report.values[kpi.key].series) for kpi in chosen}
    for start in filters.periods():
        series.rows.append([start, *[Figure(points[kpi.key].get(start), kpi.unit) for kpi in chosen]])
    series.widths = [14, *[18 for _kpi in chosen]]

    sheets = [summary, series]
    for by, per_kpi in (breakdowns or {}).items():
        sheets.append(_breakdown_sheet(by, [kpi for kpi in chosen if kpi.key in per_kpi], per_kpi))
    sheets.append(_definitions(chosen))
    sheets.append(_filters_sheet(filters, with_previous))
    return Table(title=_("Service desk report"), filename=file_name(filters), sheets=sheets)


def section_label(section: str) -> str:
    return {
        "volume": _("Volume"), "service": _("Service levels"), "quality": _("Quality"), "flow": _("Flow"),
        "cost": _("Cost"), "self_service": _("Self-service"),
    }.get(section, section)


def _breakdown_sheet(by: str, chosen: list, per_kpi: Mapping[str, Sequence]) -> Sheet:
    """One line per desk/group/agent…, one column per KPI; lines in the order of the first KPI's rows
    (largest count first), then those only later KPIs have."""
    sheet = Sheet(_("By %(what)s") % {"what": by_label(by).lower()}, [by_label(by), *[str(k.label) for k in chosen]])
    labels: dict[object, str] = {}
    cells: dict[object, dict[str, float | None]] = {}
    for kpi in chosen:
        for row in per_kpi[kpi.key]:
            labels.setdefault(row.id, row.label)
            cells.setdefault(row.id, {})[kpi.key] = row.total
    for item, label in labels.items():
        sheet.rows.append([label or _("(none)"), *[Figure(cells[item].get(k.key), k.unit) for k in chosen]])
    sheet.widths = [30, *[18 for _kpi in chosen]]
    return sheet


def _definitions(chosen: list) -> Sheet:
    sheet = Sheet(_("Definitions"), [_("KPI"), _("Unit"), _("Better when"), _("Definition")])
    for kpi in chosen:
        better = {"up": _("higher"), "down": _("lower")}.get(kpi.better or "", "")
        sheet.rows.append([str(kpi.label), unit_label(kpi.unit), better, str(kpi.definition)])
    sheet.widths = [44, 12, 14, 100]
    return sheet


def _filters_sheet(filters: kpis.Filters, with_previous: bool) -> Sheet:
    sheet = Sheet(_("Filters"), [_("Filter"), _("Value")])
    sheet.rows += [[_("First day"), filters.start], [_("Last day"), filters.end], [_("Time zone"), filters.tz],
                   [_("Per"), granularity_label(filters.granularity)]]
    if with_previous:
        before = filters.previous()
        sheet.rows += [[_("Previous period: first day"), before.start], [_("Previous period: last day"), before.end]]
    for by in BY_CHOICES:
        value = getattr(filters, by, None)
        if value is not None:
            sheet.rows.append([by_label(by), dimensions.labels(by, [value]).get(value, str(value))])
    sheet.rows.append([_("Made at (UTC)"), datetime.datetime.now(datetime.UTC).replace(microsecond=0, tzinfo=None)])
    sheet.widths = [28, 24]
    return sheet


def file_name(filters: kpis.Filters) -> str:
    return _("service-desk-report") + f"_{filters.start.isoformat()}_{filters.end.isoformat()}"


# --- CSV -----------------------------------------------------------------------------------------------------


def _csv_value(value: object) -> object:
    if isinstance(value, Figure):
        value = value.value
    if value is None:
        return ""
    if isinstance(value, datetime.datetime):
        return value.isoformat(sep=" ")
    if isinstance(value, datetime.date):
        return value.isoformat()
    if isinstance(value, float):
        return int(value) if value.is_integer() else round(value, 4)
    return value


def to_csv(table: Table) -> bytes:
    """UTF-8 with a byte-order mark (Excel reads Chinese headers right), the sheets one after another."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    for number, sheet in enumerate(table.sheets):
        if number:
            writer.writerow([])
        writer.writerow([sheet.title])
        writer.writerow(sheet.header)
        writer.writerows([_csv_value(v) for v in row] for row in sheet.rows)
    return ("\ufeff" + out.getvalue()).encode("utf-8")


# --- Excel ---------------------------------------------------------------------------------------------------


def number_format(unit: str) -> str:
    if unit == "percent":
        return "0.0%"
    if unit == "minutes":
        return '#,##0.0" ' + _("min").replace('"', "") + '"'
    if unit == "money":
        return "#,##0.00"
    if unit == "rating":
        return "0.00"
    if unit == "count":
        return "#,##0"
    return "#,##0.00"


def excel_value(figure: Figure) -> float | int | None:
    """The cell's value: a percentage as Excel's fraction (its format shows it ×100)."""
    if figure.value is None:
        return None
    if figure.unit == "percent":
        return figure.value / 100
    if figure.unit == "count" and float(figure.value).is_integer():
        return int(figure.value)
    return figure.value


def _sheet_title(title: str, used: set[str]) -> str:
    # Excel: at most 31 characters, none of []:*?/\ and unique in the workbook.
    clean = "".join("_" if c in "[]:*?/\\" else c for c in title)[:31] or "Sheet"
    name, n = clean, 2
    while name.lower() in used:
        name = f"{clean[:28]} {n}"
        n += 1
    used.add(name.lower())
    return name


def to_xlsx(table: Table) -> bytes:
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font
    from openpyxl.utils import get_column_letter

    book = Workbook()
    book.remove(book.active)
    bold = Font(bold=True)
    used: set[str] = set()
    for sheet in table.sheets:
        ws = book.create_sheet(_sheet_title(sheet.title, used))
        ws.append(sheet.header)
        for cell in ws[1]:
            cell.font = bold
        for row in sheet.rows:
            ws.append([excel_value(v) if isinstance(v, Figure) else v for v in row])
            for cell, value in zip(ws[ws.max_row], row, strict=True):
                if isinstance(value, Figure):
                    cell.number_format = number_format(value.unit)
                elif isinstance(value, datetime.datetime):
                    cell.number_format = "yyyy-mm-dd hh:mm"
                elif isinstance(value, datetime.date):
                    cell.number_format = "yyyy-mm-dd"
                elif isinstance(value, str) and len(value) > 60:
                    cell.alignment = Alignment(wrap_text=True, vertical="top")
        for number, width in enumerate(sheet.widths[: len(sheet.header)], start=1):
            ws.column_dimensions[get_column_letter(number)].width = width
        ws.freeze_panes = "B2"
    book.properties.title = table.title
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


# --- what a request asks for ---------------------------------------------------------------------------------


def parse_keys(raw: str | None) -> list[str] | None:
    """`keys=a,b`: the KPIs to export (None: all); an unknown one is refused, naming it."""
    if not raw:
        return None
    keys = [k.strip() for k in raw.split(",") if k.strip()]
    unknown = [k for k in keys if k not in kpis.KPIS]
    if unknown:
        raise ActionError(_("Unknown KPI in “keys”: %(keys)s.") % {"keys": ", ".join(unknown)})
    return keys


def parse_by(raw: str | None) -> list[str]:
    """`by=group,agent`: the breakdowns to add (absent: by group; empty: none)."""
    if raw is None:
        return ["group"]
    chosen = [b.strip() for b in raw.split(",") if b.strip()]
    unknown = [b for b in chosen if b not in BY_CHOICES]
    if unknown:
        raise ActionError(_("Unknown breakdown in “by”: %(by)s (one of: %(choices)s).")
                          % {"by": ", ".join(unknown), "choices": ", ".join(BY_CHOICES)})
    return list(dict.fromkeys(chosen))


def build(user, filters: kpis.Filters, keys: Iterable[str] | None, by: Iterable[str]) -> Table:
    """The report a person may see (scoped inside kpis), compared with the previous period, as tables."""
    report = kpis.compute(user, filters, keys, compare=True)
    breakdowns = {b: {key: kpis.breakdown(user, key, filters, b) for key in report.values} for b in by}
    return as_table(report, breakdowns)
