"""Real payloads through the three webhooks: one incident per fingerprint, updated, resolved, reopened."""

import datetime
import json

from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from servicedesk.accounts.identity import system_user
from servicedesk.monitoring import payloads
from servicedesk.monitoring.actions import receive_alert
from servicedesk.monitoring.models import Alert, AlertState, SourceKind
from servicedesk.tickets import actions
from servicedesk.tickets.models import Channel, Comment, HistoryEntry, LinkKind, Status, Ticket, TicketLink

from .conftest import alertmanager, am_alert, make_source, post


def test_alertmanager_firing_then_resolved(desk, source):
    response = post(source, alertmanager(am_alert("db1")))
    assert response.status_code == 200, response.content
    [received] = response.json()["alerts"]
    ticket = Ticket.objects.get(number=received["ticket"])
    assert received["outcome"] == "created"
    assert (ticket.type, ticket.channel, ticket.title) == ("incident", Channel.MONITORING, "HostDown: db1 is down")
    assert (ticket.impact, ticket.urgency, ticket.priority) == (1, 1, 1)  # critical
    assert ticket.group == desk.second_line and ticket.owner is None  # waits for the 1st line to take it
    assert ticket.requester == system_user() and "Fingerprint: db1" in ticket.description
    created = HistoryEntry.objects.get(ticket=ticket, event="created")
    assert created.actor == system_user() and created.channel == Channel.MONITORING
    alert = Alert.objects.get(source=source, fingerprint="db1")
    assert (alert.state, alert.count, alert.ticket, alert.severity) == (AlertState.FIRING, 1, ticket, "critical")
    assert alert.generator_url.startswith("http://prometheus.example.cn:9090/graph")

    response = post(source, alertmanager(am_alert("db1", "resolved")))
    assert response.json()["alerts"][0]["outcome"] == "resolved"
    ticket.refresh_from_db()
    alert.refresh_from_db()
    assert ticket.status == Status.RESOLVED and alert.state == AlertState.RESOLVED
    assert "The alert resolved (ended 2026-12-07 06:30 UTC)." in Comment.objects.get(ticket=ticket).body
    assert Ticket.objects.count() == 1


def test_a_repeat_is_counted_not_duplicated_nor_noted(desk, source):
    for _ in range(5):
        assert post(source, alertmanager(am_alert("db1"), am_alert("db2"))).status_code == 200
    assert Ticket.objects.count() == 2
    assert set(Alert.objects.values_list("count", flat=True)) == {5}
    ticket = Alert.objects.get(fingerprint="db1").ticket
    assert ticket.version == 1 and not Comment.objects.filter(ticket=ticket).exists()


def test_a_repeat_is_one_read_and_one_update(desk, source):
    [incoming] = payloads.alertmanager(json.dumps(alertmanager(am_alert("db1"))).encode())
    receive_alert(source, incoming)
    with CaptureQueriesContext(connection) as captured:
        receive_alert(source, incoming)
    statements = [q["sql"] for q in captured.captured_queries if not q["sql"].startswith(("SAVEPOINT", "RELEASE"))]
    assert len(statements) == 2 and statements[0].startswith("SELECT") and statements[1].startswith("UPDATE")


def test_a_severity_change_is_noted_once(desk, source):
    post(source, alertmanager(am_alert("db1", severity="warning")))
    post(source, alertmanager(am_alert("db1", severity="critical")))
    post(source, alertmanager(am_alert("db1", severity="critical")))
    ticket = Alert.objects.get(fingerprint="db1").ticket
    [note] = Comment.objects.filter(ticket=ticket)
    assert note.internal and note.body == "The alert's severity changed to critical."
    assert (ticket.impact, ticket.urgency) == (2, 2)


def test_zabbix_problem_then_recovery(desk):
    zabbix = make_source("zabbix", SourceKind.ZABBIX, default_group=desk.third_line)
    problem = {"event_id": "20931", "event_value": "1", "event_status": "PROBLEM", "severity": "Disaster",
               "host": "erp-db-01", "trigger": "MySQL is down", "trigger_id": "17420",
               "message": "Problem started at 14:02:11 on 2026.12.07", "recovery_id": "{EVENT.RECOVERY.ID}",
               "event_tags": '[{"tag":"team","value":"Applications (3rd line)"}]',
               "url": "http://zabbix.example.cn/tr_events.php?triggerid=17420&eventid=20931"}
    response = post(zabbix, problem)
    assert response.status_code == 200, response.content
    ticket = Ticket.objects.get(number=response.json()["alerts"][0]["ticket"])
    assert ticket.title == "erp-db-01: MySQL is down" and (ticket.impact, ticket.urgency) == (1, 1)
    assert ticket.group == desk.third_line
    recovery = {**problem, "event_value": "0", "event_status": "RESOLVED", "recovery_id": "20977"}
    assert post(zabbix, recovery).json()["alerts"][0]["outcome"] == "resolved"
    ticket.refresh_from_db()
    assert ticket.status == Status.RESOLVED and Ticket.objects.count() == 1
    assert Alert.objects.get(source=zabbix, fingerprint="20931").state == AlertState.RESOLVED


