"""The periods of a subscription, cut in the subscriber's time zone: the last one that has ended at a moment,
and the moment the one after it ends (when its mail is due)."""

from __future__ import annotations

import datetime
import zoneinfo

from .models import Frequency


def period_of(frequency: str, day: datetime.date) -> tuple[datetime.date, datetime.date]:
    """The period (first day, last day, both inclusive) that `day` falls in."""
    if frequency == Frequency.DAILY:
        return day, day
    if frequency == Frequency.WEEKLY:
        start = day - datetime.timedelta(days=day.weekday())
        return start, start + datetime.timedelta(days=6)
    start = day.replace(day=1)
    following = (start + datetime.timedelta(days=32)).replace(day=1)
    return start, following - datetime.timedelta(days=1)


def last_ended(frequency: str, time_zone: str, now: datetime.datetime) -> tuple[datetime.date, datetime.date]:
    """The latest period that has ended at `now` in `time_zone` (the one before the period of today there)."""
    today = now.astimezone(zoneinfo.ZoneInfo(time_zone)).date()
    start, _end = period_of(frequency, today)
    return period_of(frequency, start - datetime.timedelta(days=1))


def ends_at(frequency: str, time_zone: str, day: datetime.date) -> datetime.datetime:
    """The moment (aware) the period holding `day` ends: midnight after its last day, in `time_zone`."""
    _start, end = period_of(frequency, day)
    following = end + datetime.timedelta(days=1)
    return datetime.datetime.combine(following, datetime.time(), tzinfo=zoneinfo.ZoneInfo(time_zone))


def next_due(frequency: str, time_zone: str, now: datetime.datetime) -> datetime.datetime:
    """When the period running at `now` ends: the next mail is due then."""
    today = now.astimezone(zoneinfo.ZoneInfo(time_zone)).date()
    return ends_at(frequency, time_zone, today).astimezone(datetime.UTC)

