"""Importing configuration items from CSV and Excel: the dry run reports what would be created, changed or
refused (row and reason, in the reader's language) and saves nothing; the apply saves the rows not refused."""

import datetime
import io

import openpyxl
import pytest
from django.core.management import call_command
from django.utils import translation

from servicedesk.cmdb.importing import run_import
from servicedesk.cmdb.models import ConfigItem
from servicedesk.core import audit
from servicedesk.core.errors import ActionError, NotAllowed

CSV = """type,name,serial,status,user,cpus,os,location
server,srv-web-01,SN-100,in_use,,4,Linux,Shanghai DC
server,srv-web-02,SN-101,,,two,Linux,
laptop,LT-0001,SN-0001,maintenance,customer1,,,Desk 12
laptop,LT-0002,SN-0002,,nobody-here,,,
server,srv-db-01,,,,8,Linux,
teapot,Kettle,,,,,,
"""


def outcomes(report):
    return [(r.row, r.outcome, r.reason) for r in report.rows]


def test_dry_run_reports_and_saves_nothing(desk, estate):
    before = ConfigItem.objects.count()
    with translation.override("en"):
        report = run_import("estate.csv", CSV.encode(), actor=desk.manager, channel="console", apply=False)
    assert report.counts == {"create": 1, "change": 1, "unchanged": 1, "refused": 3}
    assert outcomes(report) == [
        (2, "create", ""),
        (3, "refused", "CPUs must be a number."),
        (4, "change", ""),
        (5, "refused", "Nobody active is called nobody-here."),
        (7, "refused", "Unknown configuration item type: teapot"),
    ]
    assert ConfigItem.objects.count() == before
    assert ConfigItem.objects.get(serial="SN-0001").status == "in_use"


def test_reasons_in_the_readers_language(desk, estate):
    with translation.override("zh-hans"):
        report = run_import("estate.csv", CSV.encode(), actor=desk.manager, channel="console", apply=False)
    assert "处理器数" in report.refused[0].reason


def test_apply_saves_the_rows_not_refused_through_the_actions(desk, estate):
    report = run_import("estate.csv", CSV.encode(), actor=desk.manager, channel="command", apply=True)
    assert report.counts["create"] == 1 and report.counts["refused"] == 3
    made = ConfigItem.objects.get(serial="SN-100")
    assert (made.attributes, made.location) == ({"cpus": 4, "os": "Linux"}, "Shanghai DC")
    laptop = ConfigItem.objects.get(serial="SN-0001")
    assert (laptop.status, laptop.location, laptop.version) == ("maintenance", "Desk 12", 2)
    assert audit.trail(made).first().action == "created"
    again = run_import("estate.csv", CSV.encode(), actor=desk.manager, channel="command", apply=True)
    assert again.counts == {"create": 0, "change": 0, "unchanged": 3, "refused": 3}


def test_excel_with_chinese_headers_and_dates(desk, types):
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(["类型", "名称", "序列号", "cpus", "bought", "使用人"])
    sheet.append(["服务器", "srv-xl-01", "XL-1", 16, datetime.datetime(2025, 3, 1), ""])
    sheet.append(["笔记本电脑", "LT-XL", "XL-2", None, None, "customer2"])
    data = io.BytesIO()
    book.save(data)
    report = run_import("estate.xlsx", data.getvalue(), actor=desk.lead1, channel="console", apply=True)
    assert report.counts["create"] == 2, outcomes(report)
    assert ConfigItem.objects.get(serial="XL-1").attributes == {"cpus": 16, "bought": "2025-03-01"}
    assert ConfigItem.objects.get(serial="XL-2").user == desk.customer2


def test_bad_files_and_people_are_refused(desk, types):
    with pytest.raises(NotAllowed):
        run_import("estate.csv", CSV.encode(), actor=desk.agent1, channel="console", apply=False)
    with pytest.raises(ActionError, match="type"):
        run_import("estate.csv", b"name\nx\n", actor=desk.manager, channel="console", apply=False)
    with pytest.raises(ActionError, match="xlsx"):
        run_import("estate.xlsx", b"not a workbook", actor=desk.manager, channel="console", apply=False)
    with pytest.raises(ActionError, match=".csv or .xlsx"):
        run_import("estate.txt", b"type,name\n", actor=desk.manager, channel="console", apply=False)


def test_the_command(desk, estate, tmp_path):
    path = tmp_path / "estate.csv"
    path.write_text(CSV, encoding="gb18030")
    out = io.StringIO()
    call_command("import-cis", str(path), stdout=out)
    assert "Dry run (nothing saved): 1 created, 1 changed, 1 unchanged, 3 refused" in out.getvalue()
    assert not ConfigItem.objects.filter(serial="SN-100").exists()
    call_command("import-cis", str(path), "--apply", stdout=out)
    assert ConfigItem.objects.filter(serial="SN-100").exists()
