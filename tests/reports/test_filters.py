"""Report filters: parsing, periods cut in the viewer's zone, the previous period and the URL round trip."""

import datetime

import pytest
from django.utils import translation

from servicedesk.core.errors import ActionError
from servicedesk.reports.kpis import Filters

D = datetime.date


def parse(**params):
    return Filters.from_query(params, user=None, tz="Asia/Shanghai")


def test_start_end_and_round_trip():
    filters = parse(start="2026-01-01", end="2026-12-31", group="3", channel="phone")
    assert (filters.start, filters.end, filters.tz, filters.granularity) == (D(2026, 1, 1), D(2026, 12, 31),
                                                                             "Asia/Shanghai", "month")
    assert filters.group == 3 and filters.channel == "phone"
    assert Filters.from_query(filters.as_query(), user=None, tz="UTC") == filters


def test_a_day_is_cut_in_the_viewers_zone():
    filters = parse(start="2026-02-01", end="2026-02-28")
    assert filters.utc_range() == (datetime.datetime(2026, 1, 31, 16, tzinfo=datetime.UTC),
                                   datetime.datetime(2026, 2, 28, 16, tzinfo=datetime.UTC))
    assert len(filters.periods()) == 28 and filters.granularity == "day"


def test_weeks_start_on_monday_and_months_on_the_first():
    weeks = parse(start="2026-02-01", end="2026-02-28", granularity="week").periods()
    assert weeks[0] == D(2026, 1, 26) and weeks[1] == D(2026, 2, 2) and len(weeks) == 5
    assert parse(start="2026-01-15", end="2026-03-02", granularity="month").periods() == [
        D(2026, 1, 1), D(2026, 2, 1), D(2026, 3, 1)]


def test_previous_period():
    assert parse(start="2026-03-01", end="2026-03-31").previous().start == D(2026, 2, 1)
    assert parse(start="2026-03-01", end="2026-03-31").previous().end == D(2026, 2, 28)
    assert parse(start="2026-03-10", end="2026-03-16").previous().start == D(2026, 3, 3)


def test_shortcuts():
    filters = parse(period="last_year")
    assert filters.start.month == 1 and filters.end - filters.start == datetime.timedelta(days=364) or \
        filters.end - filters.start == datetime.timedelta(days=365)


@pytest.mark.parametrize(("params", "words"), [
    ({"start": "2026-02-30"}, "“start”"),
    ({"start": "2026-03-01", "end": "2026-02-01"}, "“end”"),
    ({"granularity": "hour"}, "“granularity”"),
    ({"group": "x"}, "“group”"),
    ({"channel": "pigeon"}, "“channel”"),
    ({"tz": "Mars/Olympus"}, "“tz”"),
    ({"period": "someday"}, "“period”"),
    ({"start": "2000-01-01", "end": "2026-01-01", "granularity": "day"}, "“granularity”"),
])
def test_bad_parameters_are_named(params, words):
    with pytest.raises(ActionError) as refused:
        parse(**params)
    assert words in refused.value.message


def test_the_refusal_is_translated():
    with translation.override("zh-hans"), pytest.raises(ActionError) as refused:
        parse(start="yesterday")
    assert "参数" in refused.value.message
