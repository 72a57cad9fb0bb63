"""The change calendar (变更日历): a month or a week of the changes that hold a window (scheduled or later),
in the viewer's time zone, with the freezes shaded and each conflict flagged."""

from __future__ import annotations

import datetime

from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext as _

from servicedesk.changes import calendar
from servicedesk.changes.actions import FIRST_YEAR, LAST_YEAR

from .ticket_access import staff_required

VIEWS = ("month", "week")


def _day_bounds(day: datetime.date) -> tuple[datetime.datetime, datetime.datetime]:
    start = timezone.make_aware(datetime.datetime.combine(day, datetime.time.min))
    return start, timezone.make_aware(datetime.datetime.combine(day + datetime.timedelta(days=1), datetime.time.min))


@staff_required
def calendar_view(request):
    view = request.GET.get("view") or "month"
    raw = request.GET.get("date") or ""
    error, status = "", 200
    try:
        anchor = datetime.date.fromisoformat(raw) if raw else timezone.localdate()
    except ValueError:
        anchor, status = timezone.localdate(), 400
        error = _("“%(value)s” is not a date (YYYY-MM-DD).") % {"value": raw[:40]}
    if not FIRST_YEAR <= anchor.year <= LAST_YEAR:
        # A month or week around year 1 or 9999 runs past what a date can hold.
        anchor, status = timezone.localdate(), 400
        error = _("Times must lie between the years %(first)s and %(last)s.") % {"first": FIRST_YEAR, "last": LAST_YEAR}
    if view not in VIEWS:
        view, status = "month", 400
        error = _("The calendar shows a month or a week.")
    shown = calendar.period(view, anchor)
    entries = calendar.entries(request.user, shown.start, shown.end)
    seen = calendar.seen_tickets(request.user, [e.conflicts for e in entries])
    freezes = calendar.freezes(shown.start, shown.end)
    texts = {e.change.pk: [c.text(seen) for c in e.conflicts] for e in entries}
    days = []
    for offset in range(shown.days):
        day = shown.first + datetime.timedelta(days=offset)
        start, end = _day_bounds(day)
        days.append({
            "date": day, "outside": view == "month" and day.month != anchor.month, "today": day == timezone.localdate(),
            "changes": [(e.change, texts[e.change.pk]) for e in entries
                        if e.change.planned_start < end and e.change.planned_end > start],
            "freezes": [f for f in freezes if f.starts_at < end and f.ends_at > start],
        })
    return render(request, "console/changes/calendar.html", {
        "view": view, "period": shown, "weeks": [days[i:i + 7] for i in range(0, len(days), 7)],
        "entries": [(e.change, texts[e.change.pk]) for e in entries], "freezes": freezes, "error": error,
        "previous": shown.previous().isoformat(), "following": shown.following().isoformat(),
        "anchor": anchor.isoformat(), "today": timezone.localdate().isoformat(),
    }, status=status)
