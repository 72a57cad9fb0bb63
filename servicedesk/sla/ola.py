"""Operational level agreements: each resolver group's own clock on a ticket, derived from history.

Like the SLA clocks (:mod:`servicedesk.sla.clocks`), nothing is counted: the state is a function of
the ticket's assignment and status history and of the groups' :class:`~servicedesk.sla.models.OlaTarget`.

Conventions
    * A group *holds* the ticket while the ticket is assigned to it (``group`` history) and open.
      Its clock runs in business time of the OLA's calendar (default: the default calendar) while it
      holds the ticket and the ticket is not paused by its SLA policy (pending on the customer is
      not the group's time); with no SLA policy nothing pauses.
    * The clock starts when the ticket is first routed to the group (``started_at``) and stops when
      the group hands the ticket on (routed to another group) or the ticket is resolved. If the
      ticket comes back, the clock goes on from the business time already used: several stints with
      the same group add up to one clock, with one target, one due time and one set of thresholds.
    * ``due_at`` follows :func:`servicedesk.sla.clocks.sla_state`: fixed while running, "if it resumed
      now" while paused or handed on, the due time that stood when the clock stopped once resolved.
    * Groups are named in the history by name (names are unique); a group renamed later is matched by
      the name it had when the history was written only if no other group has taken that name.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from django.utils import timezone

from servicedesk.accounts.models import Group
from servicedesk.sla.calendars import business_calendar
from servicedesk.sla.clocks import DONE, Clock, make_clock, policy_for
from servicedesk.sla.models import Calendar, OlaTarget, SlaPolicy
from servicedesk.sla.replay import Step, history_entries, replay, running_periods
from servicedesk.tickets.models import Ticket

__all__ = ["OlaClock", "ola_state"]

FIELDS = ("status", "pending_reason", "group")


@dataclass(frozen=True)
class OlaClock:
    group: Group
    target: OlaTarget
    clock: Clock
    holds: bool  # the group holds the ticket now
    resolved: bool  # the ticket was resolved while the group held it (the OLA is met or missed for good)
    stints: int  # how many times the ticket was routed to the group


def _paused(policy: SlaPolicy | None, step: Step) -> bool:
    """Paused by the ticket's SLA policy (pending on the customer is not the group's time); no policy: never."""
    return policy is not None and policy.pauses(step.status, step.pending_reason)


def ola_state(ticket: Ticket, now: datetime | None = None, *, policy: SlaPolicy | None = None, policies=None,
              targets: dict[str, OlaTarget] | None = None, default_calendar: Calendar | None = None,
              history=None) -> list[OlaClock]:
    """The OLA clock of every group with an active OLA target that has held the ticket, as of ``now``.

    ``targets`` (group name → OlaTarget with its group and calendar), ``default_calendar`` and the
    ticket's ``history`` rows (in (at, id) order) may be passed to evaluate many tickets without
    reloading them.
    """
    now = now or timezone.now()
    if targets is None:
        targets = {t.group.name: t for t in
                   OlaTarget.objects.filter(is_active=True).select_related("group", "calendar")}
    if not targets:
        return []
    if policy is None:
        policy = policy_for(ticket, policies)
    steps = replay(ticket, history_entries(ticket, FIELDS, now, history), FIELDS)
    result = []
    for name in dict.fromkeys(step.group for step in steps if step.group):
        target = targets.get(name)
        if target is None:
            continue
        calendar_row = target.calendar or default_calendar or Calendar.objects.filter(is_default=True).first()
        if calendar_row is None:
            continue
        calendar = business_calendar(calendar_row)
        started_at = None
        stopped_at = None
        stints = 0
        holding_before = False
        for i, step in enumerate(steps):
            holds = step.group == name and step.status not in DONE
            if holds and started_at is None:
                started_at = step.at
            if step.group == name and (i == 0 or steps[i - 1].group != name):
                stints += 1
            if holding_before and not holds:
                stopped_at = step.at
            holding_before = holds
        if started_at is None:
            continue  # routed to the group only while resolved: it never had the ticket to work
        last = steps[-1]
        holds_now = last.group == name and last.status not in DONE
        paused = holds_now and _paused(policy, last)
        met_at = None if holds_now else stopped_at
        periods = running_periods(
            steps, lambda step, name=name: step.group == name and step.status not in DONE and not _paused(policy, step))
        clock = make_clock(calendar, target.minutes, started_at, periods, met_at, paused, now)
        result.append(OlaClock(group=target.group, target=target, clock=clock, holds=holds_now,
                               resolved=not holds_now and last.group == name and last.status in DONE,
                               stints=stints))
    return result

