"""From Calendar rows to :class:`~servicedesk.sla.clock.BusinessCalendar` objects, and official days into rows."""

from __future__ import annotations

from dataclasses import dataclass

from django.utils import timezone

from servicedesk.sla.clock import BusinessCalendar
from servicedesk.sla.holidays import load_official_days, official_day_names

OFFICIAL = "official"  # CalendarDay.source of the rows load_official_days_into writes (DaySource.OFFICIAL)

# pk → (updated_at, BusinessCalendar). One object per calendar version keeps the clock's per-date
# span cache warm across tickets; a changed calendar (new updated_at) replaces its entry.
_built: dict[int, tuple[object, BusinessCalendar]] = {}


def business_calendar(calendar) -> BusinessCalendar:
    """The clock for a Calendar row; built once per (pk, updated_at) and then reused.

    Pass a row read from the database for this evaluation (``policy_for`` does): a row held in memory
    across an edit of its days still carries the old ``updated_at`` and gets the old clock.
    """
    cached = _built.get(calendar.pk)
    if cached is not None and cached[0] == calendar.updated_at:
        return cached[1]
    built = build_business_calendar(calendar, calendar.days.all())
    _built[calendar.pk] = (calendar.updated_at, built)
    return built


def build_business_calendar(calendar, days) -> BusinessCalendar:
    """A BusinessCalendar from a calendar's time zone and weekly schedule and its CalendarDay rows."""
    weekly = {int(day): [tuple(span) for span in spans] for day, spans in (calendar.weekly or {}).items()}
    holidays = set()
    adjusted = {}
    for day in days:
        if day.kind == "holiday":
            holidays.add(day.date)
        else:
            adjusted[day.date] = day.works_as
    return BusinessCalendar(calendar.time_zone, weekly, holidays, adjusted)


@dataclass
class Loaded:
    """What load_official_days_into did: dates added, official rows corrected, hand-made rows kept."""

    created: int
    updated: int
    kept: int
    total: int


def load_official_days_into(calendar, *, country: str = "CN", years=None, works_as: int = 0,
                            day_model=None) -> Loaded:
    """Write a country's official holidays and adjusted working days into the calendar's days.

    Idempotent: a missing official date is added and an earlier loaded one is brought up to the
    source (kind, weekday, name); a day entered or changed by hand (source "manual") is never
    touched, nor are the calendar's other days. ``day_model`` lets a migration pass its historical
    CalendarDay model. A year the source lacks raises holidays.MissingYear and writes nothing.
    """
    if day_model is None:
        from servicedesk.sla.models import CalendarDay as day_model
    holidays, adjusted = load_official_days(country, years=years, works_as=works_as)
    names = official_day_names(country, years=years)
    wanted = {d: ("holiday", 0) for d in holidays}
    wanted.update({d: ("workday", weekday) for d, weekday in adjusted.items()})
    existing = {day.date: day for day in day_model.objects.filter(calendar=calendar, date__in=list(wanted))}
    create, update, kept = [], [], 0
    for d, (kind, weekday) in sorted(wanted.items()):
        name = names.get(d, "")[:200]
        row = existing.get(d)
        if row is None:
            create.append(day_model(calendar=calendar, date=d, kind=kind, works_as=weekday, name=name,
                                    source=OFFICIAL))
        elif row.source != OFFICIAL:
            kept += 1
        elif (row.kind, row.works_as, row.name) != (kind, weekday, name):
            row.kind, row.works_as, row.name = kind, weekday, name
            update.append(row)
    day_model.objects.bulk_create(create)
    day_model.objects.bulk_update(update, ["kind", "works_as", "name"])
    if create or update:
        # Bulk writes skip CalendarDay.save(), which marks the calendar changed.
        type(calendar).objects.filter(pk=calendar.pk).update(updated_at=timezone.now())
    return Loaded(created=len(create), updated=len(update), kept=kept, total=len(wanted))
