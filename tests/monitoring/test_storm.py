"""An alert storm: 500 alerts over 20 fingerprints make 20 incidents, grouped under one parent incident when
more than the source's threshold of them open within a minute."""

import datetime

from django.utils import timezone

from servicedesk.monitoring.models import Alert, AlertStorm
from servicedesk.tickets.models import LinkKind, Ticket, TicketLink

from .conftest import alertmanager, am_alert, post


def storm(source, alerts: int = 500, fingerprints: int = 20, per_request: int = 25, **labels):
    sent = [am_alert(f"node{n % fingerprints:02d}", **labels) for n in range(alerts)]
    for start in range(0, alerts, per_request):
        response = post(source, alertmanager(*sent[start:start + per_request]))
        assert response.status_code == 200, response.content


def test_500_alerts_over_20_fingerprints_under_the_threshold_make_20_incidents(desk, source):
    source.storm_threshold = 20
    source.save()
    storm(source)
    assert Ticket.objects.count() == 20 and Alert.objects.count() == 20
    assert sorted(Alert.objects.values_list("count", flat=True)) == [25] * 20
    assert not TicketLink.objects.exists() and not AlertStorm.objects.exists()


def test_over_the_threshold_one_parent_holds_all_20(desk, source):
    source.storm_threshold = 10
    source.save()
    storm(source)
    parent = Ticket.objects.get(title="Alert storm: Prometheus")
    incidents = set(Alert.objects.values_list("ticket_id", flat=True))
    assert Ticket.objects.count() == 21 and len(incidents) == 20
    children = TicketLink.objects.filter(kind=LinkKind.CHILD_OF)
    assert children.count() == 20 and {link.target_id for link in children} == {parent.pk}
    assert {link.source_id for link in children} == incidents
    assert parent.group == desk.second_line and parent.channel == "monitoring"


def test_storms_group_by_the_storm_label(desk, source):
    source.storm_threshold = 5
    source.labels = {**source.labels, "storm": "alertname"}
    source.save()
    storm(source, alerts=60, fingerprints=6, per_request=6, name="DiskFull")
    for n in range(3):
        post(source, alertmanager(am_alert(f"other{n}", name="CpuHigh")))
    parent = Ticket.objects.get(title="Alert storm: DiskFull")
    assert TicketLink.objects.filter(kind=LinkKind.CHILD_OF, target=parent).count() == 6
    assert TicketLink.objects.filter(kind=LinkKind.CHILD_OF).count() == 6  # CpuHigh: under its threshold
    assert Ticket.objects.count() == 6 + 3 + 1


def test_alerts_spread_over_more_than_a_minute_are_no_storm(desk, source):
    source.storm_threshold = 3
    source.save()
    for n in range(3):
        post(source, alertmanager(am_alert(f"node{n}")))
    Alert.objects.update(opened_at=timezone.now() - datetime.timedelta(minutes=2))
    post(source, alertmanager(am_alert("node9")))
    assert Ticket.objects.count() == 4 and not TicketLink.objects.exists()


def test_a_resolved_parent_is_not_reused_by_the_next_storm(desk, source):
    from servicedesk.tickets import actions

    source.storm_threshold = 2
    source.save()
    storm(source, alerts=3, fingerprints=3, per_request=3)
    first = Ticket.objects.get(title="Alert storm: Prometheus")
    actions.transition(first, "resolve", actor=desk.manager, comment="Power restored.")
    Alert.objects.update(opened_at=timezone.now() - datetime.timedelta(minutes=2))
    storm(source, alerts=3, fingerprints=3, per_request=3, name="Again", job="x")  # same fingerprints: repeats
    for n in range(3):
        post(source, alertmanager(am_alert(f"late{n}")))
    parents = Ticket.objects.filter(title="Alert storm: Prometheus").order_by("id")
    assert parents.count() == 2 and parents[0].pk == first.pk
    assert TicketLink.objects.filter(kind=LinkKind.CHILD_OF, target=parents[1]).count() == 3
