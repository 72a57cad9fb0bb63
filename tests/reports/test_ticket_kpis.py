"""Every record-derived KPI on the February data set (tests/reports/conftest.py), its answers worked out by
hand for a viewer in Shanghai and one in UTC; breakdowns, distributions and drill-downs on the same tickets."""

import datetime

import pytest

from servicedesk.reports import kpis
from servicedesk.reports.kpis import Filters

FEB = {"start": datetime.date(2026, 2, 1), "end": datetime.date(2026, 2, 28)}
SHANGHAI = Filters(tz="Asia/Shanghai", **FEB)
UTC = Filters(tz="UTC", **FEB)

# Shanghai February: A, B, C created (D in January); A and C resolved (B on 1 March at 01:00).
# UTC February: B and C created (A on 31 January); B and C resolved.
EXPECTED = {
    "tickets_created": (3, 2),
    "tickets_resolved": (2, 2),
    "tickets_closed": (1, 0),                    # A closed 01-31 16:45 UTC
    "contacts_phone": (1, 0),
    "contacts_email": (1, 1),
    "contacts_portal": (1, 1),
    # Decided response clocks of the tickets created: A in time, B late (C still running).
    "first_response_in_time": (50.0, 0.0),       # Shanghai: A, B; UTC: B
    "resolution_in_sla": (100.0, 50.0),          # Shanghai: A, C met; UTC: B breached, C met
    "sla_breaches": (1, 2),                      # B's resolution breach at 16:30 on 02-28 UTC is March in Shanghai
    "ola_met": (100.0, 50.0),                    # 1st line met on 02-10; 2nd line breached 02-28 17:00 UTC
    "first_contact_resolution": (50.0, 0.0),     # A yes; C reopened; B went to the 2nd line
    "reopen_rate": (100 / 3, 100 / 3),           # one reopening; resolutions: A, C, C (Shanghai), B, C, C (UTC)
    "time_to_second_line": (120.0, 120.0),       # B: 12:00 → 14:00
    "time_to_resolve_mean": ((10 + 4320) / 2, (26220 + 4320) / 2),   # A 10 min, C 3 days, B 18 d 5 h
    "time_to_resolve_median": ((10 + 4320) / 2, (26220 + 4320) / 2),
    "tickets_per_agent": (2.0, 1.0),             # A, C by agent1; B by agent2 and C by agent1
    "backlog": (2, 1),                           # B (resolved after Shanghai's end) and D; D at UTC's end
    "cost_per_ticket": ((0 + 50) / 2, (200 + 50) / 2),   # C 30 min × 100 (role), B 60 min × 200 (group)
}


@pytest.mark.parametrize(("key", "expected"), EXPECTED.items(), ids=list(EXPECTED))
def test_every_kpi_in_two_zones(february, desk, key, expected):
    for filters, answer in zip((SHANGHAI, UTC), expected, strict=True):
        value = kpis.compute(desk.manager, filters, [key]).values[key]
        assert value.total == pytest.approx(answer), filters.tz
        assert len(value.series) == 28


def test_all_at_once_equals_one_by_one(february, desk):
    together = kpis.compute(desk.manager, SHANGHAI, list(EXPECTED), compare=True)
    for key, (answer, _) in EXPECTED.items():
        assert together.values[key].total == pytest.approx(answer), key
    assert together.previous["tickets_created"].total == 1       # D, 01-20 (A is February in Shanghai)


def test_series_put_each_ticket_on_its_local_day(february, desk):
    series = dict(kpis.compute(desk.manager, SHANGHAI, ["tickets_resolved", "backlog"]).values["tickets_resolved"]
                  .series)
    assert series[datetime.date(2026, 2, 1)] == 1 and series[datetime.date(2026, 2, 8)] == 1
    assert sum(series.values()) == 2
    backlog = dict(kpis.compute(desk.manager, SHANGHAI, ["backlog"]).values["backlog"].series)
    # End of 02-01 (Shanghai): D; C opens 02-05 (resolved 02-08 but reopened meanwhile: the record keeps the
    # latest resolution, so C is open from 02-05 to 02-08); B from 02-10.
    assert backlog[datetime.date(2026, 2, 1)] == 1
    assert backlog[datetime.date(2026, 2, 6)] == 2
    assert backlog[datetime.date(2026, 2, 10)] == 2
    assert backlog[datetime.date(2026, 2, 28)] == 2


def test_weekly_and_monthly_series(february, desk):
    from dataclasses import replace

    monthly = kpis.compute(desk.manager, replace(UTC, start=datetime.date(2026, 1, 1), granularity="month"),
                           ["tickets_created"]).values["tickets_created"]
    assert monthly.series == [(datetime.date(2026, 1, 1), 2), (datetime.date(2026, 2, 1), 2)]
    weekly = kpis.compute(desk.manager, replace(UTC, granularity="week"), ["tickets_created"]).values
    assert dict(weekly["tickets_created"].series)[datetime.date(2026, 2, 2)] == 1   # C, Thursday 02-05


