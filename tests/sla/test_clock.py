"""The business clock (servicedesk.sla.clock): worked examples to the minute, and its laws as properties.

No database: the clock is plain Python.
"""

import pickle
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from servicedesk.sla import BusinessCalendar, NoWorkingTimeError, load_official_days, official_days_info
from servicedesk.sla.holidays import MissingYear, official_day_names

SHANGHAI = ZoneInfo("Asia/Shanghai")
BERLIN = ZoneInfo("Europe/Berlin")
NEW_YORK = ZoneInfo("America/New_York")
MINUTE = timedelta(minutes=1)
OFFICE = [("09:00", "12:00"), ("13:00", "18:00")]  # 8 working hours


def cn(y, mo, d, h=0, mi=0, s=0):
    return datetime(y, mo, d, h, mi, s, tzinfo=SHANGHAI)


def berlin(y, mo, d, h=0, mi=0):
    return datetime(y, mo, d, h, mi, tzinfo=BERLIN)


def utc(y, mo, d, h=0, mi=0):
    return datetime(y, mo, d, h, mi, tzinfo=UTC)


@pytest.fixture(scope="module")
def china():
    holidays, adjusted = load_official_days("CN", years=[2025, 2026])
    return BusinessCalendar("Asia/Shanghai", {d: OFFICE for d in range(5)}, holidays, adjusted)


@pytest.fixture(scope="module")
def night():
    """A night desk: Monday–Friday 22:00–06:00 in Shanghai, with the official Chinese days."""
    holidays, adjusted = load_official_days("CN", years=[2025, 2026])
    return BusinessCalendar("Asia/Shanghai", {d: [("22:00", "06:00")] for d in range(5)}, holidays, adjusted)


# --- the 2025 Spring Festival: Sun 26 Jan works (调休), Tue 28 Jan – Tue 4 Feb off, Sat 8 Feb works ---

SPRING_FESTIVAL_CASES = [
    # (case, start, due after 1 h, 4 h, 1 working day = 480 min, 3 working days = 1440 min), all Shanghai time
    (
        "before opening, Mon",
        cn(2025, 1, 20, 8, 0),
        cn(2025, 1, 20, 10),
        cn(2025, 1, 20, 14),
        cn(2025, 1, 20, 18),
        cn(2025, 1, 22, 18),
    ),
    (
        "during lunch, Mon",
        cn(2025, 1, 20, 12, 30),
        cn(2025, 1, 20, 14),
        cn(2025, 1, 20, 17),
        cn(2025, 1, 21, 12),
        cn(2025, 1, 23, 12),
    ),
    (
        "Friday evening before the adjusted Sunday",
        cn(2025, 1, 24, 19, 0),
        cn(2025, 1, 26, 10),
        cn(2025, 1, 26, 14),
        cn(2025, 1, 26, 18),
        cn(2025, 2, 5, 18),
    ),
    (
        "the day before the holiday week",
        cn(2025, 1, 27, 10, 0),
        cn(2025, 1, 27, 11),
        cn(2025, 1, 27, 15),
        cn(2025, 2, 5, 10),
        cn(2025, 2, 7, 10),
    ),
    (
        "on the adjusted Saturday",
        cn(2025, 2, 8, 9, 30),
        cn(2025, 2, 8, 10, 30),
        cn(2025, 2, 8, 14, 30),
        cn(2025, 2, 10, 9, 30),
        cn(2025, 2, 12, 9, 30),
    ),
    (
        "inside the holiday week",
        cn(2025, 1, 30, 11, 0),
        cn(2025, 2, 5, 10),
        cn(2025, 2, 5, 14),
        cn(2025, 2, 5, 18),
        cn(2025, 2, 7, 18),
    ),
    (
        "Friday evening before the adjusted Saturday",
        cn(2025, 2, 7, 17, 45),
        cn(2025, 2, 8, 9, 45),
        cn(2025, 2, 8, 13, 45),
        cn(2025, 2, 8, 17, 45),
        cn(2025, 2, 11, 17, 45),
    ),
]


