"""The hourly rollup stays exact: random tickets changed at random (routed, resolved, closed, reopened, merged,
time logged, edited in bulk, deleted; the SLA evaluator recording warnings and breaches, the clocks recomputed,
an event struck out) leave it equal to a rebuild from the facts and the SLA rows, and every dashboard figure read
from it (the medians from its octaves) equals the same figure read from the facts and tables (a desk filter,
which the rollup does not keep, reads them)."""

import datetime
import random

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from servicedesk.core.errors import ActionError
from servicedesk.reports import facts, kpis, rollup
from servicedesk.reports.filters import Filters
from servicedesk.reports.measures import MEASURES
from servicedesk.reports.models import RESOLVE_BUCKETS, CostRate, HourlyFigures, TicketFacts, resolve_bucket
from servicedesk.sla import tracking
from servicedesk.sla.models import OlaTarget, SlaEvent, SlaTarget
from servicedesk.tickets import actions
from servicedesk.tickets.models import Channel, Ticket

UTC = datetime.UTC
START = datetime.datetime(2026, 1, 1, tzinfo=UTC)
# Every KPI the rollup can serve (the median from its octaves and the middle octave's facts), and the one it
# never does (computed beside it, from the facts).
ROLLED = [key for key, m in MEASURES.items() if m.rolled] + ["backlog"]
KEYS = [*ROLLED, "time_to_resolve_median", "tickets_per_agent"]


def snapshot() -> dict:
    """The rollup's rows that hold anything (a row whose tickets all moved away stays, at zero)."""
    found = {}
    for row in HourlyFigures.objects.values():
        amounts = {name: row[name] for name in rollup.FIELDS}
        if any(amounts.values()):
            found[(row["hour"], row["group_key"])] = amounts
    return found


def work(desk, clock, rng: random.Random, tickets: int, changes: int) -> None:
    groups = [desk.first_line, desk.second_line, desk.third_line, desk.supplier]
    staff = [desk.agent1, desk.agent2, desk.lead1, desk.manager]
    now = START
    made: list[int] = []

    def later():
        nonlocal now
        now += datetime.timedelta(minutes=rng.randint(1, 1200), seconds=rng.randint(0, 59),
                                  microseconds=rng.randint(0, 999_999))
        clock.now = now

    for _ in range(tickets):
        later()
        ticket = actions.create_ticket(actor=desk.agent1, title="Printer", requester=desk.customer1,
                                       channel=rng.choice(Channel.values), group=rng.choice([None, *groups[:3]]))
        made.append(ticket.pk)
    for _ in range(changes):
        later()
        if rng.random() < 0.1:
            # The evaluator fires the thresholds (warnings, breaches) reached by now: one INSERT statement.
            tracking.evaluate(now=now, escalate=False)
            continue
        pk = rng.choice(made)
        ticket = Ticket.objects.filter(pk=pk).first()
        if ticket is None:
            continue
        change = rng.choice(["route", "resolve", "resolve", "close", "reopen", "merge", "time", "bulk", "delete",
                             "recompute", "strike"])
        try:
            if change == "route":
                actions.assign(ticket, actor=desk.manager, group=rng.choice(groups[:3]))
            elif change == "resolve":
                actions.transition(ticket, "resolve", actor=desk.agent2, comment="Done.")
            elif change in ("close", "reopen"):
                actor = desk.customer1 if change == "reopen" else desk.agent2
                actions.transition(ticket, change, actor=actor, comment="Again." if change == "reopen" else "")
            elif change == "merge":
                actions.merge(ticket, rng.choice(made), actor=desk.manager)
            elif change == "time":
                actions.log_time(ticket, actor=rng.choice(staff[:2]), minutes=rng.randint(5, 90))
            elif change == "bulk":
                # A bulk edit the receivers do not see, then the refresh its writer owes: any group (or none),
                # any assignee (a lead's own ticket beyond their groups), its creation moved within its hour.
                Ticket.objects.filter(pk=pk).update(
                    group=rng.choice([None, *groups]), assignee=rng.choice([None, *staff]),
                    created_at=ticket.created_at.replace(minute=rng.randint(0, 59)))
                facts.refresh([pk])
            elif change == "recompute":
                tracking.recompute_ticket(pk)
            elif change == "strike":
                # An event struck out through the ORM (the admin's, a repair): its breach leaves the rollup.
                event = SlaEvent.objects.filter(ticket_id=pk).order_by("?").first()
                if event is not None:
                    event.delete()
            else:
                ticket.delete()
        except ActionError:
            continue


def figures(user, filters: Filters) -> dict:
    report = kpis.compute(user, filters, KEYS, compare=True)
    return {(when, key): (value.total, value.count, [point for _period, point in value.series])
            for when, values in (("now", report.values), ("before", report.previous)) for key, value in values.items()}


def close(found, wanted) -> bool:
    # Means differ in the last digits (float sums in another order; SQLite rounds the facts' minutes to 1e-4).
    return found == wanted if None in (found, wanted) else found == pytest.approx(wanted, rel=1e-9, abs=1e-4)


def same(rolled: dict, raw: dict) -> None:
    assert rolled.keys() == raw.keys()
    for name, (total, count, series) in rolled.items():
        want_total, want_count, want_series = raw[name]
        assert count == want_count, name
        assert close(total, want_total), (name, total, want_total)
        assert len(series) == len(want_series) and all(map(close, series, want_series)), (name, series, want_series)


