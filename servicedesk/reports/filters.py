"""What a report is about: a range of days cut in the viewer's time zone, how it is split into periods,
and which desk, group, agent, service, category, channel and organisation it narrows to.

Days are cut in `tz`: a ticket created at 00:30 on 1 February in Shanghai is in February for a viewer in
Shanghai and in January (16:30 UTC on 31 January) for a viewer in UTC. `utc_range` and `boundaries` turn
the local days into UTC instants once, so the database compares stored UTC timestamps with constants
(index-friendly, the same on SQLite and PostgreSQL, right across daylight-saving changes).
"""

from __future__ import annotations

import calendar
import datetime
import functools
import zoneinfo
from collections.abc import Mapping
from dataclasses import dataclass, field, replace

from django.conf import settings
from django.contrib.auth import get_user_model
from django.utils import timezone
from django.utils.translation import gettext as _

from servicedesk.core.errors import ActionError
from servicedesk.core.inputs import parse_id
from servicedesk.tickets.models import Channel

from .dimensions import MODELS

GRANULARITIES = ("day", "week", "month")
DIMENSIONS = ("desk", "group", "agent", "service", "category", "channel", "organisation")
ID_DIMENSIONS = ("desk", "group", "agent", "service", "category", "organisation")
PERIOD_SHORTCUTS = ("this_month", "last_month", "this_week", "last_week", "last_30_days", "this_year", "last_year")
# Beyond this a range is split into months by default (a quarter still reads well day by day).
DAY_GRANULARITY_DAYS = 92
# One figure per period: a series longer than this is not a chart but a table nobody reads, and costs
# a comparison per period per row.
MAX_PERIODS = 400
MAX_SHOWN = 60
# Reports are about the desk's own years; a range beyond them is a typing error.
MIN_YEAR, MAX_YEAR = 1970, 2100


class FilterError(ActionError):
    """A report parameter the desk cannot read; the message names the parameter and the value."""

    def __init__(self, name: str, value: str, message: str):
        super().__init__(message)
        self.name, self.value = name, value


def _refuse(name: str, value: str, why: str):
    shown = value if len(value) <= MAX_SHOWN else value[:MAX_SHOWN] + "…"
    raise FilterError(name, value, _("Parameter “%(name)s”: “%(value)s” %(why)s") % {
        "name": name, "value": shown, "why": why})


def _check_choice(name: str, value: str, choices) -> None:
    if value not in choices:
        _refuse(name, value, _("is not one of: %(choices)s.") % {"choices": ", ".join(choices)})


@functools.cache
def _zones() -> frozenset[str]:
    return frozenset(zoneinfo.available_timezones())


def check_zone(name: str, value: str) -> str:
    if value not in _zones():
        _refuse(name, value, _("is not a time zone (an IANA name such as Asia/Shanghai)."))
    return value


def _date(name: str, value: str) -> datetime.date:
    try:
        day = datetime.date.fromisoformat(value)
    except ValueError:
        day = None
    if day is None or len(value) != 10 or not MIN_YEAR <= day.year <= MAX_YEAR:
        _refuse(name, value, _("is not a date (YYYY-MM-DD, a year from %(min)d to %(max)d).") % {
            "min": MIN_YEAR, "max": MAX_YEAR})
    return day


def _looks_like_date(value: str) -> bool:
    return len(value) == 10 and value[4] == "-" and value[7] == "-"


def viewer_zone(user) -> str:
    """The zone a person's reports are cut in: their own, else the desk's default."""
    return getattr(user, "time_zone", "") or settings.TIME_ZONE


def drill_period(params: Mapping[str, str], filters: Filters) -> datetime.date | None:
    """The period `period=YYYY-MM-DD` names for a drill-down (None: the whole range)."""
    value = (params.get("period") or "").strip()
    if not value or not _looks_like_date(value):
        return None
    day = _date("period", value)
    if day not in filters.periods():
        _refuse("period", value, _("is not the start of a period of this report."))
    return day


def month_end(day: datetime.date) -> datetime.date:
    return day.replace(day=calendar.monthrange(day.year, day.month)[1])


