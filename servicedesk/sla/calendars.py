"""From Calendar rows to :class:`~servicedesk.sla.clock.BusinessCalendar` objects, and official days into rows."""

from __future__ import annotations

from django.utils import timezone

from servicedesk.sla.clock import BusinessCalendar
from servicedesk.sla.holidays import load_official_days, official_day_names

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


def load_official_days_into(calendar, *, country: str = "CN", years=None, works_as: int = 0, day_model=None) -> int:
    """Write a country's official holidays and adjusted working days into the calendar's days.

    Idempotent: each official date is created or reset to the notice (kind, weekday, name); the
    calendar's other days (an organisation's own closures) are left alone. Returns the number of
    official dates. ``day_model`` lets a migration pass its historical CalendarDay model.
    """
    if day_model is None:
        from servicedesk.sla.models import CalendarDay as day_model
    holidays, adjusted = load_official_days(country, years=years, works_as=works_as)
    names = official_day_names(country, years=years)
    wanted = {d: ("holiday", 0) for d in holidays}
    wanted.update({d: ("workday", weekday) for d, weekday in adjusted.items()})
    existing = {day.date: day for day in day_model.objects.filter(calendar=calendar, date__in=list(wanted))}
    create, update = [], []
    for d, (kind, weekday) in sorted(wanted.items()):
        name = names.get(d, "")[:200]
        row = existing.get(d)
        if row is None:
            create.append(day_model(calendar=calendar, date=d, kind=kind, works_as=weekday, name=name))
        elif (row.kind, row.works_as, row.name) != (kind, weekday, name):
            row.kind, row.works_as, row.name = kind, weekday, name
            update.append(row)
    day_model.objects.bulk_create(create)
    day_model.objects.bulk_update(update, ["kind", "works_as", "name"])
    if create or update:
        # Bulk writes skip CalendarDay.save(), which marks the calendar changed.
        type(calendar).objects.filter(pk=calendar.pk).update(updated_at=timezone.now())
    return len(wanted)