@pytest.mark.parametrize("seed", [1, 2])
def test_rollup_equals_a_rebuild_and_the_facts(desk, clock, seed):
    CostRate.objects.create(group=desk.second_line, hourly_rate=120)
    CostRate.objects.create(role="agent", hourly_rate=60)
    # OLAs (business minutes) short and long enough to be missed and met at the pace of the changes.
    for group, minutes in ((desk.first_line, 240), (desk.second_line, 2400), (desk.third_line, 9600)):
        OlaTarget.objects.create(group=group, minutes=minutes)
    rng = random.Random(seed)
    work(desk, clock, rng, tickets=40, changes=160)
    assert TicketFacts.objects.filter(resolved_at__isnull=False).exists()
    assert SlaEvent.objects.filter(percent=100).exists()
    assert SlaTarget.objects.filter(kind="ola", state="stopped", breached=True).exists()
    assert SlaTarget.objects.filter(kind="ola", state="stopped", breached=False).exists()
    kept = snapshot()
    assert kept
    rollup.rebuild()
    assert snapshot() == kept

    the_desk = Ticket.objects.values_list("desk_id", flat=True).first()
    assert set(Ticket.objects.values_list("desk_id", flat=True)) == {the_desk}
    scopes = [(desk.manager, None), (desk.lead1, None), (desk.manager, desk.second_line.pk)]
    ranges = [("Asia/Shanghai", datetime.date(2026, 2, 1), datetime.date(2026, 2, 28), "day"),
              ("UTC", datetime.date(2026, 1, 1), datetime.date(2026, 6, 30), "month"),
              ("America/New_York", datetime.date(2026, 3, 2), datetime.date(2026, 3, 15), "week")]
    for user, group in scopes:
        for tz, start, end, granularity in ranges:
            filters = Filters(start=start, end=end, tz=tz, granularity=granularity, group=group)
            with CaptureQueriesContext(connection) as read:
                rolled = figures(user, filters)
            assert any("reports_hourlyfigures" in query["sql"] for query in read.captured_queries)
            with CaptureQueriesContext(connection) as read:
                raw = figures(user, Filters(start=start, end=end, tz=tz, granularity=granularity, group=group,
                                            desk=the_desk))
            assert not any("reports_hourlyfigures" in query["sql"] for query in read.captured_queries)
            same(rolled, raw)


def test_half_hour_zones_read_the_facts(desk):
    with CaptureQueriesContext(connection) as read:
        kpis.compute(desk.manager, Filters(start=datetime.date(2026, 2, 1), end=datetime.date(2026, 2, 28),
                                           tz="Asia/Kolkata"), ROLLED)
    assert not any("reports_hourlyfigures" in query["sql"] for query in read.captured_queries)


def test_a_new_ticket_costs_one_upsert(desk):
    with CaptureQueriesContext(connection) as written:
        actions.create_ticket(actor=desk.agent1, title="Printer", requester=desk.customer1)
    touching = [query["sql"] for query in written.captured_queries if "reports_hourlyfigures" in query["sql"]]
    assert len(touching) == 1 and touching[0].startswith("INSERT")


def test_a_deleted_ticket_leaves_no_figures(desk, clock):
    clock.at("2026-02-03 10:20")
    ticket = actions.create_ticket(actor=desk.agent1, title="Printer", requester=desk.customer1,
                                   group=desk.first_line)
    actions.log_time(ticket, actor=desk.agent1, minutes=30)
    actions.transition(ticket, "resolve", actor=desk.agent1, comment="Done.")
    assert snapshot()
    Ticket.objects.filter(pk=ticket.pk).delete()
    assert not TicketFacts.objects.exists()
    assert snapshot() == {}


def test_resolve_octaves():
    created = datetime.datetime(2026, 1, 1, tzinfo=UTC)
    minute = datetime.timedelta(minutes=1)
    assert resolve_bucket(None, created) is None
    assert resolve_bucket(created - minute, created) == 0  # a clock set back: with the shortest
    assert resolve_bucket(created + minute - datetime.timedelta(microseconds=1), created) == 0
    assert [resolve_bucket(created + n * minute, created) for n in (1, 2, 3, 4, 7, 8, 1000)] == [1, 2, 2, 3, 3, 4, 10]
    assert resolve_bucket(created + 2 ** 30 * minute, created) == RESOLVE_BUCKETS - 1


@pytest.mark.parametrize("count", [1, 2, 7, 40])
def test_the_median_from_the_octaves_is_the_median_of_the_facts(desk, clock, count):
    """Durations spread over many octaves, equal ones, ranks falling on an octave's edge: the rollup's median
    (its counts locate the middle ranks, the facts give their values) is statistics.median of them all."""
    import statistics

    rng = random.Random(count)
    minutes = []
    for index in range(count):
        clock.now = START + datetime.timedelta(days=index % 5, minutes=index)
        ticket = actions.create_ticket(actor=desk.agent1, title="Printer", requester=desk.customer1,
                                       group=desk.first_line)
        spent = rng.choice([0.5, 1, 2, 2, 3.99, 4, 90, 90, 5000, 70000])
        clock.now = ticket.created_at + datetime.timedelta(minutes=spent)
        actions.transition(ticket, "resolve", actor=desk.agent1, comment="Done.")
        minutes.append(spent)
    filters = Filters(start=datetime.date(2026, 1, 1), end=datetime.date(2026, 3, 31), tz="UTC", granularity="month")
    with CaptureQueriesContext(connection) as read:
        value = kpis.compute(desk.manager, filters, ["time_to_resolve_median"]).values["time_to_resolve_median"]
    assert any("reports_hourlyfigures" in query["sql"] for query in read.captured_queries)
    assert value.count == count
    assert value.total == pytest.approx(statistics.median(minutes), abs=1e-3)
