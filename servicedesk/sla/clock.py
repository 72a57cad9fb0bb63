"""Business-time clock maths: plain Python, no Django.

A :class:`BusinessCalendar` says when a desk works: a weekly schedule of wall-clock spans in one
IANA time zone, holidays (local dates on which nobody works) and adjusted working days (调休: a
local date that works the schedule of another weekday, e.g. a Saturday that works like a Monday).
Everything that turns "N business minutes" into an instant, or two instants into business
minutes, lives here, so policies and the SLA evaluator never do clock arithmetic themselves.

Conventions (the tests in tests/sla/test_clock.py hold the module to them):

Instants
    Every argument is an *aware* datetime (any zone; a naive one raises ``ValueError``); every
    result is an aware datetime in UTC. Arithmetic is exact to the microsecond internally, so
    sub-minute parts of an input survive (09:00:30 + 60 business minutes = 10:00:30).

Working time is half-open
    A span covers ``[start, end)``: :meth:`~BusinessCalendar.is_working` is true at a span's start
    and false at its end. Spans that touch or overlap (a night shift ending 06:00 and a day shift
    starting 06:00, or 24/7 made of ``00:00–00:00`` spans) form one continuous stretch.

Spans over midnight
    A weekday's span ``(start, end)`` with ``end <= start`` runs from ``start`` on that date to
    ``end`` on the next date (``00:00–00:00`` is a whole 24-hour day). The span belongs to the date
    it *starts* on: whether Friday 22:00–06:00 is worked is decided by Friday's status (holiday,
    adjusted day), whatever Saturday's status is.

Day status
    For a local date: a holiday works nothing (a holiday wins over an adjusted working day, so an
    organisation can close on an official 调休 day by adding it to its holidays); otherwise an
    adjusted working day works the schedule of its mapped weekday; otherwise the date works its
    own weekday's schedule.

Time zones and DST
    Span times are wall-clock times, resolved per date through :mod:`zoneinfo` with ``fold=0``.
    A 09:00–17:00 span is 8 hours on a DST change day too (the change happens outside it); a night
    span 22:00–06:00 over the spring change is 7 hours, over the autumn change 9 hours. A wall time
    that does not exist (the spring gap) is read with the offset in force *before* the change, so
    02:30 in Europe/Berlin on the spring change day is 01:30 UTC (= 03:30 summer time): a span
    starting in the gap starts when the clocks have jumped, a span ending in the gap ends at the
    jump. An ambiguous wall time (the repeated autumn hour) is its *first* occurrence. A span
    whose resolved end is not after its resolved start (e.g. 02:00–03:00 on the spring change day)
    is empty. Nothing raises at a transition.

Adding business time (:meth:`~BusinessCalendar.add_business_minutes`)
    The clock starts at ``start`` if ``start`` is working time or the end of a working stretch,
    otherwise at :meth:`~BusinessCalendar.next_working_moment`. The result is the *earliest*
    instant at which ``minutes`` business minutes have elapsed since the clock started. Hence a
    due time may equal the *end* of a span (a target that uses up Monday afternoon exactly is due
    Monday 18:00, not Tuesday 09:00), and is otherwise inside working time; it is never in a
    closed period. ``add(t, 0)`` is ``t`` or the next working moment. The laws: monotone in
    ``minutes``; additive ``add(add(t, a), b) == add(t, a + b)``; inverse
    ``business_minutes_between(t, add(t, m)) == m``.

Measuring business time
    :meth:`~BusinessCalendar.business_time_between` is the exact working time in ``[a, b)`` as a
    ``timedelta`` (negative when ``b < a``). :meth:`~BusinessCalendar.business_minutes_between` is
    that in whole minutes, truncated toward zero (59 s of business time is 0 minutes; ``b < a``
    gives the negated count). :meth:`~BusinessCalendar.business_time_elapsed` sums running periods
    (a clock that runs between resume and pause) exactly, taking overlapping periods once, and
    only then truncates to minutes, so pausing and resuming loses no time.

Efficiency
    A date's spans are resolved to UTC once per calendar instance and cached; adding and measuring
    walk span by span, day by day (never minute by minute). Calendars are immutable and hashable:
    keep one instance per calendar to keep its cache warm.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping, Sequence
from datetime import UTC, date, datetime, time, timedelta
from types import MappingProxyType
from zoneinfo import ZoneInfo

__all__ = ["BusinessCalendar", "NoWorkingTimeError", "Span"]

Span = tuple[time, time]

_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_US_PER_MINUTE = 60_000_000
_US_PER_DAY = 86_400_000_000
# A calendar with this many consecutive days without working time is treated as never working
# again: adding business time to it raises instead of looping for ever.
_MAX_IDLE_DAYS = 3_660
_CACHE_LIMIT = 50_000


class NoWorkingTimeError(ValueError):
    """The calendar has no working time from the given instant on, so a due time does not exist."""


def _to_us(dt: datetime) -> int:
    """Microseconds since the Unix epoch of an aware datetime (exact, no float)."""
    if dt.tzinfo is None or dt.utcoffset() is None:
        raise ValueError(f"naive datetime {dt!r}: pass an aware datetime (e.g. in UTC)")
    d = dt - _EPOCH
    return (d.days * 86_400 + d.seconds) * 1_000_000 + d.microseconds


def _from_us(us: int) -> datetime:
    return _EPOCH + timedelta(microseconds=us)


def _as_time(value: time | str) -> time:
    if isinstance(value, str):
        value = time.fromisoformat(value)
    if not isinstance(value, time):
        raise TypeError(f"span bounds must be datetime.time or 'HH:MM' strings, not {value!r}")
    if value.tzinfo is not None:
        raise ValueError(f"span bound {value!r} must be a naive wall-clock time")
    return value.replace(fold=0)


def _as_date(value: date | str) -> date:
    if isinstance(value, str):
        return date.fromisoformat(value)
    if isinstance(value, datetime) or not isinstance(value, date):
        raise TypeError(f"expected a local date, not {value!r}")
    return value


def _normalise_weekly(weekly) -> tuple[tuple[Span, ...], ...]:
    if isinstance(weekly, Mapping):
        unknown = set(weekly) - set(range(7))
        if unknown:
            raise ValueError(f"weekdays are 0 (Monday) to 6 (Sunday), not {sorted(unknown)}")
        days = [weekly.get(i, ()) for i in range(7)]
    else:
        days = list(weekly)
        if len(days) != 7:
            raise ValueError("a weekly schedule has 7 entries, Monday (0) to Sunday (6)")
    out = []
    for spans in days:
        norm = []
        for span in spans or ():
            start, end = span
            norm.append((_as_time(start), _as_time(end)))
        out.append(tuple(sorted(norm)))
    return tuple(out)


class BusinessCalendar:
    """An immutable business calendar. See the module docstring for the conventions.

    :param tz: IANA time zone name, e.g. ``"Asia/Shanghai"``.
    :param weekly: for each weekday 0 (Monday)…6 (Sunday) a list of ``(start, end)`` local
        ``datetime.time`` spans (or ``"HH:MM"`` strings); ``end <= start`` runs over midnight.
        Either a 7-item sequence or a mapping ``{weekday: spans}`` (missing weekdays: no work).
    :param holidays: local dates without work.
    :param adjusted_workdays: local date → weekday whose schedule applies that date (调休).
    """

    __slots__ = ("tz", "weekly", "holidays", "adjusted_workdays", "_zone", "_cache", "_key", "_may_work")

    tz: str
    weekly: tuple[tuple[Span, ...], ...]
    holidays: frozenset[date]
    adjusted_workdays: Mapping[date, int]

    def __init__(
        self,
        tz: str,
        weekly: Sequence[Iterable[Span]] | Mapping[int, Iterable[Span]],
        holidays: Iterable[date] = (),
        adjusted_workdays: Mapping[date, int] | None = None,
    ) -> None:
        zone = ZoneInfo(tz)  # raises ZoneInfoNotFoundError for an unknown name
        week = _normalise_weekly(weekly)
        hols = frozenset(_as_date(d) for d in holidays)
        adjusted = {}
        for d, weekday in (adjusted_workdays or {}).items():
            if not isinstance(weekday, int) or isinstance(weekday, bool) or not 0 <= weekday <= 6:
                raise ValueError(f"adjusted working day {d}: weekday must be 0–6, not {weekday!r}")
            adjusted[_as_date(d)] = weekday
        adjusted = dict(sorted(adjusted.items()))
        set_ = object.__setattr__
        set_(self, "tz", tz)
        set_(self, "weekly", week)
        set_(self, "holidays", hols)
        set_(self, "adjusted_workdays", MappingProxyType(adjusted))
        set_(self, "_zone", zone)
        set_(self, "_cache", {})
        set_(self, "_key", (tz, week, hols, tuple(adjusted.items())))
        set_(self, "_may_work", any(week) or any(week[w] for d, w in adjusted.items() if d not in hols))

    # -- value semantics -------------------------------------------------------------------------

    def __setattr__(self, name, value):
        raise AttributeError(f"{type(self).__name__} is immutable")

    def __delattr__(self, name):
        raise AttributeError(f"{type(self).__name__} is immutable")

    def __eq__(self, other):
        if not isinstance(other, BusinessCalendar):
            return NotImplemented
        return self._key == other._key

    def __hash__(self):
        return hash(self._key)

    def __reduce__(self):
        return (type(self), (self.tz, self.weekly, self.holidays, dict(self.adjusted_workdays)))

    def __repr__(self):
        return (
            f"BusinessCalendar(tz={self.tz!r}, weekly={self.weekly!r}, holidays=<{len(self.holidays)} dates>, "
            f"adjusted_workdays=<{len(self.adjusted_workdays)} dates>)"
        )

    def with_days(
        self, holidays: Iterable[date] = (), adjusted_workdays: Mapping[date, int] | None = None
    ) -> BusinessCalendar:
        """A new calendar with extra holidays and adjusted working days (later entries win)."""
        adjusted = dict(self.adjusted_workdays)
        adjusted.update(adjusted_workdays or {})
        return BusinessCalendar(self.tz, self.weekly, self.holidays | set(holidays), adjusted)

    # -- per-date spans --------------------------------------------------------------------------

    def schedule_for(self, day: date) -> tuple[Span, ...]:
        """The wall-clock spans that start on local date ``day`` (after holidays and 调休)."""
        if day in self.holidays:
            return ()
        return self.weekly[self.adjusted_workdays.get(day, day.weekday())]

    def _day(self, ordinal: int) -> tuple[tuple[int, int], ...]:
        """The UTC spans (µs since epoch) starting on the local date with this ordinal, by start."""
        cache = self._cache
        try:
            return cache[ordinal]
        except KeyError:
            pass
        day = date.fromordinal(ordinal)
        spans = self.schedule_for(day)
        out = []
        if spans:
            zone = self._zone
            next_day = None
            for start, end in spans:
                s = _to_us(datetime.combine(day, start, tzinfo=zone))
                if end <= start:
                    next_day = next_day or date.fromordinal(ordinal + 1)
                    e = _to_us(datetime.combine(next_day, end, tzinfo=zone))
                else:
                    e = _to_us(datetime.combine(day, end, tzinfo=zone))
                if e > s:
                    out.append((s, e))
            out.sort()
        result = tuple(out)
        if len(cache) >= _CACHE_LIMIT:
            cache.clear()
        cache[ordinal] = result
        return result

    def _ordinal(self, dt: datetime) -> int:
        """The local date (as an ordinal) of an aware instant."""
        return dt.astimezone(self._zone).toordinal()

    def _spans(self, first: int, last: int | None = None) -> Iterator[tuple[int, int]]:
        """UTC spans of the local dates ``first``…``last`` (open-ended if None), sorted by start.

        Starts are ordered across dates because a date's spans start within that date. Open-ended
        iteration raises NoWorkingTimeError after _MAX_IDLE_DAYS dates without any span.
        """
        if last is None and not self._may_work:
            raise NoWorkingTimeError("the calendar has no working time at all")
        day = self._day
        ordinal = first
        idle = 0
        while last is None or ordinal <= last:
            spans = day(ordinal)
            if spans:
                idle = 0
                yield from spans
            elif last is None:
                idle += 1
                if idle > _MAX_IDLE_DAYS:
                    raise NoWorkingTimeError(f"no working time within {_MAX_IDLE_DAYS} days")
            ordinal += 1

    # -- queries ---------------------------------------------------------------------------------

    def is_working(self, t: datetime) -> bool:
        """Whether ``t`` lies in working time (span starts included, span ends excluded)."""
        us = _to_us(t)
        o = self._ordinal(t)
        for ordinal in (o - 1, o):
            for s, e in self._day(ordinal):
                if s <= us < e:
                    return True
        return False

    def next_working_moment(self, t: datetime) -> datetime:
        """The earliest working instant at or after ``t`` (``t`` itself if it is working time)."""
        us = _to_us(t)
        for s, e in self._spans(self._ordinal(t) - 1):
            if e > us:
                return _from_us(max(s, us))
        raise AssertionError("unreachable")  # pragma: no cover - _spans raises first

    def working_intervals(self, start: datetime, end: datetime) -> Iterator[tuple[datetime, datetime]]:
        """The working time within ``[start, end)`` as maximal UTC ``(start, end)`` intervals, in order.

        Touching or overlapping spans come out as one interval; intervals are clipped to the window.
        """
        a, b = _to_us(start), _to_us(end)
        if b <= a:
            return
        cur_s = cur_e = None
        for s, e in self._spans(self._ordinal(start) - 1, self._ordinal(end)):
            if s >= b:
                break
            if e <= a:
                continue
            s, e = max(s, a), min(e, b)
            if cur_s is None:
                cur_s, cur_e = s, e
            elif s <= cur_e:
                cur_e = max(cur_e, e)
            else:
                yield _from_us(cur_s), _from_us(cur_e)
                cur_s, cur_e = s, e
        if cur_s is not None:
            yield _from_us(cur_s), _from_us(cur_e)

    def _between_us(self, a_dt: datetime, b_dt: datetime) -> int:
        a, b = _to_us(a_dt), _to_us(b_dt)
        if b < a:
            return -self._between_us(b_dt, a_dt)
        total = 0
        cur = a
        for s, e in self._spans(self._ordinal(a_dt) - 1, self._ordinal(b_dt)):
            if s >= b:
                break
            if e <= cur:
                continue
            e = min(e, b)
            total += e - max(s, cur)
            cur = e
        return total

    def business_time_between(self, a: datetime, b: datetime) -> timedelta:
        """The exact working time in ``[a, b)``; negative (``-between(b, a)``) when ``b < a``."""
        return timedelta(microseconds=self._between_us(a, b))

    def business_minutes_between(self, a: datetime, b: datetime) -> int:
        """Whole business minutes in ``[a, b)``, truncated toward zero; negative when ``b < a``."""
        us = self._between_us(a, b)
        return us // _US_PER_MINUTE if us >= 0 else -(-us // _US_PER_MINUTE)

    def add_business_time(self, start: datetime, amount: timedelta) -> datetime:
        """The earliest instant at which ``amount`` of business time has elapsed since ``start``.

        The clock starts at ``start`` if that is working time or the end of a working stretch,
        otherwise at the next working moment. ``amount`` must not be negative.
        """
        remaining = (amount.days * 86_400 + amount.seconds) * 1_000_000 + amount.microseconds
        return self._add_us(start, remaining)

    def add_business_minutes(self, start: datetime, minutes: int) -> datetime:
        """The due time ``minutes`` business minutes after ``start`` (see :meth:`add_business_time`)."""
        if not isinstance(minutes, int) or isinstance(minutes, bool):
            raise TypeError(f"minutes must be an int, not {minutes!r}")
        return self._add_us(start, minutes * _US_PER_MINUTE)

    def _add_us(self, start: datetime, remaining: int) -> datetime:
        if remaining < 0:
            raise ValueError("business time to add must not be negative")
        cur = _to_us(start)
        spans = self._spans(self._ordinal(start) - 1)
        if remaining == 0:
            for s, e in spans:
                if e >= cur:
                    return _from_us(max(s, cur))
        for s, e in spans:
            if e <= cur:
                continue
            if s > cur:
                cur = s
            available = e - cur
            if remaining <= available:
                return _from_us(cur + remaining)
            remaining -= available
            cur = e
        raise AssertionError("unreachable")  # pragma: no cover - _spans raises first

    def business_time_elapsed(
        self, periods: Iterable[tuple[datetime, datetime | None]], now: datetime | None = None
    ) -> timedelta:
        """Exact business time during running periods ``(resumed, paused)``.

        A period whose end is ``None`` is still running and ends at ``now`` (required then).
        Overlapping periods count once; empty or reversed periods count nothing.
        """
        bounds = []
        for start, end in periods:
            if end is None:
                if now is None:
                    raise ValueError("a running period (end None) needs now=")
                end = now
            if _to_us(end) > _to_us(start):
                bounds.append((start, end))
        bounds.sort(key=lambda p: _to_us(p[0]))
        total = 0
        cur_s = cur_e = None
        for start, end in bounds:
            if cur_s is None:
                cur_s, cur_e = start, end
            elif _to_us(start) <= _to_us(cur_e):
                if _to_us(end) > _to_us(cur_e):
                    cur_e = end
            else:
                total += self._between_us(cur_s, cur_e)
                cur_s, cur_e = start, end
        if cur_s is not None:
            total += self._between_us(cur_s, cur_e)
        return timedelta(microseconds=total)

    def business_minutes_elapsed(
        self, periods: Iterable[tuple[datetime, datetime | None]], now: datetime | None = None
    ) -> int:
        """:meth:`business_time_elapsed` in whole minutes (truncated once, after summing)."""
        return self.business_time_elapsed(periods, now) // timedelta(minutes=1)