@pytest.mark.parametrize("minutes,column", [(60, 0), (240, 1), (480, 2), (1440, 3)])
@pytest.mark.parametrize("case", SPRING_FESTIVAL_CASES, ids=[c[0] for c in SPRING_FESTIVAL_CASES])
def test_spring_festival_due_times(china, case, minutes, column):
    start, expected = case[1], case[2 + column]
    due = china.add_business_minutes(start, minutes)
    assert due == expected, (due.astimezone(SHANGHAI), expected)
    assert due.tzinfo is UTC
    assert china.business_minutes_between(start, due) == minutes


def test_start_in_another_zone_gives_the_same_instant(china):
    start = cn(2025, 1, 24, 19, 0)
    assert china.add_business_minutes(start.astimezone(UTC), 60) == cn(2025, 1, 26, 10)
    assert china.add_business_minutes(start.astimezone(NEW_YORK), 60) == cn(2025, 1, 26, 10)


def test_sub_minute_parts_survive(china):
    assert china.add_business_minutes(cn(2025, 1, 20, 9, 0, 30), 60) == cn(2025, 1, 20, 10, 0, 30)
    assert china.add_business_minutes(cn(2025, 1, 20, 11, 59, 30), 1) == cn(2025, 1, 20, 13, 0, 30)


def test_thirty_working_days_ahead_over_national_day(china):
    # Mon 22 Sep 2025 09:00 + 30 working days: Sep 22–26 (5), Sun 28 (调休) and Sep 29–30 (3),
    # Oct 1–8 off, Oct 9–10 (2), Sat 11 (调休, 1), then 19 more weekdays: Oct 13 … Nov 6.
    assert china.add_business_minutes(cn(2025, 9, 22, 9), 30 * 480) == cn(2025, 11, 6, 18)


def test_boundary_convention(china):
    monday = (2025, 1, 20)
    # working time is [start, end): a span's start works, its end does not
    assert china.is_working(cn(*monday, 9, 0))
    assert not china.is_working(cn(*monday, 12, 0))
    assert china.is_working(cn(*monday, 11, 59, 59))
    # a due time may equal a span's end: the earliest instant the time is used up
    assert china.add_business_minutes(cn(*monday, 9), 180) == cn(*monday, 12)
    assert china.add_business_minutes(cn(*monday, 13), 300) == cn(*monday, 18)
    # adding nothing: the start itself if it is working time or a span's end, else the next opening
    assert china.add_business_minutes(cn(*monday, 18), 0) == cn(*monday, 18)
    assert china.add_business_minutes(cn(*monday, 10), 0) == cn(*monday, 10)
    assert china.add_business_minutes(cn(*monday, 19), 0) == cn(2025, 1, 21, 9)
    assert china.next_working_moment(cn(*monday, 18)) == cn(2025, 1, 21, 9)
    assert china.next_working_moment(cn(*monday, 12, 30)) == cn(*monday, 13)
    assert china.next_working_moment(cn(*monday, 10)) == cn(*monday, 10)
    assert china.next_working_moment(cn(2025, 1, 27, 18)) == cn(2025, 2, 5, 9)


def test_holiday_and_adjusted_day_status(china):
    assert not china.is_working(cn(2025, 1, 28, 10))  # Spring Festival (Tuesday)
    assert china.is_working(cn(2025, 1, 26, 10))  # adjusted Sunday
    assert china.is_working(cn(2025, 2, 8, 10))  # adjusted Saturday
    assert not china.is_working(cn(2025, 2, 9, 10))  # ordinary Sunday
    assert not china.is_working(cn(2026, 2, 17, 10))  # 2026 Spring Festival
    assert china.is_working(cn(2026, 2, 14, 10))  # 2026 adjusted Saturday
    assert china.schedule_for(date(2025, 2, 8)) == china.weekly[0]