def test_breakdown_by_group_agent_and_channel(february, desk):
    rows = kpis.breakdown(desk.manager, "tickets_created", SHANGHAI, "group")
    assert [(r.id, r.count) for r in rows] == [(desk.first_line.pk, 2), (desk.second_line.pk, 1)]
    rows = kpis.breakdown(desk.manager, "ola_met", UTC, "group")
    assert sorted((r.id, r.total) for r in rows) == sorted([(desk.first_line.pk, 100.0), (desk.second_line.pk, 0.0)])
    rows = kpis.breakdown(desk.manager, "time_to_resolve_median", UTC, "agent")
    assert sorted((r.label, r.total) for r in rows) == sorted([(desk.agent1.display_name, 4320.0),
                                                              (desk.agent2.display_name, 26220.0)])
    rows = kpis.breakdown(desk.manager, "backlog", UTC, "channel")
    assert [(r.id, r.count) for r in rows] == [("portal", 1)]


def test_breakdown_rows_add_up_to_the_figure(february, desk):
    for key in ("tickets_created", "first_contact_resolution", "cost_per_ticket", "sla_breaches"):
        figure = kpis.compute(desk.manager, UTC, [key]).values[key]
        rows = kpis.breakdown(desk.manager, key, UTC, "desk")
        assert sum(r.count for r in rows) == figure.count, key


@pytest.mark.parametrize("key", ["tickets_created", "tickets_resolved", "tickets_closed", "first_response_in_time",
                                 "resolution_in_sla", "first_contact_resolution", "time_to_second_line",
                                 "time_to_resolve_mean", "time_to_resolve_median", "tickets_per_agent", "backlog",
                                 "cost_per_ticket"])
def test_drill_down_lists_the_tickets_the_figure_counts(february, desk, key):
    for filters in (SHANGHAI, UTC):
        figure = kpis.compute(desk.manager, filters, [key]).values[key]
        assert kpis.tickets(desk.manager, key, filters).count() == figure.count, (key, filters.tz)


def test_drill_down_by_period_and_newest_first(february, desk):
    listed = list(kpis.tickets(desk.manager, "tickets_created", SHANGHAI))
    assert listed == [february["B"], february["C"], february["A"]]
    assert list(kpis.tickets(desk.manager, "tickets_created", SHANGHAI, datetime.date(2026, 2, 1))) == [february["A"]]
    assert list(kpis.tickets(desk.manager, "reopen_rate", UTC)) == [february["C"]]
    assert list(kpis.tickets(desk.manager, "backlog", UTC)) == [february["D"]]


def test_distributions(february, desk):
    buckets = dict(kpis.distribution(desk.manager, "first_response_in_time", SHANGHAI))
    # A answered in 10 min; C after 1 day (its resolution); B after 18 days.
    assert buckets == {"< 15 min": 1, "15–30 min": 0, "30–60 min": 0, "1–4 h": 0, "4–8 h": 0, "> 8 h": 2,
                       "none yet": 0}
    assert kpis.distribution(desk.manager, "sla_breaches", UTC) == [("First response", 1), ("Resolution", 1)]
    ageing = dict(kpis.distribution(desk.manager, "backlog", UTC))
    assert ageing["7–30 days"] == 0 and ageing["> 30 days"] == 1       # D: 01-20 to 03-01


def test_an_agent_sees_their_own_figures_only(february, desk):
    mine = kpis.compute(desk.agent1, SHANGHAI, ["tickets_created", "tickets_resolved"]).values
    assert (mine["tickets_created"].total, mine["tickets_resolved"].total) == (2, 2)   # A and C
    with pytest.raises(kpis.scope.NotAllowed):
        kpis.breakdown(desk.agent1, "tickets_created", Filters(tz="UTC", agent=desk.agent2.pk, **FEB), "agent")
    rows = kpis.breakdown(desk.agent1, "tickets_created", SHANGHAI, "agent")
    assert [r.id for r in rows] == [desk.agent1.pk]
    assert set(kpis.tickets(desk.agent1, "tickets_created", SHANGHAI)) == {february["A"], february["C"]}


def test_a_lead_sees_their_groups_only(february, desk):
    from servicedesk.tickets import actions

    actions.create_ticket(actor=desk.agent2, requester=desk.customer1, title="App crash", channel="portal",
                          group=desk.third_line, assignee=desk.agent2)
    now = datetime.date(2026, 3, 15)
    march = Filters(tz="UTC", start=now.replace(day=1), end=datetime.date(2026, 3, 31))
    assert kpis.compute(desk.manager, march, ["tickets_created"]).values["tickets_created"].total == 1
    assert kpis.compute(desk.lead1, march, ["tickets_created"]).values["tickets_created"].total == 0
    with pytest.raises(kpis.scope.NotAllowed):
        kpis.compute(desk.lead1, Filters(tz="UTC", group=desk.third_line.pk, **FEB))
    assert kpis.compute(desk.lead1, SHANGHAI, ["tickets_created"]).values["tickets_created"].total == 3
