"""The one keyset paginator (core.pagination.paginate): one queryset or several disjoint ordered branches,
forward and back, ties broken by id, rows without a value last, and cursors the desk did not make refused."""

import base64
import datetime
import json

import pytest
from django.db import connection
from django.db.models import F
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from servicedesk.core.pagination import BadCursor, encode_cursor, paginate
from servicedesk.tickets import actions
from servicedesk.tickets.models import Ticket

T0 = timezone.now().replace(microsecond=0) - datetime.timedelta(days=1)


@pytest.fixture
def rows(desk):
    """13 tickets: updated_at in ties of three, priorities 1–5, every third one resolved (the others no
    `resolved_at`, in the annotation `done`)."""
    for i in range(13):
        ticket = actions.create_ticket(actor=desk.agent1, requester=desk.customer1, title=f"T{i}",
                                       impact=1 + i % 3, urgency=1 + i % 2)
        Ticket.objects.filter(pk=ticket.pk).update(
            updated_at=T0 + datetime.timedelta(minutes=i // 3),
            resolved_at=T0 + datetime.timedelta(minutes=(7 * i) % 5) if i % 3 == 0 else None)
    return Ticket.objects.values("id", "updated_at", "priority").annotate(done=F("resolved_at"))


def expected(queryset, field, descending, nulls_last=False):
    found = list(queryset)
    if nulls_last:
        valued = sorted((r for r in found if r[field] is not None), key=lambda r: (r[field], r["id"]),
                        reverse=descending)
        empty = sorted((r for r in found if r[field] is None), key=lambda r: r["id"], reverse=descending)
        return [r["id"] for r in valued + empty]
    return [r["id"] for r in sorted(found, key=lambda r: (r[field], r["id"]), reverse=descending)]


def walk(querysets, field, descending, limit, nulls_last=False):
    """Every page forward by next_cursor, then back by prev_cursor from the last page."""
    pages = [paginate(querysets, field, descending, limit, nulls_last=nulls_last)]
    while pages[-1].next_cursor:
        pages.append(paginate(querysets, field, descending, limit, after=pages[-1].next_cursor,
                              nulls_last=nulls_last))
    back = [pages[-1]]
    while back[-1].prev_cursor:
        back.append(paginate(querysets, field, descending, limit, before=back[-1].prev_cursor,
                             nulls_last=nulls_last))
    ids = [[r["id"] for r in page.rows] for page in pages]
    return ids, [[r["id"] for r in page.rows] for page in back][::-1]


def split(queryset):
    """Three disjoint branches of one list."""
    return [queryset.filter(priority__lte=2), queryset.filter(priority=3), queryset.filter(priority__gte=4)]


@pytest.mark.parametrize("field", ["updated_at", "priority", "id"])
@pytest.mark.parametrize("descending", [True, False])
@pytest.mark.parametrize("branches", [False, True])
def test_every_row_once_in_order_both_ways(rows, field, descending, branches):
    querysets = split(rows) if branches else rows
    forward, backward = walk(querysets, field, descending, 4)
    assert sum(forward, []) == expected(rows, field, descending)
    assert [len(p) for p in forward] == [4, 4, 4, 1]
    assert backward == forward


def test_ties_are_broken_by_id(rows):
    first = paginate(rows, "updated_at", False, 2)
    assert [r["id"] for r in first.rows] == expected(rows, "updated_at", False)[:2]
    assert first.rows[0]["updated_at"] == first.rows[1]["updated_at"]
    second = paginate(rows, "updated_at", False, 2, after=first.next_cursor)
    assert second.rows[0]["updated_at"] == first.rows[1]["updated_at"]  # the third of the tie
    assert second.rows[0]["id"] > first.rows[1]["id"]


@pytest.mark.parametrize("descending", [False, True])
@pytest.mark.parametrize("branches", [False, True])
def test_rows_without_a_value_come_last_either_way(rows, descending, branches):
    querysets = split(rows) if branches else rows
    forward, backward = walk(querysets, "done", descending, 3, nulls_last=True)
    order = sum(forward, [])
    assert order == expected(rows, "done", descending, nulls_last=True)
    assert backward == forward
    done = {r["id"] for r in rows if r["done"] is not None}
    assert set(order[:len(done)]) == done


def test_a_page_reads_each_branch_once(rows):
    with CaptureQueriesContext(connection) as captured:
        page = paginate(split(rows), "updated_at", True, 5)
    assert len(captured) == 3 and len(page.rows) == 5
    with CaptureQueriesContext(connection) as captured:
        paginate(rows, "updated_at", True, 5, after=page.next_cursor)
    assert len(captured) == 1


def test_the_last_page_has_no_next_and_the_first_no_prev(rows):
    whole = paginate(rows, "id", False, 13)
    assert len(whole.rows) == 13 and whole.next_cursor is None and whole.prev_cursor is None
    assert paginate(rows.none(), "id", False, 5).rows == []


def raw(value) -> str:
    return base64.urlsafe_b64encode(json.dumps(value).encode()).decode().rstrip("=")


BAD = [
    "not-a-cursor", "", "x" * 2000, "é", raw([1]), raw({"a": 1}), raw([1, 0]), raw([1, -5]), raw([1, True]),
    raw([1, 2**63]), raw([{"t": "yesterday"}, 1]), raw([{"t": "2026-01-01T00:00:00"}, 1]),  # no time zone
    raw([{"t": "0001-01-01T00:00:00+00:00"}, 1]), raw([[1], 1]), raw(["a\x00", 1]), raw([2**64, 1]),
]


@pytest.mark.parametrize("cursor", BAD)
def test_cursors_the_desk_did_not_make_are_refused(rows, cursor):
    if not cursor:  # no cursor is the first page
        assert len(paginate(rows, "updated_at", True, 3, after=cursor).rows) == 3
        return
    for nulls_last, field in ((False, "updated_at"), (True, "done")):
        with pytest.raises(BadCursor):
            paginate(rows, field, True, 3, after=cursor, nulls_last=nulls_last)
        with pytest.raises(BadCursor):
            paginate(split(rows), field, True, 3, before=cursor, nulls_last=nulls_last)


def test_a_cursor_must_fit_the_ordering(rows):
    moment = encode_cursor(T0, 1)
    with pytest.raises(BadCursor):
        paginate(rows, "priority", False, 3, after=moment)  # a time for a number
    with pytest.raises(BadCursor):
        paginate(rows, "updated_at", False, 3, after=encode_cursor(3, 1))  # a number for a time
    with pytest.raises(BadCursor):
        paginate(rows, "done", False, 3, after=encode_cursor(3, 1), nulls_last=True)
    with pytest.raises(BadCursor):  # "no value" only where values may be missing
        paginate(rows, "updated_at", False, 3, after=encode_cursor(None, 1))
    assert paginate(rows, "done", False, 3, after=encode_cursor(None, 1), nulls_last=True).rows