def test_business_minutes_between(china):
    a, b = cn(2025, 1, 24, 17), cn(2025, 2, 5, 10)
    # Fri 17–18 (60) + Sun 26 (480) + Mon 27 (480) + holiday week (0) + Wed 5 Feb 09–10 (60)
    assert china.business_minutes_between(a, b) == 1080
    assert china.business_minutes_between(b, a) == -1080
    assert china.business_minutes_between(a, a) == 0
    # whole minutes, truncated toward zero
    nine = cn(2025, 1, 20, 9)
    assert china.business_minutes_between(nine, nine + timedelta(seconds=59)) == 0
    assert china.business_minutes_between(nine + timedelta(seconds=59), nine) == 0
    assert china.business_minutes_between(nine, nine + timedelta(seconds=90)) == 1
    assert china.business_minutes_between(nine + timedelta(seconds=90), nine) == -1
    assert china.business_time_between(nine, nine + timedelta(seconds=90)) == timedelta(seconds=90)
    assert china.business_time_between(cn(2025, 1, 20, 11, 59), cn(2025, 1, 20, 13, 1)) == 2 * MINUTE


def test_working_intervals(china):
    got = list(china.working_intervals(cn(2025, 1, 27, 10), cn(2025, 2, 6, 0)))
    assert got == [
        (cn(2025, 1, 27, 10), cn(2025, 1, 27, 12)),
        (cn(2025, 1, 27, 13), cn(2025, 1, 27, 18)),
        (cn(2025, 2, 5, 9), cn(2025, 2, 5, 12)),
        (cn(2025, 2, 5, 13), cn(2025, 2, 5, 18)),
    ]
    assert all(s.tzinfo is UTC and e.tzinfo is UTC for s, e in got)
    assert list(china.working_intervals(cn(2025, 1, 28), cn(2025, 2, 4, 23))) == []
    assert list(china.working_intervals(cn(2025, 1, 20, 10), cn(2025, 1, 20, 9))) == []


def test_elapsed_with_pauses(china):
    monday = (2025, 1, 20)
    periods = [(cn(*monday, 9), cn(*monday, 10)), (cn(*monday, 11, 30), cn(*monday, 14))]
    assert china.business_minutes_elapsed(periods) == 60 + 30 + 60
    # a running period ends at now
    assert china.business_minutes_elapsed([(cn(*monday, 9), None)], now=cn(*monday, 9, 45)) == 45
    with pytest.raises(ValueError):
        china.business_minutes_elapsed([(cn(*monday, 9), None)])
    # overlapping periods count once; reversed ones count nothing
    assert (
        china.business_minutes_elapsed([(cn(*monday, 9), cn(*monday, 10)), (cn(*monday, 9, 30), cn(*monday, 10, 30))])
        == 90
    )
    assert china.business_minutes_elapsed([(cn(*monday, 10), cn(*monday, 9))]) == 0
    # seconds are summed before truncating: two 30-second runs are one minute, not 0 + 0
    periods = [(cn(*monday, 9, 0, 0), cn(*monday, 9, 0, 30)), (cn(*monday, 9, 1, 0), cn(*monday, 9, 1, 30))]
    assert china.business_minutes_elapsed(periods) == 1


# --- spans over midnight ------------------------------------------------------------------------


def test_night_span_belongs_to_the_day_it_starts(night):
    # Friday 24 Jan 2025 22:00 → Saturday 06:00
    assert night.is_working(cn(2025, 1, 24, 22))
    assert night.is_working(cn(2025, 1, 25, 5, 59))
    assert not night.is_working(cn(2025, 1, 25, 6))
    assert not night.is_working(cn(2025, 1, 20, 3))  # Monday early morning: Sunday has no span
    # Tue 30 Sep (working) runs into the 1 Oct holiday; 1 Oct itself starts nothing
    assert night.is_working(cn(2025, 10, 1, 3))
    assert not night.is_working(cn(2025, 10, 1, 23))
    # Mon 27 Jan (the day before the holiday week) runs into Tue 28 Jan
    assert night.is_working(cn(2025, 1, 28, 5))
    assert not night.is_working(cn(2025, 1, 28, 23))
    # the adjusted Saturday 8 Feb works the Monday schedule: 22:00 → Sunday 06:00
    assert night.is_working(cn(2025, 2, 8, 23))
    assert night.is_working(cn(2025, 2, 9, 5))
    assert not night.is_working(cn(2025, 2, 9, 22))


