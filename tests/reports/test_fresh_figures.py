"""The figures follow the tickets: after edits, a reassignment, a reopening, a deletion, changed SLA clocks and
logged time every figure equals a naive recomputation, in Python, from the raw rows (the reports read a
per-ticket facts row: it must never go stale)."""

import datetime
import statistics
import zoneinfo

import pytest
from django.core.management import call_command

from servicedesk.accounts.models import Group, Tier
from servicedesk.reports import kpis
from servicedesk.reports.kpis import Filters
from servicedesk.reports.models import CostRate, TicketFacts
from servicedesk.sla import tracking
from servicedesk.sla.models import SlaTarget
from servicedesk.tickets import actions
from servicedesk.tickets.models import HistoryEntry, Ticket, TimeEntry

FEB = {"start": datetime.date(2026, 2, 1), "end": datetime.date(2026, 2, 28)}


def recomputed(tz: str) -> dict:
    zone = zoneinfo.ZoneInfo(tz)
    start = datetime.datetime(2026, 2, 1, tzinfo=zone)
    end = datetime.datetime(2026, 3, 1, tzinfo=zone)

    def within(moment):
        return moment is not None and start <= moment < end

    tickets = list(Ticket.objects.all())
    created = [t for t in tickets if within(t.created_at)]
    resolved = [t for t in tickets if within(t.resolved_at)]
    beyond = set(Group.objects.filter(tier__gt=Tier.FIRST).values_list("name", flat=True))
    routed = {h.ticket_id for h in HistoryEntry.objects.filter(field="group") if h.new_value in beyond}
    reopened = set(HistoryEntry.objects.filter(event="reopen", field="status").values_list("ticket_id", flat=True))
    minutes = [(t.resolved_at - t.created_at).total_seconds() / 60 for t in resolved]
    fcr = [t for t in resolved if t.pk not in routed and t.pk not in reopened]
    agents = {t.assignee_id for t in resolved if t.assignee_id}
    clocks = {(c.ticket_id, c.key): c for c in SlaTarget.objects.filter(key__in=("response", "resolution"))}
    decided = [clocks[t.pk, "response"] for t in created if (t.pk, "response") in clocks
               and (clocks[t.pk, "response"].state == "stopped" or clocks[t.pk, "response"].breached)]
    with_target = [clocks[t.pk, "resolution"] for t in resolved if (t.pk, "resolution") in clocks]
    transfers = {}
    for h in HistoryEntry.objects.filter(field="group").order_by("at", "id"):
        if h.new_value in beyond:
            transfers.setdefault(h.ticket_id, h.at)
    waits = [(transfers[t.pk] - t.created_at).total_seconds() / 60 for t in created if t.pk in transfers]
    group_rates = {r.group_id: float(r.hourly_rate) for r in CostRate.objects.filter(group__isnull=False)}
    role_rates = {r.role: float(r.hourly_rate) for r in CostRate.objects.filter(group__isnull=True)}

    def cost(t):
        return sum(e.minutes * group_rates.get(t.group_id, role_rates.get(e.agent.role, 0.0)) / 60
                   for e in TimeEntry.objects.filter(ticket=t))

    def open_at(t):
        return (t.created_at < end and (t.resolved_at is None or t.resolved_at >= end)
                and (t.closed_at is None or t.closed_at >= end))

    return {
        "tickets_created": len(created),
        "tickets_resolved": len(resolved),
        "tickets_closed": sum(within(t.closed_at) for t in tickets),
        "contacts_phone": sum(t.channel == "phone" for t in created),
        "first_contact_resolution": 100 * len(fcr) / len(resolved) if resolved else None,
        "time_to_resolve_mean": statistics.mean(minutes) if minutes else None,
        "time_to_resolve_median": statistics.median(minutes) if minutes else None,
        "tickets_per_agent": sum(1 for t in resolved if t.assignee_id) / len(agents) if agents else None,
        "backlog": sum(open_at(t) for t in tickets),
        "first_response_in_time": (100 * sum(c.state == "stopped" and not c.breached for c in decided) / len(decided)
                                   if decided else None),
        "resolution_in_sla": (100 * sum(not c.breached for c in with_target) / len(with_target)
                              if with_target else None),
        "time_to_second_line": statistics.mean(waits) if waits else None,
        "cost_per_ticket": statistics.mean(cost(t) for t in resolved) if resolved else None,
    }


