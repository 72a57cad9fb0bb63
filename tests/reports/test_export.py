"""Reports as files: the Excel workbook read back with openpyxl has the figures reports.kpis.compute gives, as real
numbers and dates; the CSV parses to the same; the console's and the API's downloads are scoped as the dashboard
and refuse bad parameters with a clear message."""

import csv
import datetime
import io

import openpyxl
import pytest
from django.test import Client
from django.utils import translation

from servicedesk.reports import export, kpis
from servicedesk.reports.kpis import Filters

FEB = {"start": datetime.date(2026, 2, 1), "end": datetime.date(2026, 2, 28)}
QUERY = "start=2026-02-01&end=2026-02-28&tz=Asia/Shanghai"
KEYS = ["tickets_created", "tickets_resolved", "contacts_phone"]


@pytest.fixture
def tickets(make_ticket, desk):
    return [
        # 00:30 on 1 February in Shanghai (31 January in UTC): counts in February for a Shanghai report.
        make_ticket("2026-01-31 16:30", channel="phone", group=desk.first_line, assignee=desk.agent1),
        make_ticket("2026-02-10 12:00", channel="email", group=desk.second_line, assignee=desk.agent2,
                    resolved_at="2026-02-12 09:00", status="resolved"),
        make_ticket("2026-02-11 12:00", channel="phone", group=desk.second_line, assignee=desk.agent2),
        # January, for the previous period.
        make_ticket("2026-01-20 08:00", channel="portal", group=desk.first_line, assignee=desk.agent1),
    ]


def client_for(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def sheet_rows(book, title):
    return [list(row) for row in book[title].iter_rows(values_only=True)]


def test_the_workbook_has_the_computed_figures_as_numbers_and_dates(tickets, desk):
    filters = Filters(tz="Asia/Shanghai", **FEB)
    report = kpis.compute(desk.manager, filters, KEYS, compare=True)
    table = export.build(desk.manager, filters, KEYS, ["group"])
    book = openpyxl.load_workbook(io.BytesIO(export.to_xlsx(table)))
    assert book.sheetnames == ["KPIs", "Per day", "By group", "Definitions", "Filters"]

    summary = sheet_rows(book, "KPIs")
    assert summary[0] == ["Section", "KPI", "Unit", "Value", "Counted items", "Previous period",
                          "Counted items (previous)", "Change"]
    by_label = {row[1]: row for row in summary[1:]}
    for key in KEYS:
        row = by_label[str(kpis.KPIS[key].label)]
        assert row[3] == report.values[key].total and isinstance(row[3], int | float)
        assert row[5] == report.previous[key].total
    assert by_label["Tickets created"][3:6] == [3, 3, 1]  # 3 in February (Shanghai), 1 in January
    assert by_label["Tickets created"][7] == 2
    assert isinstance(by_label["Tickets created"][4], int)
    assert book["KPIs"]["D2"].number_format == "#,##0"

    series = sheet_rows(book, "Per day")
    assert series[0][0] == "Day" and len(series) == 1 + 28
    assert all(isinstance(row[0], datetime.datetime) for row in series[1:])  # real dates, not text
    assert book["Per day"]["A2"].number_format == "yyyy-mm-dd"
    points = {row[0].date(): row[1] for row in series[1:]}
    assert points == dict(report.values["tickets_created"].series)
    assert points[datetime.date(2026, 2, 1)] == 1

    groups = {row[0]: row[1] for row in sheet_rows(book, "By group")[1:]}
    assert groups == {desk.second_line.name: 2, desk.first_line.name: 1}
    definitions = sheet_rows(book, "Definitions")
    assert [str(kpis.KPIS[key].definition) for key in KEYS] == [row[3] for row in definitions[1:]]
    filters_sheet = dict((row[0], row[1]) for row in sheet_rows(book, "Filters"))
    assert filters_sheet["First day"] == datetime.datetime(2026, 2, 1)
    assert filters_sheet["Time zone"] == "Asia/Shanghai"


def test_percentages_minutes_and_money_are_numbers_with_their_format():
    percent = export.Figure(87.5, "percent")
    assert export.excel_value(percent) == 0.875 and export.number_format("percent") == "0.0%"
    assert export.excel_value(export.Figure(12.25, "minutes")) == 12.25
    assert "min" in export.number_format("minutes")
    assert export.number_format("money") == "#,##0.00"
    assert export.excel_value(export.Figure(None, "percent")) is None


def test_the_csv_parses_to_the_same_figures_with_a_bom(tickets, desk):
    filters = Filters(tz="Asia/Shanghai", **FEB)
    data = export.to_csv(export.build(desk.manager, filters, KEYS, []))
    assert data.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(data.decode("utf-8-sig"))))
    assert rows[0] == ["KPIs"]
    created = next(row for row in rows if len(row) > 1 and row[1] == "Tickets created")
    assert created[3:6] == ["3", "3", "1"]
    start = rows.index(["Per day"])
    assert rows[start + 2][:2] == ["2026-02-01", "1"]


