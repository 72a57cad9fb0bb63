"""A monitoring source per kind, and a client that posts real payloads to the webhooks."""

import json

import pytest
from django.test import Client

from servicedesk.accounts.models import Desk
from servicedesk.core import signing
from servicedesk.monitoring.models import AlertSource, SourceKind


@pytest.fixture(autouse=True)
def english_desk(request):
    """The demo desk is a Chinese one; these tests read what the desk writes on incidents in English (in the
    desk's language: test_desk_language.py)."""
    if "desk" in request.fixturenames:
        request.getfixturevalue("desk")
        Desk.objects.update(language="en")


@pytest.fixture
def source(desk):
    """An Alertmanager source routing to the 2nd line, with its raw token as `source.raw`."""
    return make_source("prometheus", SourceKind.ALERTMANAGER, default_group=desk.second_line)


def make_source(slug: str, kind: str, **fields) -> AlertSource:
    made = AlertSource(name=slug.title(), slug=slug, kind=kind, **fields)
    raw = made.new_token()
    made.save()
    made.raw = raw
    return made


def post(source: AlertSource, payload, *, token: str | None = None, secret: str | None = None,
         kind: str | None = None, client: Client | None = None):
    body = json.dumps(payload).encode() if not isinstance(payload, bytes) else payload
    headers = {}
    if secret is not None:
        headers[signing.META_KEY] = signing.header(secret, body)
    else:
        headers["HTTP_AUTHORIZATION"] = f"Bearer {source.raw if token is None else token}"
    return (client or Client()).post(f"/api/v1/monitoring/{source.slug}/{kind or source.kind}", body,
                                     content_type="application/json", **headers)


def am_alert(fingerprint: str, status: str = "firing", *, severity: str = "critical", name: str = "HostDown",
             **labels) -> dict:
    return {
        "status": status,
        "labels": {"alertname": name, "instance": f"{fingerprint}.example.cn:9100", "severity": severity, **labels},
        "annotations": {"summary": f"{fingerprint} is down", "description": "No scrape for 5 minutes."},
        "startsAt": "2026-12-07T06:00:00Z",
        "endsAt": "2026-12-07T06:30:00Z" if status == "resolved" else "0001-01-01T00:00:00Z",
        "generatorURL": f"http://prometheus.example.cn:9090/graph?g0.expr=up%7Binstance%3D%22{fingerprint}%22%7D",
        "fingerprint": fingerprint,
    }


def alertmanager(*alerts: dict, status: str | None = None) -> dict:
    """Alertmanager's webhook_config body, version 4."""
    return {
        "version": "4", "groupKey": '{}:{alertname="HostDown"}', "truncatedAlerts": 0,
        "status": status or ("firing" if any(a["status"] == "firing" for a in alerts) else "resolved"),
        "receiver": "servicedesk", "groupLabels": {"alertname": "HostDown"},
        "commonLabels": {}, "commonAnnotations": {}, "externalURL": "http://alertmanager.example.cn:9093",
        "alerts": list(alerts),
    }
