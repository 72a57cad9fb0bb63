"""The satisfaction, phone and self-service KPIs on hand-built data, with the answers worked out here, for a viewer
in Shanghai and one in UTC across the January/February boundary: 16:30 UTC on 31 January is 00:30 on 1 February
in Shanghai."""

import datetime

import pytest

from servicedesk.knowledge.models import Article, ArticleEvent, EventKind
from servicedesk.reports import kpis
from servicedesk.reports.filters import Filters
from servicedesk.surveys.models import SurveyResponse
from servicedesk.telephony.models import Call, Direction, State
from servicedesk.tickets import actions as ticket_actions
from servicedesk.tickets.models import Category

UTC = datetime.UTC
FEB = dict(start=datetime.date(2026, 2, 1), end=datetime.date(2026, 2, 28))
JAN = dict(start=datetime.date(2026, 1, 1), end=datetime.date(2026, 1, 31))


def at(day: int, hour: int, minute: int = 0, month: int = 1) -> datetime.datetime:
    return datetime.datetime(2026, month, day, hour, minute, tzinfo=UTC)


def report(user, tz, keys, granularity="month", **period):
    return kpis.compute(user, Filters(tz=tz, granularity=granularity, **period), keys).values


def figures(user, tz, keys, **period):
    values = report(user, tz, keys, **period)
    return {key: (None if v.total is None else round(v.total, 2), v.count) for key, v in values.items()}


@pytest.fixture
def surveys(desk):
    """Four surveys: A answered 5 at 00:30 on 1 Feb in Shanghai (still January in UTC), B answered 2 in January
    in both zones, C answered 4 in February in both (agent2's ticket, 2nd line), D asked at 01:00 on 1 Feb in
    Shanghai (January in UTC) and never answered."""
    def ticket(assignee, group):
        made = ticket_actions.create_ticket(actor=desk.customer1, title="Printer", channel="portal")
        return ticket_actions.assign(made, actor=desk.agent1, group=group, assignee=assignee, channel="console")

    first, second = desk.first_line, desk.second_line
    rows = [
        (ticket(desk.agent1, first), at(30, 9), 5, at(31, 16, 30)),
        (ticket(desk.agent1, first), at(29, 9), 2, at(31, 10)),
        (ticket(desk.agent2, second), at(9, 3, month=2), 4, at(10, 3, month=2)),
        (ticket(desk.agent1, first), at(31, 17), None, None),
    ]
    return [SurveyResponse.objects.create(ticket=t, resolution=1, asked_at=asked, rating=rating, answered_at=answered,
                                          channel="email" if rating else "")
            for t, asked, rating, answered in rows]


CSAT = ["csat_average", "csat_satisfied_pct", "csat_response_rate"]


def test_satisfaction_in_february_for_a_viewer_in_shanghai_and_one_in_utc(desk, surveys):
    # Shanghai: answered in February A (5) and C (4); asked in February C (answered) and D (not).
    assert figures(desk.manager, "Asia/Shanghai", CSAT, **FEB) == {
        "csat_average": (4.5, 2), "csat_satisfied_pct": (100.0, 2), "csat_response_rate": (50.0, 2)}
    # UTC: only C was answered in February, and only C asked.
    assert figures(desk.manager, "UTC", CSAT, **FEB) == {
        "csat_average": (4.0, 1), "csat_satisfied_pct": (100.0, 1), "csat_response_rate": (100.0, 1)}


def test_satisfaction_in_january_for_both_viewers(desk, surveys):
    # UTC: answered A (5) and B (2): 3.5, one of two satisfied; asked A, B and D, two answered.
    assert figures(desk.manager, "UTC", CSAT, **JAN) == {
        "csat_average": (3.5, 2), "csat_satisfied_pct": (50.0, 2), "csat_response_rate": (66.67, 3)}
    # Shanghai: answered B (2) only; asked A and B, both answered.
    assert figures(desk.manager, "Asia/Shanghai", CSAT, **JAN) == {
        "csat_average": (2.0, 1), "csat_satisfied_pct": (0.0, 1), "csat_response_rate": (100.0, 2)}


