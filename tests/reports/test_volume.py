"""Volume KPIs on a hand-built data set across the January/February boundary, read in Shanghai and UTC."""

import datetime

import pytest

from servicedesk.reports import kpis
from servicedesk.reports.kpis import Filters

FEB = {"start": datetime.date(2026, 2, 1), "end": datetime.date(2026, 2, 28)}


@pytest.fixture
def tickets(make_ticket, desk):
    return {
        # 00:30 on 1 February in Shanghai, 16:30 on 31 January in UTC.
        "night_call": make_ticket("2026-01-31 16:30", channel="phone", group=desk.first_line, assignee=desk.agent1),
        # Resolved 01:00 on 1 March in Shanghai, still 28 February in UTC.
        "mail": make_ticket("2026-02-10 12:00", channel="email", group=desk.second_line, assignee=desk.agent2,
                            resolved_at="2026-02-28 17:00", closed_at="2026-03-02 09:00", status="closed"),
        # Resolved 04:00 on 1 February in Shanghai, 20:00 on 31 January in UTC.
        "old": make_ticket("2026-01-15 08:00", channel="portal", group=desk.first_line, assignee=desk.agent1,
                           resolved_at="2026-01-31 20:00", status="resolved"),
    }


def figures(user, tz, **extra):
    report = kpis.compute(user, Filters(tz=tz, **FEB, **extra),
                          ["tickets_created", "tickets_resolved", "tickets_closed", "contacts_phone",
                           "contacts_email"])
    return {key: value.total for key, value in report.values.items()}


def test_a_month_in_shanghai_and_in_utc(tickets, desk):
    assert figures(desk.manager, "Asia/Shanghai") == {
        "tickets_created": 2, "tickets_resolved": 1, "tickets_closed": 0, "contacts_phone": 1, "contacts_email": 1}
    assert figures(desk.manager, "UTC") == {
        "tickets_created": 1, "tickets_resolved": 1, "tickets_closed": 0, "contacts_phone": 0, "contacts_email": 1}


def test_series_has_one_point_per_day_in_the_viewers_zone(tickets, desk):
    report = kpis.compute(desk.manager, Filters(tz="Asia/Shanghai", **FEB), ["tickets_created"])
    series = dict(report.values["tickets_created"].series)
    assert len(series) == 28
    assert series[datetime.date(2026, 2, 1)] == 1
    assert series[datetime.date(2026, 2, 10)] == 1
    assert sum(series.values()) == 2


def test_compare_with_january(tickets, desk):
    report = kpis.compute(desk.manager, Filters(tz="UTC", **FEB), ["tickets_created"], compare=True)
    assert report.previous["tickets_created"].total == 2   # the night call and the old one, in UTC January
    assert [day for day, _ in report.previous["tickets_created"].series][0] == datetime.date(2026, 1, 1)


def test_breakdown_and_drill_down_are_the_same_tickets(tickets, desk):
    filters = Filters(tz="Asia/Shanghai", **FEB)
    rows = kpis.breakdown(desk.manager, "tickets_created", filters, "group")
    # Equal counts: by label ("Network ..." before "Service Desk ...").
    assert [(row.id, row.total, row.count) for row in rows] == [(desk.second_line.pk, 1, 1), (desk.first_line.pk, 1, 1)]
    listed = kpis.tickets(desk.manager, "tickets_created", filters)
    assert [t.pk for t in listed] == [tickets["mail"].pk, tickets["night_call"].pk]
    one_day = kpis.tickets(desk.manager, "tickets_created", filters, period=datetime.date(2026, 2, 1))
    assert [t.pk for t in one_day] == [tickets["night_call"].pk]


def test_an_agent_sees_only_their_own_figures(tickets, desk):
    assert figures(desk.agent1, "Asia/Shanghai")["tickets_created"] == 1
    with pytest.raises(kpis.scope.NotAllowed):
        figures(desk.agent1, "Asia/Shanghai", agent=desk.agent2.pk)


def test_a_customer_sees_no_report(tickets, desk):
    with pytest.raises(kpis.scope.NotAllowed):
        figures(desk.customer1, "UTC")