def add_months(day: datetime.date, months: int) -> datetime.date:
    """The first day of the month `months` after (or before) `day`'s month."""
    index = day.year * 12 + day.month - 1 + months
    return datetime.date(index // 12, index % 12 + 1, 1)


def period_range(shortcut: str, today: datetime.date) -> tuple[datetime.date, datetime.date]:
    monday = today - datetime.timedelta(days=today.weekday())
    first = today.replace(day=1)
    if shortcut == "this_month":
        return first, month_end(today)
    if shortcut == "last_month":
        start = add_months(first, -1)
        return start, month_end(start)
    if shortcut == "this_week":
        return monday, monday + datetime.timedelta(days=6)
    if shortcut == "last_week":
        return monday - datetime.timedelta(days=7), monday - datetime.timedelta(days=1)
    if shortcut == "last_30_days":
        return today - datetime.timedelta(days=29), today
    if shortcut == "this_year":
        return today.replace(month=1, day=1), today.replace(month=12, day=31)
    return datetime.date(today.year - 1, 1, 1), datetime.date(today.year - 1, 12, 31)


def period_start(day: datetime.date, granularity: str) -> datetime.date:
    if granularity == "week":
        return day - datetime.timedelta(days=day.weekday())
    if granularity == "month":
        return day.replace(day=1)
    return day


def next_period(day: datetime.date, granularity: str) -> datetime.date:
    if granularity == "week":
        return day + datetime.timedelta(days=7)
    if granularity == "month":
        return add_months(day, 1)
    return day + datetime.timedelta(days=1)


def _is_whole_months(start: datetime.date, end: datetime.date) -> bool:
    return start.day == 1 and end == month_end(end)


@dataclass(frozen=True)
class Filters:
    start: datetime.date
    end: datetime.date
    tz: str
    granularity: str = "day"
    desk: int | None = None
    group: int | None = None
    agent: int | None = None
    service: int | None = None
    category: int | None = None
    channel: str | None = None
    organisation: int | None = None
    # Set by scope.restrict, never by a parameter: the groups whose tickets a group lead may count (their
    # own assigned tickets count too: `scope_agent`). None = no such limit.
    scope_groups: tuple[int, ...] | None = field(default=None, compare=False, repr=False)
    scope_agent: int | None = field(default=None, compare=False, repr=False)

    @classmethod
    def from_query(cls, params: Mapping[str, str], *, user, tz: str) -> Filters:
        def get(name: str) -> str:
            return (params.get(name) or "").strip()

        zone = check_zone("tz", get("tz")) if get("tz") else tz
        period = get("period")
        today = timezone.now().astimezone(zoneinfo.ZoneInfo(zone)).date()
        # A date in `period` names one period of the report (a drill-down: `drill_period`), not its range.
        if period and not _looks_like_date(period):
            _check_choice("period", period, PERIOD_SHORTCUTS)
            start, end = period_range(period, today)
        else:
            start, end = period_range("this_month", today)
        if get("start"):
            start = _date("start", get("start"))
        if get("end"):
            end = _date("end", get("end"))
        if end < start:
            _refuse("end", end.isoformat(), _("is before the start (%(start)s).") % {"start": start.isoformat()})
        granularity = get("granularity")
        if granularity:
            _check_choice("granularity", granularity, GRANULARITIES)
        if not granularity:
            granularity = "month" if (end - start).days + 1 > DAY_GRANULARITY_DAYS else "day"
        dims = {}
        for name in ID_DIMENSIONS:
            if get(name):
                dims[name] = parse_id(get(name))
                if dims[name] is None:
                    _refuse(name, get(name), _("is not an id."))
        if get("channel"):
            _check_choice("channel", get("channel"), Channel.values)
            dims["channel"] = get("channel")
        filters = cls(start=start, end=end, tz=zone, granularity=granularity, **dims)
        if len(filters.periods()) > MAX_PERIODS:
            _refuse("granularity", granularity, _("gives more than %(max)d periods for this range; choose a "
                                                  "longer period (week or month).") % {"max": MAX_PERIODS})
        return filters

    def known(self) -> Filters:
        """These filters, once every id they narrow to names a row of the desk (a query per id): a report of an
        unknown group would read like a quiet one. Checked where a person asks, not where a stored subscription
        is sent (a group deleted since gives that mail its zeros)."""
        for name in ID_DIMENSIONS:
            pk = getattr(self, name)
            model = get_user_model() if name == "agent" else MODELS[name]
            if pk is not None and not model.objects.filter(pk=pk).exists():
                _refuse(name, str(pk), _("matches nothing (no such id)."))
        return self

    @property
    def zone(self) -> zoneinfo.ZoneInfo:
        return zoneinfo.ZoneInfo(self.tz)

    @property
    def days(self) -> int:
        return (self.end - self.start).days + 1

    def previous(self) -> Filters:
        """Whole months compare with as many whole months before (February with January, not with the
        28 days before it); any other range with the same number of days just before."""
        if _is_whole_months(self.start, self.end):
            months = (self.end.year - self.start.year) * 12 + self.end.month - self.start.month + 1
            start = add_months(self.start, -months)
            return replace(self, start=start, end=self.start - datetime.timedelta(days=1))
        return replace(self, start=self.start - datetime.timedelta(days=self.days),
                       end=self.start - datetime.timedelta(days=1))

    def as_query(self) -> dict[str, str]:
        query = {"start": self.start.isoformat(), "end": self.end.isoformat(), "tz": self.tz,
                 "granularity": self.granularity}
        for name in DIMENSIONS:
            value = getattr(self, name)
            if value is not None:
                query[name] = str(value)
        return query

    def periods(self) -> list[datetime.date]:
        day, periods = period_start(self.start, self.granularity), []
        while day <= self.end:
            periods.append(day)
            day = next_period(day, self.granularity)
        return periods

    def local_midnight(self, day: datetime.date) -> datetime.datetime:
        return datetime.datetime.combine(day, datetime.time(), self.zone).astimezone(datetime.UTC)

    def utc_range(self) -> tuple[datetime.datetime, datetime.datetime]:
        return self.local_midnight(self.start), self.local_midnight(self.end + datetime.timedelta(days=1))

    def boundaries(self) -> list[datetime.datetime]:
        """Where each period after the first begins, in UTC (len(periods()) - 1 instants)."""
        return [self.local_midnight(day) for day in self.periods()[1:]]

    def period_range(self, period: datetime.date) -> tuple[datetime.datetime, datetime.datetime]:
        """One period's [start, end) in UTC, clipped to the range."""
        start = max(period, self.start)
        end = min(next_period(period, self.granularity), self.end + datetime.timedelta(days=1))
        return self.local_midnight(start), self.local_midnight(end)
