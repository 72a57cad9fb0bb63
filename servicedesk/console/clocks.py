"""The SLA and OLA clocks as the console shows them: in the ticket header, in a queue's "Due" column
and as the "Breaching soon" queue.

Everything here reads the derived clock rows (servicedesk.sla.models.SlaTarget) that the SLA layer
keeps current from each ticket's history; nothing is computed per ticket of a queue except from
those rows (one query per page).
"""

from __future__ import annotations

from datetime import datetime, timedelta
from types import SimpleNamespace

from django.conf import settings
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from servicedesk.accounts import refdata as accounts_refdata
from servicedesk.sla.models import ClockState, SlaTarget, TargetKind
from servicedesk.sla.tracking import business_time_left

# A running clock with at most this share of its target left is "soon" (amber).
SOON_SHARE = 0.25


def breaching_window() -> timedelta:
    """How far ahead the "Breaching soon" queue looks (overdue clocks are always in it)."""
    return timedelta(minutes=getattr(settings, "SERVICEDESK_BREACHING_SOON_MINUTES", 120))


def duration_text(delta: timedelta) -> str:
    """"2 h 05 min", "45 min", "3 d 4 h" (calendar days for long spans), in the user's language."""
    minutes = int(abs(delta.total_seconds()) // 60)
    days, rest = divmod(minutes, 24 * 60)
    hours, mins = divmod(rest, 60)
    if days:
        return _("%(days)d d %(hours)d h") % {"days": days, "hours": hours}
    if hours:
        return _("%(hours)d h %(minutes)02d min") % {"hours": hours, "minutes": mins}
    return _("%(minutes)d min") % {"minutes": mins}


def clock_label(row: SlaTarget) -> str:
    if row.kind == TargetKind.OLA:
        return _("OLA: %(group)s") % {"group": accounts_refdata.group_names().get(row.group_id, "—")}
    return str(TargetKind(row.kind).label)


def _state(row: SlaTarget, now: datetime, left: timedelta | None) -> tuple[str, str]:
    """(css class, words) of one clock."""
    if row.state == ClockState.STOPPED:
        return ("missed", _("missed")) if row.breached else ("met", _("met"))
    if row.state == ClockState.PAUSED:
        return "paused", _("paused")
    if row.breached or (row.due_at is not None and row.due_at <= now):
        return "breached", _("overdue")
    if left is not None and left <= timedelta(minutes=row.target_minutes * SOON_SHARE):
        return "soon", _("due soon")
    return "ok", _("on time")


def _local(dt: datetime | None) -> tuple[str, str]:
    if dt is None:
        return "", ""
    local = timezone.localtime(dt)
    return local.isoformat(), local.strftime("%Y-%m-%d %H:%M")


def header_clocks(ticket, now: datetime | None = None) -> list[dict]:
    """The ticket's clocks for its header: response, resolution, then each group's OLA."""
    now = now or timezone.now()
    order = {TargetKind.RESPONSE: 0, TargetKind.RESOLUTION: 1}
    rows = sorted(
        SlaTarget.objects.filter(ticket=ticket).select_related("policy__calendar"),
        key=lambda r: (order.get(r.kind, 2), r.started_at),
    )
    clocks = []
    for row in rows:
        if row.state == ClockState.RUNNING and row.due_at is not None and row.due_at <= now:
            left = row.due_at - now  # overdue: how long ago, in wall-clock time (cheap however long ago)
        else:
            left = business_time_left(row, now) if row.state != ClockState.STOPPED else None
        css, words = _state(row, now, left)
        due_iso, due_text = _local(row.due_at)
        if left is None:
            left_text = ""
        elif left < timedelta(0) or css == "breached":
            left_text = _("%(time)s over") % {"time": duration_text(left)}
        else:
            left_text = _("%(time)s left") % {"time": duration_text(left)}
        clocks.append({
            "label": clock_label(row), "css": css, "state": words, "due_iso": due_iso, "due_text": due_text,
            "left": left_text, "target": duration_text(timedelta(minutes=row.target_minutes)),
            "policy": row.policy.name if row.policy_id else "",
        })
    return clocks


def due_cells(ticket_ids: list[int], now: datetime | None = None, clocks: list | None = None) -> dict[int, dict]:
    """For a queue page: each ticket's next customer deadline (response until answered, then
    resolution), in one query. Wall-clock time left; the ticket page shows business time.
    With `clocks` (rows already read), one cell per clock instead, keyed by the clock's id."""
    now = now or timezone.now()
    cells: dict[int, dict] = {}
    if clocks is None:
        customer = (TargetKind.RESPONSE, TargetKind.RESOLUTION)
        rows = [SimpleNamespace(**r) for r in SlaTarget.objects.filter(ticket_id__in=ticket_ids, kind__in=customer)
                .exclude(state=ClockState.STOPPED)
                .values("pk", "ticket_id", "kind", "state", "due_at", "breached", "target_minutes", "group_id")]
    else:
        rows = clocks
    for row in rows:
        key = row.ticket_id if clocks is None else row.pk
        current = cells.get(key)
        # A running clock's due time beats a paused clock; the earlier due time wins.
        rank = (row.state != ClockState.RUNNING, row.due_at or datetime.max.replace(tzinfo=now.tzinfo))
        if current is not None and current["rank"] <= rank:
            continue
        left = row.due_at - now if row.state == ClockState.RUNNING and row.due_at else None
        css, words = _state(row, now, left)
        due_iso, due_text = _local(row.due_at)
        if row.state == ClockState.PAUSED:
            text = _("paused")
        elif css == "breached":
            text = _("%(time)s over") % {"time": duration_text(left or timedelta(0))}
        else:
            text = _("%(time)s left") % {"time": duration_text(left)}
        cells[key] = {
            "rank": rank, "css": css, "text": text, "iso": due_iso,
            "title": f"{clock_label(row)}: {due_text} ({words})" if due_text else clock_label(row),
        }
    return cells


def breaching_clocks(tickets: QuerySet, now: datetime | None = None) -> QuerySet:
    """Running customer and OLA clocks of these tickets that fall due within the window (not yet
    overdue), soonest first: the "Breaching soon" queue reads them by keyset on (due_at, id) over the
    (state, due_at) index, so its cost follows the clocks due in the window, not every overdue one.
    Overdue clocks show red in every queue's Due column and on the ticket."""
    now = now or timezone.now()
    return (SlaTarget.objects.filter(state=ClockState.RUNNING, due_at__gt=now, due_at__lte=now + breaching_window(),
                                     ticket__in=tickets.values("pk")))
