"""QA of issue 15: alert fields the desk cannot store (a fingerprint past its 200 characters, a NUL character,
which PostgreSQL refuses in text) are a 400 that says which field, and store nothing, on both databases —
not a 500 from the database."""

import pytest

from servicedesk.monitoring.models import Alert, SourceKind
from servicedesk.tickets.models import Ticket

from .conftest import alertmanager, am_alert, make_source, post


@pytest.mark.parametrize(("fields", "named"), [
    ({"fingerprint": "f" * 201}, "fingerprint"),
    ({"fingerprint": "db1\x00"}, "fingerprint"),
    ({"title": "Backup\x00 failed"}, "title"),
    ({"description": "rsync\x00"}, "description"),
    ({"url": "https://ci.example.cn/\x00"}, "url"),
    ({"url": "https://ci.example.cn/" + "x" * 1000}, "url"),
    ({"labels": {"team": "Service Desk\x00"}}, "labels"),
])
def test_a_json_alert_the_desk_cannot_store_is_400(desk, fields, named):
    source = make_source("scripts", SourceKind.JSON)
    response = post(source, {"fingerprint": "backup", "status": "firing", "title": "Backup failed", **fields})
    assert response.status_code == 400, response.content
    assert named in response.json()["message"]
    assert not Alert.objects.exists() and not Ticket.objects.exists()


def test_an_alertmanager_alert_with_a_nul_is_400(desk, source):
    alert = am_alert("db1")
    alert["annotations"]["summary"] = "db1\x00 is down"
    response = post(source, alertmanager(alert))
    assert response.status_code == 400 and "annotations" in response.json()["message"]
    assert not Ticket.objects.exists()


def test_a_long_title_and_severity_are_cut_not_refused(desk):
    source = make_source("scripts", SourceKind.JSON)
    response = post(source, {"fingerprint": "backup", "status": "firing", "title": "T" * 2000, "severity": "s" * 80})
    assert response.status_code == 200, response.content
    assert Ticket.objects.get().title.startswith("TTT")
