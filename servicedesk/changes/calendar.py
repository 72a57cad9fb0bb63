"""What the change calendar shows, for the API and the console alike: the changes a person may see whose
window meets a period (scheduled or later; a draft or an approval still pending holds no date yet), each with
its conflicts, and the freezes of the period."""

from __future__ import annotations

import calendar as pycalendar
import dataclasses
import datetime

from django.db.models import QuerySet
from django.utils import timezone

from servicedesk.tickets import permissions

from . import conflicts
from .models import ON_CALENDAR, ChangeRecord, FreezeWindow


def visible_changes(user) -> QuerySet:
    """The changes whose tickets the person may see (tickets.permissions: one scoping rule)."""
    return ChangeRecord.objects.filter(ticket__in=permissions.visible_tickets(user)).select_related("ticket")


@dataclasses.dataclass
class Period:
    view: str  # "month" or "week"
    first: datetime.date  # the first day shown
    days: int
    anchor: datetime.date  # the day asked for

    @property
    def start(self) -> datetime.datetime:
        return timezone.make_aware(datetime.datetime.combine(self.first, datetime.time.min))

    @property
    def end(self) -> datetime.datetime:
        return timezone.make_aware(datetime.datetime.combine(self.first + datetime.timedelta(days=self.days),
                                                             datetime.time.min))

    def previous(self) -> datetime.date:
        if self.view == "week":
            return self.anchor - datetime.timedelta(days=7)
        return (self.anchor.replace(day=1) - datetime.timedelta(days=1)).replace(day=1)

    def following(self) -> datetime.date:
        if self.view == "week":
            return self.anchor + datetime.timedelta(days=7)
        days = pycalendar.monthrange(self.anchor.year, self.anchor.month)[1]
        return self.anchor.replace(day=1) + datetime.timedelta(days=days)


def period(view: str, anchor: datetime.date) -> Period:
    """A month as the calendar draws it (whole weeks, Monday first), or the week (Monday to Sunday) of the day."""
    if view == "week":
        return Period("week", anchor - datetime.timedelta(days=anchor.weekday()), 7, anchor)
    first_of_month = anchor.replace(day=1)
    first = first_of_month - datetime.timedelta(days=first_of_month.weekday())
    last = first_of_month.replace(day=pycalendar.monthrange(anchor.year, anchor.month)[1])
    last += datetime.timedelta(days=6 - last.weekday())
    return Period("month", first, (last - first).days + 1, anchor)


@dataclasses.dataclass
class Entry:
    change: ChangeRecord
    conflicts: list[conflicts.Conflict]


def entries(user, start: datetime.datetime, end: datetime.datetime, limit: int = 500) -> list[Entry]:
    changes = list(visible_changes(user).filter(state__in=ON_CALENDAR, planned_start__lt=end, planned_end__gt=start)
                   .order_by("planned_start", "id")[:limit])
    found = conflicts.find(changes)
    return [Entry(c, found[c.pk]) for c in changes]


def freezes(start: datetime.datetime, end: datetime.datetime) -> list[FreezeWindow]:
    return list(FreezeWindow.objects.filter(starts_at__lt=end, ends_at__gt=start).order_by("starts_at", "id"))


def seen_tickets(user, found: list[list[conflicts.Conflict]]) -> set[int]:
    """Of the changes these conflicts name, the tickets the person may see (the others stay unnamed)."""
    ids = {c.other.ticket_id for group in found for c in group if c.other is not None}
    if not ids:
        return set()
    return set(permissions.visible_tickets(user).filter(pk__in=ids).values_list("pk", flat=True))
