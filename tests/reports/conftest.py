"""A hand-built data set for the report tests: tickets made through the desk's actions, then given the
times the test needs (the record's timestamps are what the KPIs read)."""

import datetime

import pytest

from servicedesk.reports import facts
from servicedesk.tickets import actions
from servicedesk.tickets.models import Ticket

UTC = datetime.UTC


def at(text: str) -> datetime.datetime:
    """A UTC instant written "2026-02-01 00:30"."""
    return datetime.datetime.fromisoformat(text).replace(tzinfo=UTC)


@pytest.fixture
def make_ticket(desk):
    def make(created: str, *, channel="portal", group=None, assignee=None, **times) -> Ticket:
        ticket = actions.create_ticket(actor=desk.customer1, title=f"Ticket of {created}")
        fields = {"created_at": at(created), "channel": channel, "group": group, "assignee": assignee}
        fields.update({name: at(value) if name.endswith("_at") else value for name, value in times.items()})
        Ticket.objects.filter(pk=ticket.pk).update(**fields)
        facts.refresh([ticket.pk])  # update() bypasses the receivers that keep the facts
        ticket.refresh_from_db()
        return ticket

    return make


class Clock:
    """The desk's "now", set by the test: actions stamp what they do with it."""

    def __init__(self, monkeypatch):
        from django.utils import timezone

        self.now = None
        monkeypatch.setattr(timezone, "now", lambda: self.now)

    def at(self, text: str) -> "Clock":
        self.now = at(text)
        return self


@pytest.fixture
def clock(monkeypatch):
    return Clock(monkeypatch)


@pytest.fixture
def february(desk, clock):
    """Four tickets around the January/February boundary, worked through the desk's actions at set times
    (UTC; Shanghai is 8 hours ahead), their clock rows and SLA events as the SLA engine leaves them:

    A  phone, 1st line, agent1: created 01-31 16:30 (Shanghai 02-01 00:30), resolved 16:40, closed 16:45
    B  e-mail, created 02-10 12:00 for the 1st line, routed to the 2nd line (agent2) at 14:00, 60 min logged,
       resolved 02-28 17:00 (Shanghai 03-01 01:00); first response late, resolution breached
    C  portal, 1st line, agent1: created 02-05 00:00, resolved 02-06, reopened 02-07, resolved 02-08, 30 min
       logged; response clock still running
    D  portal, 2nd line, unassigned: created 01-20, still open
    """
    from servicedesk.reports.models import CostRate
    from servicedesk.sla.models import SlaEvent, SlaTarget

    first, second = desk.first_line, desk.second_line
    clock.at("2026-01-31 16:30")
    a = actions.create_ticket(actor=desk.agent1, requester=desk.customer1, title="Password reset", channel="phone",
                              group=first, assignee=desk.agent1)
    clock.at("2026-01-31 16:40")
    actions.transition(a, "resolve", actor=desk.agent1, comment="Reset on the phone.")
    clock.at("2026-01-31 16:45")
    actions.transition(a, "close", actor=desk.agent1)

    clock.at("2026-02-10 12:00")
    b = actions.create_ticket(actor=desk.agent1, requester=desk.customer1, title="VPN drops", channel="email",
                              group=first, assignee=desk.agent1)
    clock.at("2026-02-10 14:00")
    actions.assign(b, actor=desk.agent1, group=second, assignee=desk.agent2)
    actions.log_time(b, actor=desk.agent2, minutes=60)
    clock.at("2026-02-28 17:00")
    actions.transition(b, "resolve", actor=desk.agent2, comment="Replaced the switch.")

    clock.at("2026-02-05 00:00")
    c = actions.create_ticket(actor=desk.customer2, title="Printer offline", channel="portal")
    actions.assign(c, actor=desk.agent1, group=first, assignee=desk.agent1)
    actions.log_time(c, actor=desk.agent1, minutes=30)
    clock.at("2026-02-06 00:00")
    actions.transition(c, "resolve", actor=desk.agent1, comment="Restarted the spooler.")
    clock.at("2026-02-07 00:00")
    actions.transition(c, "reopen", actor=desk.customer2, comment="Offline again.")
    clock.at("2026-02-08 00:00")
    actions.transition(c, "resolve", actor=desk.agent1, comment="Replaced the cable.")

    clock.at("2026-01-20 00:00")
    d = actions.create_ticket(actor=desk.agent1, requester=desk.customer1, title="New laptop", channel="portal",
                              group=second)

    # The clocks as the SLA engine left them (its own tests cover how it derives them).
    SlaTarget.objects.all().delete()
    SlaEvent.objects.all().delete()

    def target(ticket, key, kind, *, state="stopped", breached=False, stopped=None, group=None):
        SlaTarget.objects.create(ticket=ticket, key=key, kind=kind, group=group, started_at=ticket.created_at,
                                 target_minutes=60, state=state, breached=breached,
                                 due_at=ticket.created_at + datetime.timedelta(hours=1),
                                 stopped_at=at(stopped) if stopped else None)

    target(a, "response", "response", stopped="2026-01-31 16:40")
    target(a, "resolution", "resolution", stopped="2026-01-31 16:40")
    target(b, "response", "response", breached=True, stopped="2026-02-28 17:00")
    target(b, "resolution", "resolution", breached=True, stopped="2026-02-28 17:00")
    target(b, f"ola:{first.pk}", "ola", group=first, stopped="2026-02-10 14:00")
    target(b, f"ola:{second.pk}", "ola", group=second, breached=True, stopped="2026-02-28 17:00")
    target(c, "response", "response", state="running")
    target(c, "resolution", "resolution", stopped="2026-02-08 00:00")
    for kind, reached in (("response", "2026-02-10 13:00"), ("resolution", "2026-02-28 16:30")):
        SlaEvent.objects.create(ticket=b, key=kind, kind=kind, started_at=b.created_at, percent=100,
                                due_at=at(reached), reached_at=at(reached))
    CostRate.objects.create(group=second, hourly_rate=200)
    CostRate.objects.create(role="agent", hourly_rate=100)
    clock.at("2026-03-15 00:00")
    return {name: Ticket.objects.get(pk=t.pk) for name, t in zip("ABCD", (a, b, c, d), strict=True)}
