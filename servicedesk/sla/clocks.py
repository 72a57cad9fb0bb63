"""A ticket's SLA state, derived from its history: nothing here is stored or counted.

The state is a function of the ticket's creation time, its status history (``HistoryEntry`` rows
with ``field="status"`` and ``field="pending_reason"``; the first ``first_response_at`` row), the
policy that matches the ticket's *current* fields and that policy's calendar. So recomputing after
a calendar or policy edit gives exactly what live tracking would have given with that
configuration, and no clock can drift.

Conventions
    * Targets are measured from the ticket's creation; the resolution target from the last reopen
      instead when the policy restarts on reopen.
    * The policy is the one matching the ticket's current priority, type, category and organisation.
      A priority change therefore re-computes both targets *as if the ticket had always had the new
      priority*, still measured from creation (or reopen): raising a ticket to critical two hours
      after it arrived can make it breached at once.
    * A clock runs while the ticket is open and not paused by the policy (by default: pending on
      the customer; pending on a supplier or a change keeps the clock running).
    * The first response is met by the first public reply of desk staff (``first_response_at``),
      or by resolving the ticket, whichever comes first. The resolution is met while the ticket is
      resolved or closed, at the moment it last became so; a reopen makes it open again.
    * ``due_at`` is the instant at which the clock reaches its target given the pauses so far: while
      running it does not move; while paused it is "if the clock resumed now"; once met it is the
      due time that stood when the clock stopped.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.utils import timezone

from servicedesk.sla.calendars import business_calendar
from servicedesk.sla.clock import BusinessCalendar
from servicedesk.sla.models import SlaPolicy
from servicedesk.sla.replay import Period, Step, history_entries, replay, running_periods
from servicedesk.tickets.models import Status, Ticket

__all__ = ["Clock", "SlaState", "make_clock", "policy_for", "reach_instant", "sla_state"]

DONE = frozenset({Status.RESOLVED.value, Status.CLOSED.value})
HISTORY_FIELDS = ("status", "pending_reason", "first_response_at")


@dataclass(frozen=True)
class Clock:
    """One SLA clock (first response or resolution) as of ``SlaState.now``."""

    target_minutes: int
    started_at: datetime
    due_at: datetime
    elapsed_minutes: int
    running: bool
    paused: bool
    met_at: datetime | None
    breached: bool
    percent_used: float
    # The running periods so far (end None: running now); the watcher finds threshold instants in them.
    periods: tuple = ()


@dataclass(frozen=True)
class SlaState:
    policy: SlaPolicy
    now: datetime
    first_response: Clock
    resolution: Clock

    @property
    def follow_up_minutes(self) -> int | None:
        return self.policy.follow_up_minutes


def policy_for(ticket: Ticket, policies=None) -> SlaPolicy | None:
    """The first active policy, in the administrators' order, that matches the ticket's current fields.

    ``policies`` may pass an already loaded, ordered list (to evaluate many tickets with one query).
    """
    if policies is None:
        policies = SlaPolicy.objects.filter(is_active=True).select_related("calendar").order_by("order", "id")
    for policy in policies:
        if policy.is_active and policy.matches(ticket):
            return policy
    return None


def _reach(calendar: BusinessCalendar, periods, amount: timedelta) -> tuple[datetime | None, timedelta]:
    """The instant at which a clock running in ``periods`` has used ``amount`` of business time (None when
    it has not used that much and is not running), and the business time used before that instant or in all."""
    used = timedelta(0)
    for begin, end in periods:
        part = calendar.business_time_between(begin, end) if end is not None else None
        if part is None or used + part >= amount:
            return calendar.add_business_time(begin, amount - used), used
        used += part
    return None, used


def reach_instant(calendar: BusinessCalendar, periods, amount: timedelta) -> datetime | None:
    """The instant at which a clock running in ``periods`` has used ``amount`` of business time.

    None when it has not used that much and is not running (stopped or paused before reaching it).
    """
    return _reach(calendar, periods, amount)[0]


def _clock(calendar: BusinessCalendar, minutes: int, started_at: datetime, periods: list[Period],
           met_at: datetime | None, paused: bool, now: datetime) -> Clock:
    target = timedelta(minutes=minutes)
    elapsed = calendar.business_time_elapsed(periods, now)
    due_at, used = _reach(calendar, periods, target)
    if due_at is None:
        # Stopped (met) or paused before reaching the target: the rest counts from then, or from now.
        due_at = calendar.add_business_time(met_at or now, target - used)
    running = met_at is None and not paused
    return Clock(
        target_minutes=minutes,
        started_at=started_at,
        due_at=due_at,
        elapsed_minutes=elapsed // timedelta(minutes=1),
        running=running,
        paused=met_at is None and paused,
        met_at=met_at,
        breached=elapsed > target,
        percent_used=round(100 * elapsed / target, 1) if target else 100.0,
        periods=tuple(periods),
    )


def sla_state(ticket: Ticket, now: datetime | None = None, *, policy: SlaPolicy | None = None,
              policies=None, history=None) -> SlaState | None:
    """The ticket's SLA state at ``now`` (default: the present), or None when no policy applies.

    Computed only from ``ticket.created_at`` and the ticket's history up to ``now`` (see the module
    docstring); ``now`` in the past gives the state as it stood then, with today's configuration.
    """
    now = now or timezone.now()
    policy = policy or policy_for(ticket, policies)
    if policy is None:
        return None
    calendar = business_calendar(policy.calendar)
    entries = history_entries(ticket, HISTORY_FIELDS, now, history)
    steps = replay(ticket, entries)
    first_response_at = next((e.at for e in entries if e.field == "first_response_at" and e.new_value), None)
    current = steps[-1]
    paused = policy.pauses(current.status, current.pending_reason)

    def runs(step: Step) -> bool:
        """Open and not paused by the policy."""
        return step.status not in DONE and not policy.pauses(step.status, step.pending_reason)

    done_at = [steps[i].at for i in range(1, len(steps))
               if steps[i].status in DONE and steps[i - 1].status not in DONE]
    if steps[0].status in DONE:
        done_at.insert(0, steps[0].at)
    met_first = min(filter(None, [first_response_at, done_at[0] if done_at else None]), default=None)
    first_response = _clock(
        calendar, policy.first_response_minutes, ticket.created_at,
        running_periods(steps, runs, ticket.created_at, met_first), met_first, paused, now,
    )

    start = ticket.created_at
    if policy.restart_on_reopen:
        reopens = [steps[i].at for i in range(1, len(steps))
                   if steps[i - 1].status in DONE and steps[i].status not in DONE]
        if reopens:
            start = reopens[-1]
    resolved_at = done_at[-1] if current.status in DONE and done_at else None
    resolution = _clock(
        calendar, policy.resolution_minutes, start, running_periods(steps, runs, start, resolved_at), resolved_at,
        paused, now,
    )
    return SlaState(policy=policy, now=now, first_response=first_response, resolution=resolution)


make_clock = _clock