def test_the_daily_series_puts_each_answer_on_its_local_day(desk, surveys):
    values = report(desk.manager, "Asia/Shanghai", ["csat_average"], granularity="day",
                    start=datetime.date(2026, 1, 31), end=datetime.date(2026, 2, 1))
    assert values["csat_average"].series == [(datetime.date(2026, 1, 31), 2.0), (datetime.date(2026, 2, 1), 5.0)]
    values = report(desk.manager, "UTC", ["csat_average"], granularity="day",
                    start=datetime.date(2026, 1, 31), end=datetime.date(2026, 2, 1))
    assert values["csat_average"].series == [(datetime.date(2026, 1, 31), 3.5), (datetime.date(2026, 2, 1), None)]


def test_satisfaction_per_group_and_an_agent_sees_only_their_own(desk, surveys):
    rows = kpis.breakdown(desk.manager, "csat_average", Filters(tz="UTC", **JAN), "group")
    assert [(row.id, row.total, row.count) for row in rows] == [(desk.first_line.pk, 3.5, 2)]
    # agent2's own figures: C only (February, UTC).
    assert figures(desk.agent2, "UTC", CSAT, **FEB) == {
        "csat_average": (4.0, 1), "csat_satisfied_pct": (100.0, 1), "csat_response_rate": (100.0, 1)}
    assert figures(desk.agent1, "UTC", CSAT, **FEB) == {
        "csat_average": (None, 0), "csat_satisfied_pct": (None, 0), "csat_response_rate": (None, 0)}


def test_the_tickets_behind_a_satisfaction_figure(desk, surveys):
    behind = kpis.tickets(desk.manager, "csat_average", Filters(tz="Asia/Shanghai", **FEB))
    assert set(behind) == {surveys[0].ticket, surveys[2].ticket}
    behind = kpis.tickets(desk.manager, "csat_response_rate", Filters(tz="Asia/Shanghai", **FEB))
    assert set(behind) == {surveys[2].ticket, surveys[3].ticket}


@pytest.fixture
def calls(desk):
    """c1 answered after 20 s and c2 abandoned, both in the first half hour of 1 Feb in Shanghai (31 Jan in UTC);
    c3 answered after 40 s on 3 Feb, logged as a ticket of a category; an outbound call (never counted); c5 logged by
    hand (answered, not timed)."""
    logged = ticket_actions.create_ticket(actor=desk.agent2, requester=desk.customer3, title="VPN", channel="phone",
                                          category=Category.objects.filter(parent__isnull=False).first())
    rows = [
        dict(offered_at=at(31, 16, 10), answered_at=at(31, 16, 10) + datetime.timedelta(seconds=20),
             state=State.ENDED, wait_seconds=20, agent=desk.agent1, queue_group=desk.first_line),
        dict(offered_at=at(31, 16, 20), state=State.ABANDONED, wait_seconds=75, queue_group=desk.first_line),
        dict(offered_at=at(3, 2, month=2), answered_at=at(3, 2, month=2) + datetime.timedelta(seconds=40),
             state=State.ENDED, wait_seconds=40, agent=desk.agent2, queue_group=desk.second_line, ticket=logged),
        dict(offered_at=at(3, 3, month=2), answered_at=at(3, 3, month=2), state=State.ENDED, wait_seconds=0,
             direction=Direction.OUTBOUND, agent=desk.agent1),
        dict(offered_at=at(4, 3, month=2), answered_at=at(4, 3, month=2), state=State.ENDED, agent=desk.agent1,
             source="quick-log"),
    ]
    for number, row in enumerate(rows):
        row.setdefault("source", "pbx")
        row.setdefault("direction", Direction.INBOUND)
        Call.objects.create(external_id=f"call-{number}", **row)
    return logged


CALLS = ["calls_offered", "calls_answered", "calls_abandoned_rate", "calls_answer_time"]


