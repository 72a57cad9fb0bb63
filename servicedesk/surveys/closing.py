"""When a resolved ticket nobody confirmed is closed: after N whole working days of the desk's calendar (the
default business calendar, with its holidays and China's adjusted working days, 调休) following the day it was
resolved. Resolved on a Friday with N = 3: Monday, Tuesday and Wednesday pass, and it closes on Thursday."""

from __future__ import annotations

import datetime
import zoneinfo

from django.conf import settings

from servicedesk.sla.calendars import business_calendar
from servicedesk.sla.clock import BusinessCalendar
from servicedesk.sla.models import Calendar, office_week

# A calendar without a working day in two years never closes anything (rather than looping for ever).
_HORIZON_DAYS = 730


def desk_calendar() -> BusinessCalendar:
    """The desk's calendar: the default business calendar, else an office week in the desk's time zone."""
    row = Calendar.objects.filter(is_default=True).order_by("id").first()
    if row is not None:
        return business_calendar(row)
    return BusinessCalendar(settings.TIME_ZONE, {int(day): [tuple(span) for span in spans]
                                                for day, spans in office_week().items()})


def closes_at(resolved_at: datetime.datetime, days: int, calendar: BusinessCalendar) -> datetime.datetime | None:
    """The moment a ticket resolved at `resolved_at` is closed without confirmation: the start (local midnight)
    of the day after the `days`-th working day after the day it was resolved."""
    zone = zoneinfo.ZoneInfo(calendar.tz)
    day = resolved_at.astimezone(zone).date()
    counted = 0
    for _step in range(_HORIZON_DAYS):
        day += datetime.timedelta(days=1)
        if calendar.schedule_for(day):
            counted += 1
            if counted >= days:
                return datetime.datetime.combine(day + datetime.timedelta(days=1), datetime.time.min, tzinfo=zone)
    return None


def is_due(resolved_at: datetime.datetime | None, days: int, calendar: BusinessCalendar,
           now: datetime.datetime) -> bool:
    if resolved_at is None:
        return False
    moment = closes_at(resolved_at, days, calendar)
    return moment is not None and now >= moment