def test_night_due_times(night):
    assert night.add_business_minutes(cn(2025, 1, 20, 21), 60) == cn(2025, 1, 20, 23)
    assert night.add_business_minutes(cn(2025, 1, 20, 23), 420) == cn(2025, 1, 21, 6)  # a span's end
    assert night.add_business_minutes(cn(2025, 1, 20, 23), 421) == cn(2025, 1, 21, 22, 1)
    # Fri 23:00 + 8 h: 7 h until Sat 06:00, then Sun 26 Jan (adjusted) 22:00 + 1 h
    assert night.add_business_minutes(cn(2025, 1, 24, 23), 480) == cn(2025, 1, 26, 23)
    # Mon 27 Jan 23:00 + 8 h: 7 h until Tue 06:00, then the holidays, then Wed 5 Feb 22:00 + 1 h
    assert night.add_business_minutes(cn(2025, 1, 27, 23), 480) == cn(2025, 2, 5, 23)
    assert night.business_minutes_between(cn(2025, 1, 24, 12), cn(2025, 1, 25, 12)) == 480


def test_touching_spans_form_one_stretch():
    cal = BusinessCalendar("Asia/Shanghai", {d: [("06:00", "22:00"), ("22:00", "06:00")] for d in range(5)})
    assert list(cal.working_intervals(cn(2025, 1, 19), cn(2025, 1, 26))) == [(cn(2025, 1, 20, 6), cn(2025, 1, 25, 6))]
    assert cal.add_business_minutes(cn(2025, 1, 20, 6), 16 * 60) == cn(2025, 1, 20, 22)
    assert cal.add_business_minutes(cn(2025, 1, 24, 20), 10 * 60) == cn(2025, 1, 25, 6)
    assert cal.add_business_minutes(cn(2025, 1, 24, 20), 10 * 60 + 1) == cn(2025, 1, 27, 6, 1)


def test_round_the_clock_calendar_is_elapsed_time():
    cal = BusinessCalendar("Europe/Berlin", [[("00:00", "00:00")]] * 7)
    start = berlin(2025, 3, 20, 10, 15).astimezone(UTC)  # 30 days that include the spring change
    assert cal.add_business_minutes(start, 30 * 1440) == start + timedelta(days=30)
    assert cal.add_business_minutes(start, 30 * 1440) == berlin(2025, 4, 19, 11, 15)
    assert cal.business_minutes_between(berlin(2025, 3, 30), berlin(2025, 3, 31)) == 23 * 60
    assert cal.business_minutes_between(berlin(2025, 10, 26), berlin(2025, 10, 27)) == 25 * 60
    assert list(cal.working_intervals(start, start + timedelta(days=3))) == [(start, start + timedelta(days=3))]


# --- time zones with daylight saving ------------------------------------------------------------

DAILY_9_TO_5 = [[("09:00", "17:00")]] * 7
NIGHTLY = [[("22:00", "06:00")]] * 7


@pytest.mark.parametrize("day", [date(2025, 3, 30), date(2025, 10, 26)], ids=["spring", "autumn"])
def test_berlin_office_day_is_eight_hours_on_change_days(day):
    cal = BusinessCalendar("Europe/Berlin", DAILY_9_TO_5)
    start = berlin(day.year, day.month, day.day, 9)
    assert cal.add_business_minutes(start, 480) == berlin(day.year, day.month, day.day, 17)
    assert cal.business_minutes_between(berlin(day.year, day.month, day.day), start + timedelta(days=1)) == 480
    ((s, e),) = cal.working_intervals(start - timedelta(hours=9), start + timedelta(hours=12))
    assert (s, e) == (start, berlin(day.year, day.month, day.day, 17))