def assert_fresh():
    from django.contrib.auth import get_user_model

    manager = get_user_model().objects.get(username="manager")
    for tz in ("Asia/Shanghai", "UTC"):
        expected = recomputed(tz)
        values = kpis.compute(manager, Filters(tz=tz, **FEB), list(expected)).values
        assert {key: values[key].total for key in expected} == pytest.approx(expected), tz


def test_figures_follow_every_change(february, desk, clock):
    assert_fresh()
    b, c, d = (february[name] for name in "BCD")
    # Edit the laptop request and route it to the 1st line: the backlog's breakdown follows.
    clock.at("2026-03-15 09:00")
    actions.update_ticket(d, actor=desk.manager, changes={"title": "New laptop (urgent)", "impact": 1})
    actions.assign(d, actor=desk.manager, group=desk.first_line, assignee=desk.agent1)
    assert_fresh()
    rows = kpis.breakdown(desk.manager, "backlog", Filters(tz="UTC", **FEB), "group")
    assert [(row.id, row.count) for row in rows] == [(desk.first_line.pk, 1)]
    # Reopen: B's customer says the VPN drops again; its resolution leaves February, it joins the backlog.
    actions.transition(b, "reopen", actor=desk.customer1, comment="Drops again.")
    actions.assign(b, actor=desk.manager, group=desk.third_line, assignee=desk.agent2)
    assert_fresh()
    # Resolve again, then delete the open laptop request (as the admin site does).
    clock.at("2026-03-16 09:00")
    actions.transition(b, "resolve", actor=desk.agent2, comment="New firmware.")
    Ticket.objects.filter(pk=d.pk).delete()
    assert_fresh()
    figures = kpis.compute(desk.manager, Filters(tz="UTC", **FEB), ["tickets_resolved", "backlog"]).values
    # C only (B resolved in March); the backlog at the end of February: B (reopened, so open since 02-10)
    # and no longer D.
    assert (figures["tickets_resolved"].total, figures["backlog"].total) == (1, 1)
    assert c.pk in kpis.tickets(desk.manager, "tickets_resolved", Filters(tz="UTC", **FEB)).values_list("pk", flat=True)


def test_figures_follow_clocks_and_time(february, desk, clock):
    b, c = february["B"], february["C"]
    # The SLA engine rewrites C's clocks (its response clock is answered now, its resolution clock breached).
    clock.at("2026-03-15 09:00")
    SlaTarget.objects.filter(ticket=c, key="response").update(state="stopped")
    resolution = SlaTarget.objects.get(ticket=c, key="resolution")
    resolution.breached = True
    resolution.save()
    assert_fresh()
    # A recomputation by the tracker (bulk rows, no save signals) rewrites the facts with the clocks.
    tracking.recompute_ticket(b.pk)
    tracking.recompute_ticket(c.pk)
    assert_fresh()
    # Time logged and time struck out change the cost.
    actions.log_time(c, actor=desk.agent2, minutes=45)
    assert_fresh()
    TimeEntry.objects.filter(ticket=b).first().delete()
    assert_fresh()
    before = kpis.compute(desk.manager, Filters(tz="UTC", **FEB), ["cost_per_ticket"]).values["cost_per_ticket"]
    assert before.total == pytest.approx((45 * 100 / 60 + 30 * 100 / 60) / 2)


def test_rebuild_gives_what_the_receivers_kept(february, desk):
    actions.log_time(february["C"], actor=desk.agent2, minutes=45)
    kept = list(TicketFacts.objects.order_by("pk").values())
    TicketFacts.objects.all().delete()
    call_command("rebuild-report-facts", stdout=open("/dev/null", "w"))
    assert list(TicketFacts.objects.order_by("pk").values()) == kept
    assert len(kept) == Ticket.objects.count()
