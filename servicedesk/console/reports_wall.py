"""The wall view: the open work of each group by SLA state, in large type for a screen on the wall, refreshed in
place by HTMX every few seconds (no full reload, so a TV left on it stays signed in and quiet).

A ticket's SLA state is its worst clock the viewer may see (servicedesk.sla.visibility), by the console's own
words: breached (a clock missed, or running past its due time: the queues' `breached` filter), at risk (a
running clock falls due within the "Breaching soon" window, console.clocks.breaching_window) or on time (the rest,
paused and clockless tickets included). Scoped like every report: the tickets the viewer may see, and an agent
only the tickets assigned to them."""

from __future__ import annotations

from urllib.parse import urlencode

from django.db.models import Count, Exists, OuterRef, Q
from django.shortcuts import render
from django.urls import path, reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from servicedesk.accounts import refdata as accounts_refdata
from servicedesk.core.inputs import parse_id
from servicedesk.reports import scope
from servicedesk.sla.models import ClockState
from servicedesk.sla.visibility import visible_clocks
from servicedesk.tickets.models import OPEN_STATUSES, Ticket
from servicedesk.tickets.permissions import visible_tickets

from .access import staff_required
from .clocks import breaching_window

REFRESH_SECONDS = 30
REFRESH_RANGE = (5, 3600)


def wall_rows(user, desk: int | None = None, group: int | None = None) -> tuple[list[dict], dict]:
    """(a row per group, most breached first, the unrouted intake as its own row; the totals), in one query."""
    now = timezone.now()
    tickets = visible_tickets(user, Ticket.objects.filter(status__in=OPEN_STATUSES))
    if not scope.may_view_desk_reports(user):
        tickets = tickets.filter(assignee=user)
    if desk:
        tickets = tickets.filter(desk_id=desk)
    if group:
        tickets = tickets.filter(group_id=group)
    clocks = visible_clocks(user).filter(ticket=OuterRef("pk"))
    counts = (tickets.annotate(
        is_breached=Exists(clocks.filter(Q(breached=True) | Q(state=ClockState.RUNNING, due_at__lte=now))),
        is_at_risk=Exists(clocks.filter(state=ClockState.RUNNING, due_at__gt=now,
                                        due_at__lte=now + breaching_window())))
        .order_by().values("group_id")
        .annotate(open=Count("pk"), breached=Count("pk", filter=Q(is_breached=True)),
                  at_risk=Count("pk", filter=Q(is_breached=False, is_at_risk=True))))
    names = accounts_refdata.group_names()
    rows = [{"group": names.get(row["group_id"], "—") if row["group_id"] else _("Intake (no group yet)"),
             "group_id": row["group_id"], "open": row["open"], "breached": row["breached"],
             "at_risk": row["at_risk"], "on_time": row["open"] - row["breached"] - row["at_risk"]} for row in counts]
    rows.sort(key=lambda r: (-r["breached"], -r["at_risk"], -r["open"], r["group"]))
    totals = {name: sum(r[name] for r in rows) for name in ("open", "breached", "at_risk", "on_time")}
    return rows, totals


def drill_links(user, rows: list[dict], now) -> None:
    """Each group's open, at-risk and breached figures open the tickets behind them: the console's queue with the
    ticket filter's own parameters (the group; `breached`; a running clock due before the window's end), the
    viewer's own queue for an agent. The intake has no group to filter by, and "on time" no filter: no link."""
    queue = reverse("console:queue", args=["all" if scope.may_view_desk_reports(user) else "mine"])
    at_risk = urlencode({"breached": "false", "due_before": (now + breaching_window()).isoformat()})
    for row in rows:
        if row["group_id"] is None:
            continue
        base = f"{queue}?status=open&group={row['group_id']}"
        row["links"] = {"open": base, "breached": f"{base}&breached=true", "at_risk": f"{base}&{at_risk}"}


def _refresh(value: str | None) -> int:
    seconds = parse_id(value) if value else None
    if seconds is None:
        return REFRESH_SECONDS
    return min(max(seconds, REFRESH_RANGE[0]), REFRESH_RANGE[1])


@staff_required
def wall(request):
    """The whole page, or (an HTMX poll) only the board, which replaces itself."""
    params = request.GET
    error = ""
    desk, group = parse_id(params.get("desk")), parse_id(params.get("group"))
    if (params.get("desk") and desk is None) or (params.get("group") and group is None):
        error = _("The desk and the group are given by their number (id).")
        desk = group = None
    rows, totals = wall_rows(request.user, desk, group)
    drill_links(request.user, rows, timezone.now())
    context = {"rows": rows, "totals": totals, "error": error, "refresh": _refresh(params.get("refresh")),
               "query": params.urlencode(), "updated": timezone.localtime(),
               "window_minutes": int(breaching_window().total_seconds() // 60),
               "own_figures": not scope.may_view_desk_reports(request.user)}
    template = "console/reports/_wall_board.html" if request.headers.get("HX-Request") else "console/reports/wall.html"
    return render(request, template, context, status=400 if error else 200)


urlpatterns = [path("reports/wall/", wall, name="reports_wall")]