def test_berlin_night_span_over_the_changes():
    cal = BusinessCalendar("Europe/Berlin", NIGHTLY)
    # Sat 29 Mar 22:00 CET (21:00 UTC) → Sun 30 Mar 06:00 CEST (04:00 UTC): 7 hours
    assert cal.business_minutes_between(berlin(2025, 3, 29, 12), berlin(2025, 3, 30, 12)) == 420
    assert cal.add_business_minutes(berlin(2025, 3, 29, 22), 420) == utc(2025, 3, 30, 4)
    assert cal.add_business_minutes(berlin(2025, 3, 29, 22), 421) == berlin(2025, 3, 30, 22, 1)
    assert cal.add_business_minutes(berlin(2025, 3, 29, 22), 120) == utc(2025, 3, 29, 23)
    # Sat 25 Oct 22:00 CEST (20:00 UTC) → Sun 26 Oct 06:00 CET (05:00 UTC): 9 hours
    assert cal.business_minutes_between(berlin(2025, 10, 25, 12), berlin(2025, 10, 26, 12)) == 540
    assert cal.add_business_minutes(berlin(2025, 10, 25, 22), 540) == utc(2025, 10, 26, 5)
    # 5 hours after 22:00 CEST: the wall clock shows 02:00 for the second time (CET)
    assert cal.add_business_minutes(berlin(2025, 10, 25, 22), 300) == utc(2025, 10, 26, 1)


def test_berlin_spans_in_the_gap_and_the_repeated_hour():
    # 01:00–04:00 on the change days: 2 h in spring, 4 h in autumn
    cal = BusinessCalendar("Europe/Berlin", {6: [("01:00", "04:00")]})
    assert list(cal.working_intervals(utc(2025, 3, 29), utc(2025, 3, 31))) == [
        (utc(2025, 3, 30, 0), utc(2025, 3, 30, 2))
    ]
    assert cal.business_minutes_between(utc(2025, 10, 25), utc(2025, 10, 27)) == 240
    # a span inside the gap is empty (02:30 reads as 01:30 UTC, 03:30 CEST is 01:30 UTC)
    gap = BusinessCalendar("Europe/Berlin", {6: [("02:30", "03:30")]})
    assert gap.business_minutes_between(utc(2025, 3, 29), utc(2025, 3, 31)) == 0
    assert gap.business_minutes_between(utc(2025, 4, 5), utc(2025, 4, 7)) == 60
    # a span starting in the repeated hour starts at its first occurrence (fold=0):
    # 02:30 CEST (00:30 UTC) → 03:00 CET (02:00 UTC) = 90 minutes
    repeated = BusinessCalendar("Europe/Berlin", {6: [("02:30", "03:00")]})
    assert list(repeated.working_intervals(utc(2025, 10, 25), utc(2025, 10, 27))) == [
        (utc(2025, 10, 26, 0, 30), utc(2025, 10, 26, 2))
    ]
    # instants with nonexistent or ambiguous local times never crash
    for t in [datetime(2025, 3, 30, 2, 30, tzinfo=BERLIN), datetime(2025, 10, 26, 2, 30, fold=1, tzinfo=BERLIN)]:
        cal.is_working(t)
        cal.next_working_moment(t)
        cal.add_business_minutes(t, 90)