def test_call_figures_in_february_for_both_viewers(desk, calls):
    # Shanghai: c1, c2, c3 and c5 offered; three answered; one of four abandoned; answer time (20 + 40) / 2.
    assert figures(desk.manager, "Asia/Shanghai", CALLS, **FEB) == {
        "calls_offered": (4.0, 4), "calls_answered": (3.0, 3), "calls_abandoned_rate": (25.0, 4),
        "calls_answer_time": (30.0, 2)}
    # UTC: c1 and c2 were January's; c3 and c5 remain.
    assert figures(desk.manager, "UTC", CALLS, **FEB) == {
        "calls_offered": (2.0, 2), "calls_answered": (2.0, 2), "calls_abandoned_rate": (0.0, 2),
        "calls_answer_time": (40.0, 1)}
    assert figures(desk.manager, "UTC", CALLS, **JAN) == {
        "calls_offered": (2.0, 2), "calls_answered": (1.0, 1), "calls_abandoned_rate": (50.0, 2),
        "calls_answer_time": (20.0, 1)}


def test_call_figures_by_queue_group_by_the_logged_tickets_category_and_for_an_agent(desk, calls):
    narrowed = Filters(tz="Asia/Shanghai", group=desk.first_line.pk, **FEB)
    values = kpis.compute(desk.manager, narrowed, CALLS).values
    assert (values["calls_offered"].total, values["calls_abandoned_rate"].total) == (2.0, 50.0)
    by_category = Filters(tz="Asia/Shanghai", category=calls.category_id, **FEB)
    assert kpis.compute(desk.manager, by_category, ["calls_offered"]).values["calls_offered"].total == 1.0
    assert list(kpis.tickets(desk.manager, "calls_offered", Filters(tz="Asia/Shanghai", **FEB))) == [calls]
    # agent2 answered c3 only.
    assert figures(desk.agent2, "Asia/Shanghai", ["calls_offered", "calls_answer_time"], **FEB) == {
        "calls_offered": (1.0, 1), "calls_answer_time": (40.0, 1)}
    rows = kpis.breakdown(desk.manager, "calls_offered", Filters(tz="Asia/Shanghai", **FEB), "group")
    assert {(row.id, row.count) for row in rows} == {(desk.first_line.pk, 2), (desk.second_line.pk, 1), (None, 1)}


@pytest.fixture
def article_events(desk):
    article = Article.objects.create(title="Reset your password", owner=desk.agent1, created_by=desk.agent1)
    for kind, when, user in [
        (EventKind.VIEW, at(31, 16, 45), desk.customer1),       # 1 Feb in Shanghai, 31 Jan in UTC
        (EventKind.VIEW, at(2, 9, month=2), desk.customer3),
        (EventKind.DEFLECTION, at(31, 17), desk.customer1),     # 1 Feb in Shanghai, 31 Jan in UTC
        (EventKind.SOLVED, at(5, 9, month=2), desk.customer3),
        (EventKind.SUGGESTED, at(5, 8, month=2), desk.customer3),  # an open, not yet a deflection
    ]:
        ArticleEvent.objects.create(article=article, kind=kind, created_at=when, user=user)


def test_self_service_figures_for_both_viewers(desk, article_events):
    keys = ["deflections", "article_views"]
    assert figures(desk.manager, "Asia/Shanghai", keys, **FEB) == {"deflections": (2.0, 2), "article_views": (2.0, 2)}
    assert figures(desk.manager, "UTC", keys, **FEB) == {"deflections": (1.0, 1), "article_views": (1.0, 1)}
    assert figures(desk.manager, "UTC", keys, **JAN) == {"deflections": (1.0, 1), "article_views": (1.0, 1)}
    # By organisation (customer3's is B); an agent's own figures have no self-service part.
    by_b = Filters(tz="UTC", organisation=desk.customer3.organisation_id, **FEB)
    assert kpis.compute(desk.manager, by_b, keys).values["deflections"].total == 1.0
    assert figures(desk.agent1, "UTC", keys, **FEB) == {"deflections": (None, 0), "article_views": (None, 0)}
