"""A monitoring alert in the browser, in both languages: Alertmanager posts over HTTP (loopback), the agent
opens the incident from the 1st line's queue and sees its alert panel; the admin lists the alert."""

import json
import urllib.request

import pytest

from servicedesk.accounts.models import Group
from servicedesk.monitoring.models import AlertSource, SourceKind
from servicedesk.tickets.models import Ticket

from .conftest import SCREENSHOTS, screenshot, translated


def post_alert(base_url: str, token: str) -> dict:
    body = json.dumps({"version": "4", "status": "firing", "groupKey": "{}:{}", "alerts": [{
        "status": "firing", "fingerprint": "c0ffee42",
        "labels": {"alertname": "DiskFull", "instance": "files01:9100", "severity": "warning"},
        "annotations": {"summary": "/srv is 97% full", "description": "Less than 3% free on /srv."},
        "startsAt": "2026-12-07T06:00:00Z", "endsAt": "0001-01-01T00:00:00Z",
        "generatorURL": "http://prometheus.example.cn:9090/graph?g0.expr=disk_free"}]}).encode()
    request = urllib.request.Request(f"{base_url}/api/v1/monitoring/prometheus/alertmanager", data=body, headers={
        "Content-Type": "application/json", "Authorization": f"Bearer {token}"})
    with urllib.request.urlopen(request, timeout=10) as response:
        return json.loads(response.read())


@pytest.mark.parametrize("language", ["en", "zh-hans"])
def test_the_incident_shows_its_alert(sign_in, live_server, e2e_desk, language):
    source = AlertSource(name="Prometheus", slug="prometheus", kind=SourceKind.ALERTMANAGER,
                         default_group=Group.objects.get(name="Service Desk (1st line)"))
    token = source.new_token()
    source.save()
    number = post_alert(live_server.url, token)["alerts"][0]["ticket"]
    assert post_alert(live_server.url, token)["alerts"][0]["outcome"] == "repeated"
    agent = sign_in("agent1", language)
    agent.goto(f"{agent.base_url}/console/queues/unowned/")
    agent.click(f"text={number}")
    agent.wait_for_load_state("domcontentloaded")
    panel = agent.locator("#alerts")
    assert translated(language, "Monitoring alerts") in panel.locator("h2").inner_text()
    text = panel.inner_text()
    assert "c0ffee42" in text and "Prometheus" in text and translated(language, "Firing") in text
    assert panel.locator("a").get_attribute("href").startswith("http://prometheus.example.cn:9090/graph")
    screenshot(agent, f"console-incident-alerts-{language}")
    panel.screenshot(path=str(SCREENSHOTS / f"console-incident-alert-panel-{language}.png"))
    assert Ticket.objects.get(number=number).channel == "monitoring"

    admin = sign_in("admin", language)
    admin.goto(f"{admin.base_url}/admin/monitoring/alert/")
    assert "c0ffee42" in admin.locator("#result_list").inner_text()
    screenshot(admin, f"admin-alerts-{language}")