def test_new_york_change_days():
    cal = BusinessCalendar("America/New_York", DAILY_9_TO_5)
    for d in (9, 10):  # Sun 9 Mar 2025 is the spring change
        assert (
            cal.business_minutes_between(
                datetime(2025, 3, d, tzinfo=NEW_YORK), datetime(2025, 3, d + 1, tzinfo=NEW_YORK)
            )
            == 480
        )
    assert cal.add_business_minutes(datetime(2025, 11, 1, 16, tzinfo=NEW_YORK), 120) == datetime(
        2025, 11, 2, 10, tzinfo=NEW_YORK
    )  # Sun 2 Nov 2025 is the autumn change
    nights = BusinessCalendar("America/New_York", NIGHTLY)
    assert nights.business_minutes_between(utc(2025, 3, 8, 12), utc(2025, 3, 9, 16)) == 420
    assert nights.business_minutes_between(utc(2025, 11, 1, 12), utc(2025, 11, 2, 17)) == 540


# --- construction and value semantics -----------------------------------------------------------


def test_calendar_is_an_immutable_value(china):
    with pytest.raises(AttributeError):
        china.tz = "UTC"
    with pytest.raises(TypeError):
        china.adjusted_workdays[date(2025, 3, 1)] = 0
    again = BusinessCalendar("Asia/Shanghai", [OFFICE] * 5 + [[], []], *load_official_days("CN", years=[2025, 2026]))
    assert again == china and hash(again) == hash(china)
    assert pickle.loads(pickle.dumps(china)) == china
    closed = china.with_days(holidays={date(2025, 2, 8)})  # a holiday wins over an adjusted day
    assert not closed.is_working(cn(2025, 2, 8, 10)) and china.is_working(cn(2025, 2, 8, 10))
    assert closed != china
    spans = BusinessCalendar("UTC", {0: [(time(9), time(12))]})
    assert spans.weekly[0] == ((time(9), time(12)),) and spans.weekly[1] == ()


def test_bad_input_is_refused(china):
    with pytest.raises(ValueError, match="naive"):
        china.is_working(datetime(2025, 1, 20, 10))
    with pytest.raises(ValueError):
        china.add_business_minutes(cn(2025, 1, 20, 10), -1)
    with pytest.raises(TypeError):
        china.add_business_minutes(cn(2025, 1, 20, 10), 1.5)
    with pytest.raises(ValueError):
        BusinessCalendar("UTC", {7: OFFICE})
    with pytest.raises(ValueError):
        BusinessCalendar("UTC", [OFFICE] * 5)
    with pytest.raises(ValueError):
        BusinessCalendar("UTC", [OFFICE] * 7, adjusted_workdays={date(2025, 1, 4): 7})
    with pytest.raises(ZoneInfoNotFoundError):
        BusinessCalendar("Mars/Olympus", [OFFICE] * 7)
    with pytest.raises(NoWorkingTimeError):
        BusinessCalendar("UTC", [[]] * 7).add_business_minutes(utc(2025, 1, 1), 1)
    only_2025 = BusinessCalendar(
        "UTC", {0: OFFICE}, holidays={date(2025, 1, 6) + timedelta(weeks=w) for w in range(52)}
    )
    assert only_2025.add_business_minutes(utc(2025, 1, 1), 60) == utc(2026, 1, 5, 10)
    always_off = BusinessCalendar(
        "UTC", {0: OFFICE}, holidays={date(2025, 1, 6) + timedelta(weeks=w) for w in range(600)}
    )
    with pytest.raises(NoWorkingTimeError):
        always_off.add_business_minutes(utc(2025, 1, 1), 60)
    assert not always_off.is_working(utc(2025, 1, 6, 10))


# --- the official data --------------------------------------------------------------------------