def test_plain_json(desk):
    plain = make_source("scripts", SourceKind.JSON, auto_resolve=False)
    alert = {"fingerprint": "backup-nightly", "status": "firing", "title": "Nightly backup failed",
             "description": "rsync exit 23", "severity": "warning", "labels": {"team": "Service Desk (1st line)"}}
    response = post(plain, alert)
    assert response.status_code == 200, response.content
    ticket = Ticket.objects.get(number=response.json()["alerts"][0]["ticket"])
    assert (ticket.title, ticket.impact, ticket.urgency, ticket.group) == (
        "Nightly backup failed", 2, 2, desk.first_line)
    response = post(plain, {**alert, "status": "resolved"})
    assert response.json()["alerts"][0]["outcome"] == "noted"  # auto_resolve off: noted, left open
    ticket.refresh_from_db()
    assert ticket.is_open and Comment.objects.get(ticket=ticket).body.startswith("The alert resolved")


def test_refire_within_the_window_reopens_and_after_it_opens_a_related_incident(desk, source):
    post(source, alertmanager(am_alert("db1")))
    post(source, alertmanager(am_alert("db1", "resolved")))
    first = Alert.objects.get(fingerprint="db1").ticket
    assert first.status == Status.RESOLVED
    response = post(source, alertmanager(am_alert("db1")))
    assert response.json()["alerts"][0] == {"fingerprint": "db1", "outcome": "reopened", "ticket": first.number}
    first.refresh_from_db()
    assert first.is_open and Ticket.objects.count() == 1

    post(source, alertmanager(am_alert("db1", "resolved")))
    Ticket.objects.filter(pk=first.pk).update(resolved_at=timezone.now() - datetime.timedelta(minutes=61))
    response = post(source, alertmanager(am_alert("db1")))
    second = Ticket.objects.get(number=response.json()["alerts"][0]["ticket"])
    assert second.pk != first.pk and second.is_open
    assert TicketLink.objects.filter(source=second, target=first, kind=LinkKind.RELATED).exists()
    assert Alert.objects.get(fingerprint="db1").ticket == second


def test_firing_again_after_its_incident_was_closed_opens_a_new_one(desk, source):
    post(source, alertmanager(am_alert("db1")))
    post(source, alertmanager(am_alert("db1", "resolved")))
    first = Alert.objects.get(fingerprint="db1").ticket
    actions.transition(first, "close", actor=desk.manager)
    response = post(source, alertmanager(am_alert("db1")))
    assert response.json()["alerts"][0]["outcome"] == "created"
    assert Ticket.objects.count() == 2


def test_a_resolve_never_seen_firing_stores_nothing(desk, source):
    response = post(source, alertmanager(am_alert("ghost", "resolved")))
    assert response.json()["alerts"][0]["outcome"] == "ignored"
    assert not Alert.objects.exists() and not Ticket.objects.exists()


def test_labels_name_the_category_and_routing_rules_may_route(desk, source):
    from servicedesk.routing.models import RoutingRule
    from servicedesk.tickets.models import Category

    category = Category.objects.filter(parent=None).order_by("id").first()
    source.default_group = None
    source.save()
    RoutingRule.objects.create(name="Monitoring to the 2nd line", channels=["monitoring"],
                               set_group=desk.second_line)
    post(source, alertmanager(am_alert("db1", service=category.service.name, category=category.name)))
    ticket = Alert.objects.get(fingerprint="db1").ticket
    assert ticket.category == category and ticket.group == desk.second_line


def test_firing_again_while_its_incident_is_open_is_noted_once(desk, source):
    source.auto_resolve = False
    source.save()
    post(source, alertmanager(am_alert("db1")))
    post(source, alertmanager(am_alert("db1", "resolved")))
    post(source, alertmanager(am_alert("db1", "resolved")))  # resent: nothing more
    response = post(source, alertmanager(am_alert("db1")))
    post(source, alertmanager(am_alert("db1")))
    assert response.json()["alerts"][0]["outcome"] == "noted"
    ticket = Alert.objects.get(fingerprint="db1").ticket
    assert [c.body for c in Comment.objects.filter(ticket=ticket)] == [
        "The alert resolved (ended 2026-12-07 06:30 UTC).", "The alert fired again (received 2 times)."]
    assert ticket.is_open and Ticket.objects.count() == 1 and Alert.objects.get().count == 3


def test_a_lifecycle_that_refuses_the_desk_never_refuses_the_alert(desk, source):
    """Administrators may change who takes which transition: the alert is still taken (monitoring would resend
    a refused one for ever): noted instead of resolved, a new related incident instead of a reopen."""
    from servicedesk.tickets.models import Transition

    post(source, alertmanager(am_alert("db1")))
    Transition.objects.filter(action="resolve").update(roles=["agent"])
    response = post(source, alertmanager(am_alert("db1", "resolved")))
    first = Alert.objects.get().ticket
    assert response.json()["alerts"][0]["outcome"] == "noted" and first.is_open
    Transition.objects.filter(action="resolve").update(roles=["agent", "lead", "manager", "admin"])
    actions.transition(first, "resolve", actor=desk.manager, comment="Fixed.")
    Transition.objects.filter(action="reopen").update(roles=[], requester_may=False)
    response = post(source, alertmanager(am_alert("db1")))
    assert response.status_code == 200 and response.json()["alerts"][0]["outcome"] == "created"
    second = Alert.objects.get().ticket
    assert TicketLink.objects.filter(source=second, target=first, kind=LinkKind.RELATED).exists()
