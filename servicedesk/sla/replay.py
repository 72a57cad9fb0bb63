"""A ticket's history replayed into the steps of its state and the periods a clock runs in.

The SLA clocks (:mod:`servicedesk.sla.clocks`) and each group's OLA clock (:mod:`servicedesk.sla.ola`)
are derived from the same replay, so both read the history the same way: the state at creation is the
first change's old value of each field (the ticket's current value when the field never changed), and
changes at one instant (one action) make one step.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime

from servicedesk.tickets.models import HistoryEntry, Ticket

__all__ = ["Period", "Step", "history_entries", "replay", "running_periods"]

Period = tuple[datetime, datetime | None]

STATUS_FIELDS = ("status", "pending_reason")


@dataclass(frozen=True)
class Step:
    """The ticket's state from ``at`` until the next step (``group`` by name; "" when not replayed)."""

    at: datetime
    status: str
    pending_reason: str
    group: str = ""


def history_entries(ticket: Ticket, fields: Iterable[str], now: datetime, history=None) -> list[HistoryEntry]:
    """The ticket's history rows of ``fields`` up to ``now``, in (at, id) order.

    ``history`` may pass the ticket's rows already loaded (in (at, id) order), to evaluate many tickets
    without a query each.
    """
    fields = tuple(fields)
    if history is None:
        return list(
            HistoryEntry.objects.filter(ticket=ticket, field__in=fields, at__lte=now)
            .only("at", "field", "old_value", "new_value").order_by("at", "id")
        )
    return [e for e in history if e.field in fields and e.at <= now]


def _current(ticket: Ticket, field: str) -> str:
    if field == "group":
        return ticket.group.name if ticket.group_id else ""
    return getattr(ticket, field)


def replay(ticket: Ticket, entries: Iterable[HistoryEntry], fields: tuple[str, ...] = STATUS_FIELDS) -> list[Step]:
    """The ticket's state from its creation, one step per instant at which one of ``fields`` changed.

    ``fields`` are status and pending_reason, and optionally group; entries of other fields are passed over.
    """
    tracked = [entry for entry in entries if entry.field in fields]
    first: dict[str, HistoryEntry] = {}
    for entry in tracked:
        first.setdefault(entry.field, entry)
    state = {name: first[name].old_value if name in first else _current(ticket, name) for name in fields}
    steps = [Step(ticket.created_at, **state)]
    for entry in tracked:
        state[entry.field] = entry.new_value
        at = max(entry.at, ticket.created_at)
        # One action changes several fields at the same instant: keep one step for it.
        if steps[-1].at == at:
            steps[-1] = Step(at, **state)
        else:
            steps.append(Step(at, **state))
    return steps


def running_periods(steps: list[Step], runs: Callable[[Step], bool], start: datetime | None = None,
                    stop: datetime | None = None) -> list[Period]:
    """The periods within ``[start, stop)`` of the steps in which a clock ``runs`` (end None: running now).

    Adjacent periods are joined, so a step that changes nothing for the clock does not split it.
    """
    periods: list[Period] = []
    for i, step in enumerate(steps):
        end = steps[i + 1].at if i + 1 < len(steps) else None
        if stop is not None and (end is None or end > stop):
            end = stop
        begin = step.at if start is None else max(step.at, start)
        if end is not None and end <= begin:
            continue
        if not runs(step):
            continue
        if periods and periods[-1][1] == begin:
            periods[-1] = (periods[-1][0], end)
        else:
            periods.append((begin, end))
    return periods