def test_headers_and_sheet_titles_in_chinese(tickets, desk):
    with translation.override("zh-hans"):
        table = export.build(desk.manager, Filters(tz="Asia/Shanghai", **FEB), KEYS, ["group"])
        book = openpyxl.load_workbook(io.BytesIO(export.to_xlsx(table)))
    assert book.sheetnames[0] == "指标"
    assert sheet_rows(book, "指标")[0][3] == "数值"


def test_console_download_is_scoped_as_the_dashboard(tickets, desk):
    response = client_for(desk.manager).get(f"/console/reports/export.xlsx?{QUERY}&by=group")
    assert response.status_code == 200
    assert "2026-02-01_2026-02-28.xlsx" in response["Content-Disposition"]
    book = openpyxl.load_workbook(io.BytesIO(response.content))
    assert book.sheetnames[:3] == ["指标", "每日", "按处理组"]  # the manager reads Chinese
    with translation.override("zh-hans"):
        label = str(kpis.KPIS["tickets_created"].label)
    assert next(r for r in sheet_rows(book, "指标") if r[1] == label)[3] == 3

    # An agent gets their own figures only, whatever agent= asks.
    response = client_for(desk.agent1).get(f"/console/reports/export.csv?{QUERY}&by=")
    assert response.status_code == 200
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert next(r for r in rows if len(r) > 3 and r[1] == "Tickets created")[3] == "1"
    assert client_for(desk.agent1).get(f"/console/reports/export.csv?{QUERY}&agent={desk.agent2.pk}").status_code \
        == 403


def test_console_refuses_bad_parameters_with_a_page(desk):
    client = client_for(desk.manager)
    response = client.get("/console/reports/export.xlsx?start=2026-13-01")
    assert response.status_code == 400
    assert "start" in response.content.decode() and "2026-13-01" in response.content.decode()
    assert client.get("/console/reports/export.xlsx?by=colour").status_code == 400
    assert client.get("/console/reports/export.xlsx?keys=nothing").status_code == 400
    assert client.get("/console/reports/export.pdf").status_code == 404
    assert client_for(desk.customer1).get("/console/reports/export.xlsx")["Location"] == "/portal/"


def test_api_export(tickets, desk, api):
    response = api("manager").get(f"reports/export?format=csv&{QUERY}&keys=tickets_created&by=")
    assert response.status_code == 200 and response["Content-Type"] == "text/csv"
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert rows[2][3] == "3"
    response = api("manager").get(f"reports/export?{QUERY}")
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    openpyxl.load_workbook(io.BytesIO(response.content))

    bad = api("manager").get("reports/export?format=pdf")
    assert bad.status_code == 400 and "format" in bad.json_body["message"]
    bad = api("manager").get("reports/export?granularity=hour")
    assert bad.status_code == 400 and "granularity" in bad.json_body["message"]
    assert api("customer1").get("reports/export").status_code == 403


def test_every_kpi_is_a_number_in_its_units_format(tickets, desk):
    """Each KPI of the registry (percentages as Excel fractions, minutes, money …) in the KPIs sheet."""
    filters = Filters(tz="UTC", **FEB)
    report = kpis.compute(desk.manager, filters)
    book = openpyxl.load_workbook(io.BytesIO(export.to_xlsx(export.build(desk.manager, filters, None, []))))
    cells = {row[1].value: row[3] for row in book["KPIs"].iter_rows(min_row=2)}
    assert len(cells) == len(kpis.KPIS)
    for key, value in report.values.items():
        kpi = kpis.KPIS[key]
        cell = cells[str(kpi.label)]
        assert cell.number_format == export.number_format(kpi.unit), key
        if value.total is None:
            assert cell.value is None, key
        else:
            scale = 100 if kpi.unit == "percent" else 1
            assert isinstance(cell.value, int | float) and cell.value * scale == pytest.approx(value.total), key