def test_official_chinese_days():
    holidays, adjusted = load_official_days("CN", years=[2025, 2026])
    info = official_days_info("CN")
    assert {2025, 2026} <= set(info["years"]) and info["source"].startswith("chinesecalendar ")
    assert len(holidays) == 28 + 33 and len(adjusted) == 5 + 6
    assert date(2025, 1, 28) in holidays and date(2025, 2, 4) in holidays and date(2025, 2, 5) not in holidays
    assert date(2025, 10, 8) in holidays and date(2026, 2, 23) in holidays
    assert adjusted == {
        d: 0
        for d in [
            date(2025, 1, 26),
            date(2025, 2, 8),
            date(2025, 4, 27),
            date(2025, 9, 28),
            date(2025, 10, 11),
            date(2026, 1, 4),
            date(2026, 2, 14),
            date(2026, 2, 28),
            date(2026, 5, 9),
            date(2026, 9, 20),
            date(2026, 10, 10),
        ]
    }
    assert all(d.weekday() >= 5 for d in adjusted) and not set(adjusted) & holidays
    h25, a25 = load_official_days("cn", years=[2025], works_as=4)
    assert all(d.year == 2025 for d in h25) and set(a25.values()) == {4} and len(a25) == 5
    with pytest.raises(LookupError):
        load_official_days("XX")
    with pytest.raises(MissingYear, match=r"no official days for 2999: it covers 2004–20\d\d.*pip install -U"):
        load_official_days("CN", years=[2025, 2999])
    names = official_day_names("CN", years=[2026])
    assert names[date(2026, 2, 16)] == "春节 Spring Festival" and names[date(2026, 2, 14)] == "春节 Spring Festival"


# --- laws (hypothesis) --------------------------------------------------------------------------

ZONES = ["Asia/Shanghai", "UTC", "Europe/Berlin", "America/New_York", "Australia/Lord_Howe"]
FIXED_ZONES = ["Asia/Shanghai", "UTC"]
BASE = datetime(2025, 1, 1, tzinfo=UTC)
RANGE_MINUTES = 400 * 1440


