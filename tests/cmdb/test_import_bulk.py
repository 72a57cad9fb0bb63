"""The import in chunks: rows saved together, each item's history saying it was imported from which file,
a row that makes an item and a later row that changes it, a refused row leaving no trace, announcements
after commit, and the dry run reporting what the apply does."""

from django.db import connection
from django.test.utils import CaptureQueriesContext

from servicedesk.cmdb import actions, importing
from servicedesk.cmdb.importing import run_import
from servicedesk.cmdb.models import ConfigItem
from servicedesk.core import audit


def _import(desk, text, apply=True):
    return run_import("estate.csv", text.encode(), actor=desk.manager, channel="console", apply=apply)


def test_each_item_history_names_the_file(desk, estate):
    _import(desk, "type,name,serial,location\nlaptop,LT-0100,SN-100,Shanghai DC\nlaptop,LT-0001,SN-0001,Desk 7\n")
    made = ConfigItem.objects.get(serial="SN-100")
    assert [(e.action, e.note) for e in audit.trail(made) if e.field == "location"] == [
        ("created", "imported from estate.csv")]
    changed = audit.trail(estate["laptop"]).filter(field="location").get()
    assert (changed.action, changed.new_value, changed.note) == ("changed", "Desk 7", "imported from estate.csv")
    estate["laptop"].refresh_from_db()
    assert estate["laptop"].version == 2


def test_a_later_row_changes_what_an_earlier_row_made(desk, estate):
    text = "type,name,serial,location\nlaptop,LT-0100,SN-100,Room 1\nlaptop,LT-0100,SN-100,Room 2\n"
    assert _import(desk, text, apply=False).counts == {"create": 1, "change": 1, "unchanged": 0, "refused": 0}
    assert not ConfigItem.objects.filter(serial="SN-100").exists()
    assert _import(desk, text).counts == {"create": 1, "change": 1, "unchanged": 0, "refused": 0}
    made = ConfigItem.objects.get(serial="SN-100")
    assert (made.location, made.version) == ("Room 2", 2)
    assert [e.action for e in audit.trail(made).filter(field="location")] == ["changed", "created"]


def test_a_refused_row_leaves_the_item_as_it_was(desk, estate):
    # The second row changes the name, then fails on the user: the third row sees the item unchanged.
    text = ("type,name,serial,user,location\nlaptop,Renamed,SN-0001,nobody-here,\n"
            "laptop,LT-0001,SN-0001,,Desk 9\n")
    report = _import(desk, text)
    assert [(r.row, r.outcome) for r in report.rows] == [(2, "refused"), (3, "change")]
    estate["laptop"].refresh_from_db()
    assert (estate["laptop"].name, estate["laptop"].location) == ("LT-0001", "Desk 9")


def test_rows_are_saved_by_the_chunk_and_announced_after_commit(desk, types, monkeypatch,
                                                                django_capture_on_commit_callbacks):
    monkeypatch.setattr(importing, "CHUNK", 50)
    heard = []
    actions.item_changed.connect(lambda **kw: heard.append(kw["event"]), weak=False, dispatch_uid="test-import")
    text = "type,name\n" + "".join(f"laptop,LT-{n:04d}\n" for n in range(120))
    try:
        with CaptureQueriesContext(connection) as queries, django_capture_on_commit_callbacks(execute=True):
            report = _import(desk, text)
    finally:
        actions.item_changed.disconnect(dispatch_uid="test-import")
    assert report.counts["create"] == 120
    assert heard == ["created"] * 120
    # Three chunks of a few statements each, not a few per row.
    assert len(queries) < 60
