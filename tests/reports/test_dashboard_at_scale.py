"""What the dashboard reads to be fast at a million tickets gives the figures it gave before: both compared ranges
from the same scans, the reopen rate from its own table of resolutions (models.Resolution), the backlog from one
ended-at column; and those inputs follow a ticket reopened, moved to another group and resolved again."""

import datetime
import zoneinfo

import pytest
from django.core.management import call_command

from servicedesk.reports import kpis
from servicedesk.reports.kpis import Filters
from servicedesk.reports.models import Resolution, TicketFacts
from servicedesk.tickets import actions
from servicedesk.tickets.models import HistoryEntry, Ticket

MARCH = {"start": datetime.date(2026, 3, 1), "end": datetime.date(2026, 3, 31)}


@pytest.mark.parametrize("tz", ["Asia/Shanghai", "UTC"])
@pytest.mark.parametrize("span", [
    {"start": datetime.date(2026, 2, 1), "end": datetime.date(2026, 2, 28)},
    {"start": datetime.date(2026, 2, 4), "end": datetime.date(2026, 3, 1), "granularity": "week"},
    {"start": datetime.date(2026, 1, 1), "end": datetime.date(2026, 3, 31), "granularity": "month"},
])
def test_the_previous_range_from_the_same_scans_equals_it_computed_alone(february, desk, tz, span):
    filters = Filters(tz=tz, **span)
    for viewer in (desk.manager, desk.lead1):
        report = kpis.compute(viewer, filters, compare=True)
        assert report.previous == kpis.compute(viewer, filters.previous()).values
        assert report.values == kpis.compute(viewer, filters).values


def reopen_rate(start: datetime.date, end: datetime.date, tz: str = "UTC") -> float | None:
    """The reopen rate recomputed from the history, as the definition says."""
    zone = zoneinfo.ZoneInfo(tz)
    since = datetime.datetime.combine(start, datetime.time(), zone)
    until = datetime.datetime.combine(end + datetime.timedelta(days=1), datetime.time(), zone)
    lines = HistoryEntry.objects.filter(at__gte=since, at__lt=until)
    resolved = lines.filter(field="resolved_at").exclude(new_value="").count()
    reopened = lines.filter(event="reopen", field="status").count()
    return 100 * reopened / resolved if resolved else None


def figures(user, **filters):
    return {key: value.total for key, value in
            kpis.compute(user, Filters(tz="UTC", **{**MARCH, **filters}), ["reopen_rate", "backlog"]).values.items()}


def test_reopen_rate_and_backlog_follow_a_reopened_moved_and_resolved_ticket(february, desk, clock):
    b, d = february["B"], february["D"]
    feb = {"start": datetime.date(2026, 2, 1), "end": datetime.date(2026, 2, 28)}
    assert figures(desk.manager, **feb)["reopen_rate"] == reopen_rate(**feb) == pytest.approx(100 / 3)
    assert figures(desk.manager) == {"reopen_rate": None, "backlog": 1}            # D, open since January
    assert figures(desk.lead1) == {"reopen_rate": None, "backlog": 1}              # the 2nd line is the lead's
    # B is reopened and moved to the 3rd line: it is open again, in the 3rd line's backlog, beyond the lead's.
    clock.at("2026-03-15 09:00")
    actions.transition(b, "reopen", actor=desk.customer1, comment="Drops again.")
    actions.assign(Ticket.objects.get(pk=b.pk), actor=desk.manager, group=desk.third_line, assignee=desk.agent2)
    assert figures(desk.manager) == {"reopen_rate": None, "backlog": 2}            # a reopening, no resolution
    assert figures(desk.lead1) == {"reopen_rate": None, "backlog": 1}
    assert figures(desk.manager, group=desk.third_line.pk)["backlog"] == 1
    # Resolved again on 03-16: one reopening over one resolution in March.
    clock.at("2026-03-16 09:00")
    actions.transition(Ticket.objects.get(pk=b.pk), "resolve", actor=desk.agent2, comment="New firmware.")
    assert figures(desk.manager) == {"reopen_rate": reopen_rate(**MARCH), "backlog": 1}
    assert reopen_rate(**MARCH) == 100.0
    # D moves to the 3rd line (out of the lead's backlog), then is resolved: nothing is open.
    actions.assign(d, actor=desk.manager, group=desk.third_line, assignee=desk.agent2)
    assert (figures(desk.lead1)["backlog"], figures(desk.manager, group=desk.third_line.pk)["backlog"]) == (0, 1)
    actions.transition(Ticket.objects.get(pk=d.pk), "resolve", actor=desk.agent2, comment="Delivered.")
    assert figures(desk.manager) == {"reopen_rate": 50.0, "backlog": 0}
    # The backlog at the end of each day of March: D's resolution ends its days in it.
    series = dict(kpis.compute(desk.manager, Filters(tz="UTC", **MARCH), ["backlog"]).values["backlog"].series)
    assert (series[datetime.date(2026, 3, 15)], series[datetime.date(2026, 3, 16)]) == (2, 0)
    # The drill-down lists the reopened ticket.
    assert list(kpis.tickets(desk.manager, "reopen_rate", Filters(tz="UTC", **MARCH))) == [b]


def test_ended_at_is_the_earlier_of_resolution_and_closing(february):
    ended = dict(TicketFacts.objects.values_list("ticket_id", "ended_at"))
    a, b, c, d = (february[name] for name in "ABCD")
    assert ended == {a.pk: a.resolved_at, b.pk: b.resolved_at, c.pk: c.resolved_at, d.pk: None}
    # Closed without a resolution (as a merge or a rejection may leave it): closed is when it ended.
    Ticket.objects.filter(pk=d.pk).update(closed_at=datetime.datetime(2026, 3, 1, tzinfo=datetime.UTC))
    call_command("rebuild-report-facts", stdout=open("/dev/null", "w"))
    assert TicketFacts.objects.get(pk=d.pk).ended_at == datetime.datetime(2026, 3, 1, tzinfo=datetime.UTC)


def test_rebuild_gives_the_resolutions_the_receivers_kept(february):
    kept = list(Resolution.objects.order_by("pk").values())
    assert [row["reopened"] for row in kept].count(True) == 1 and len(kept) == 5   # A, B, C twice; C's reopening
    Resolution.objects.all().delete()
    call_command("rebuild-report-facts", stdout=open("/dev/null", "w"))
    assert list(Resolution.objects.order_by("pk").values()) == kept