def _weekly(entries):
    """(weekday, start minute, length in minutes) → a weekly schedule; end <= start runs over midnight."""
    weekly = {}
    for weekday, start, length in entries:
        end = (start + length) % 1440  # a length of 1440 is a whole day (end == start)
        weekly.setdefault(weekday, []).append((time(start // 60, start % 60), time(end // 60, end % 60)))
    return weekly


def calendars(zones=ZONES):
    days = st.dates(date(2024, 12, 1), date(2026, 3, 31))
    spans = st.tuples(st.integers(0, 6), st.integers(0, 1439), st.integers(30, 1440))
    return st.builds(
        BusinessCalendar,
        st.sampled_from(zones),
        st.lists(spans, min_size=1, max_size=12).map(_weekly),
        st.frozensets(days, max_size=20),
        st.dictionaries(days, st.integers(0, 6), max_size=6),
    )


instants = st.integers(0, RANGE_MINUTES).map(lambda m: BASE + m * MINUTE)  # whole minutes
fine_instants = st.integers(0, RANGE_MINUTES * 60_000_000).map(lambda us: BASE + timedelta(microseconds=us))
amounts = st.integers(0, 3000)
LAWS = settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@LAWS
@given(calendars(), instants, amounts, amounts)
def test_adding_is_monotone(cal, t, m1, m2):
    m1, m2 = sorted((m1, m2))
    assert cal.add_business_minutes(t, m1) <= cal.add_business_minutes(t, m2)


@LAWS
@given(calendars(), fine_instants, amounts, amounts)
def test_adding_is_additive(cal, t, a, b):
    assert cal.add_business_minutes(cal.add_business_minutes(t, a), b) == cal.add_business_minutes(t, a + b)


@LAWS
@given(calendars(), fine_instants, amounts)
def test_between_inverts_adding(cal, t, m):
    due = cal.add_business_minutes(t, m)
    assert due >= t
    assert cal.business_minutes_between(t, due) == m
    assert cal.business_time_between(t, due) == m * MINUTE
    assert cal.business_minutes_between(due, t) == -m


@LAWS
@given(calendars(), instants, amounts)
def test_a_due_time_is_never_in_closed_time(cal, t, m):
    due = cal.add_business_minutes(t, m)
    # working time, or (whole-minute calendars and instants) the end of a working stretch
    assert cal.is_working(due) or cal.is_working(due - MINUTE)
    if m > 0:
        assert cal.is_working(due - MINUTE)
    assert cal.next_working_moment(t) >= t
    assert cal.is_working(cal.next_working_moment(t))


@LAWS
@given(calendars(), fine_instants, st.lists(fine_instants, min_size=2, max_size=8))
def test_pausing_and_resuming_loses_no_time(cal, t, cuts):
    points = sorted([t, *cuts])
    start, end = points[0], points[-1]
    pieces = list(zip(points, points[1:], strict=False))
    running, paused = pieces[0::2], pieces[1::2]
    whole = cal.business_time_elapsed([(start, end)])
    assert cal.business_time_elapsed(running) + cal.business_time_elapsed(paused) == whole
    assert whole == cal.business_time_between(start, end)
    assert sum((cal.business_time_between(a, b) for a, b in pieces), timedelta()) == whole
    # the same periods in any order, and a still-running last period, give the same total
    assert cal.business_time_elapsed(list(reversed(running))) == cal.business_time_elapsed(running)
    assert cal.business_time_elapsed([(start, None)], now=end) == whole


@LAWS
@given(calendars(), instants, st.lists(instants, min_size=1, max_size=5))
def test_pausing_and_resuming_loses_no_minute(cal, t, cuts):
    points = sorted([t, *cuts])
    pieces = list(zip(points, points[1:], strict=False))
    running, paused = pieces[0::2], pieces[1::2]
    whole = cal.business_minutes_elapsed([(points[0], points[-1])])
    assert cal.business_minutes_elapsed(running) + cal.business_minutes_elapsed(paused) == whole


@LAWS
@given(calendars(), fine_instants, st.integers(0, 20 * 1440))
def test_working_intervals_agree_with_the_rest(cal, t, width):
    end = t + width * MINUTE
    intervals = list(cal.working_intervals(t, end))
    assert sum((e - s for s, e in intervals), timedelta()) == cal.business_time_between(t, end)
    for (s1, e1), (s2, e2) in zip(intervals, intervals[1:], strict=False):
        assert t <= s1 < e1 < s2 < e2 <= end  # disjoint, ordered, not touching
    for s, e in intervals:
        assert cal.is_working(s) and cal.is_working(e - timedelta(microseconds=1))
        if e < end:
            assert not cal.is_working(e)


def _oracle_working(cal, t):
    """Working or not, straight from the definition (fixed-offset zones only)."""
    local = t.astimezone(ZoneInfo(cal.tz)).replace(tzinfo=None)
    for day in (local.date() - timedelta(days=1), local.date()):
        if day in cal.holidays:
            continue
        for s, e in cal.weekly[cal.adjusted_workdays.get(day, day.weekday())]:
            begin = datetime.combine(day, s)
            finish = datetime.combine(day + timedelta(days=1) if e <= s else day, e)
            if begin <= local < finish:
                return True
    return False


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(calendars(FIXED_ZONES), instants, st.integers(0, 600))
def test_against_a_minute_by_minute_oracle(cal, t, m):
    window = [t + i * MINUTE for i in range(-1, 2 * 1440)]
    for u in window[::13]:
        assert cal.is_working(u) == _oracle_working(cal, u)
    # add: walk minute by minute, counting working minutes
    if m == 0:
        u = t
        if not (_oracle_working(cal, t) or _oracle_working(cal, t - MINUTE)):
            while not _oracle_working(cal, u):
                u += MINUTE
                assume(u < t + timedelta(days=30))
    else:
        u, counted = t, 0
        while counted < m:
            counted += _oracle_working(cal, u)
            u += MINUTE
            assume(u < t + timedelta(days=30))
    assert cal.add_business_minutes(t, m) == u
    assert cal.business_minutes_between(t, t + 1440 * MINUTE) == sum(_oracle_working(cal, v) for v in window[1:1441])
