"""The incident page's alerts panel, the admin's alert list and the alert source form, in both languages."""

import re

import pytest
from django.test import Client

from servicedesk.accounts.models import hash_token
from servicedesk.monitoring.models import Alert, AlertSource, SourceKind
from servicedesk.tickets.models import Ticket

from .conftest import alertmanager, am_alert, post


def page(user, url: str, language: str):
    client = Client(HTTP_ACCEPT_LANGUAGE=language)
    user.language = ""
    user.save(update_fields=["language"])
    client.force_login(user)
    return client.get(url)


@pytest.mark.parametrize(("language", "words"), [
    ("en", ["Monitoring alerts", "Fingerprint", "Firing", "3 times", "Open the graph or event"]),
    ("zh-hans", ["监控告警", "指纹", "告警中", "3 次", "打开监控中的图表或事件"]),
])
def test_the_incident_page_shows_its_alert(desk, source, language, words):
    for _ in range(3):
        post(source, alertmanager(am_alert("db1")))
    ticket = Ticket.objects.get()
    response = page(desk.agent1, f"/console/tickets/{ticket.number}/", language)
    body = response.content.decode()
    assert response.status_code == 200
    for word in words:
        assert word in body
    assert "Prometheus" in body and 'href="http://prometheus.example.cn:9090/graph' in body


def test_a_link_that_is_not_a_web_address_is_not_made_a_link(desk, source):
    post(source, alertmanager({**am_alert("db1"), "generatorURL": "javascript:alert(1)"}))
    ticket = Ticket.objects.get()
    body = page(desk.agent1, f"/console/tickets/{ticket.number}/", "en").content.decode()
    assert "Monitoring alerts" in body and "javascript:alert(1)" not in body.split('id="alerts"')[1]


def test_other_tickets_have_no_panel(desk):
    from servicedesk.tickets import actions

    ticket = actions.create_ticket(actor=desk.customer1, title="Printer jammed")
    body = page(desk.agent1, f"/console/tickets/{ticket.number}/", "en").content.decode()
    assert 'id="alerts"' not in body


@pytest.mark.parametrize(("language", "heading"), [("en", "Alerts"), ("zh-hans", "告警")])
def test_the_admin_lists_alerts_read_only(desk, source, language, heading):
    post(source, alertmanager(am_alert("db1")))
    response = page(desk.admin, "/admin/monitoring/alert/", language)
    body = response.content.decode()
    assert response.status_code == 200 and heading in body and "db1" in body
    assert Ticket.objects.get().number in body
    alert = Alert.objects.get()
    assert page(desk.admin, f"/admin/monitoring/alert/{alert.pk}/change/", language).status_code == 200
    assert "/admin/monitoring/alert/add/" not in body


def test_a_new_source_s_token_is_shown_once_and_stored_hashed(desk):
    client = Client()
    client.force_login(desk.admin)
    form = {"name": "Zabbix HQ", "slug": "zabbix-hq", "kind": SourceKind.ZABBIX, "is_active": "on",
            "labels": '{"group": "team"}', "severities": '{"disaster": [1, 1]}', "auto_resolve": "on",
            "reopen_minutes": "60", "storm_threshold": "10", "hmac_secret": "a-signing-secret"}
    response = client.post("/admin/monitoring/alertsource/add/", form, follow=True)
    assert response.status_code == 200
    token = re.search(r"<code>(sdm_[\w-]+)</code>", response.content.decode()).group(1)
    source = AlertSource.objects.get(slug="zabbix-hq")
    assert source.token_hash == hash_token(token) and token not in str(AlertSource.objects.values().get())
    assert source.hmac_secret == "a-signing-secret"
    # Saved again without a new token or secret: both stay; the page shows neither.
    response = client.post(f"/admin/monitoring/alertsource/{source.pk}/change/", {**form, "hmac_secret": ""},
                           follow=True)
    source.refresh_from_db()
    assert source.token_hash == hash_token(token) and source.hmac_secret == "a-signing-secret"
    assert "a-signing-secret" not in response.content.decode() and token not in response.content.decode()
    response = client.post(f"/admin/monitoring/alertsource/{source.pk}/change/", {**form, "issue_token": "on"},
                           follow=True)
    source.refresh_from_db()
    assert source.token_hash != hash_token(token)


def test_the_admin_refuses_a_bad_severity_map(desk):
    client = Client()
    client.force_login(desk.admin)
    response = client.post("/admin/monitoring/alertsource/add/", {
        "name": "X", "slug": "x", "kind": "json", "labels": "{}", "severities": '{"critical": [0, 9]}',
        "reopen_minutes": "60", "storm_threshold": "10"})
    assert response.status_code == 200 and "Give each severity as [impact, urgency]" in response.content.decode()
    assert not AlertSource.objects.exists()
