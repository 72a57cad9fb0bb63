"""/healthz and /readyz: answered before sessions, the locale and host validation; a failing check is a 503
naming it, never a 500; the scheduler's last run recorded by either scheduler."""

import datetime

import pytest
from django.utils import timezone

from servicedesk.core.scheduler import Scheduler
from servicedesk.ops import heartbeat
from servicedesk.ops.models import SchedulerRun
from tests.services import free_port


@pytest.fixture(autouse=True)
def fresh_heartbeat(monkeypatch):
    monkeypatch.setitem(heartbeat._last_recorded, "at", float("-inf"))


def test_healthz_answers_without_database_session_or_allowed_host(client, django_assert_num_queries, settings):
    settings.SECURE_SSL_REDIRECT = True  # a probe over plain HTTP is not redirected
    with django_assert_num_queries(0):
        response = client.get("/healthz", HTTP_HOST="10.244.0.17:8000")
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}
    assert "Set-Cookie" not in response.headers and not response.cookies


@pytest.mark.django_db
def test_readyz_names_the_scheduler_that_never_ran(client):
    response = client.get("/readyz", HTTP_HOST="10.244.0.17")
    assert response.status_code == 503
    body = response.json()
    assert body["failing"] == ["scheduler"]
    assert body["checks"]["database"] == "ok" and body["checks"]["broker"] == "not configured"
    assert body["checks"]["scheduler"].startswith("failing: RuntimeError: never ran")


@pytest.mark.django_db
def test_readyz_ok_once_the_embedded_scheduler_went_round(client):
    Scheduler(table={}).run_due()
    assert SchedulerRun.objects.get(name="scheduler").last_run > timezone.now() - datetime.timedelta(seconds=5)
    response = client.get("/readyz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "checks": {"database": "ok", "broker": "not configured",
                                                          "scheduler": "ok"}}


@pytest.mark.django_db
def test_readyz_fails_on_a_stale_scheduler_unless_left_out(client, settings):
    heartbeat.record_run()
    SchedulerRun.objects.update(last_run=timezone.now() - datetime.timedelta(seconds=600))
    settings.SERVICEDESK_READY_SCHEDULER_SECONDS = 180
    response = client.get("/readyz")
    assert response.status_code == 503 and "last ran 600 s ago" in response.json()["checks"]["scheduler"]
    settings.SERVICEDESK_READY_SCHEDULER_SECONDS = 0
    response = client.get("/readyz")
    assert response.status_code == 200 and response.json()["checks"]["scheduler"] == "not checked"


@pytest.mark.django_db
def test_record_run_is_throttled(django_assert_num_queries):
    clock = iter([100.0, 101.0, 100.0 + heartbeat.RECORD_EVERY]).__next__
    assert heartbeat.record_run(clock=clock) is True
    with django_assert_num_queries(0):
        assert heartbeat.record_run(clock=clock) is False
    assert heartbeat.record_run(clock=clock) is True


@pytest.mark.django_db
def test_readyz_names_an_unreachable_broker(client, settings, redis_url):
    heartbeat.record_run()
    settings.CELERY_BROKER_URL = f"redis://127.0.0.1:{free_port()}/0"
    settings.SERVICEDESK_READY_TIMEOUT_SECONDS = 1
    response = client.get("/readyz")
    assert response.status_code == 503
    assert response.json()["failing"] == ["broker"]
    assert response.json()["checks"]["broker"].startswith("failing: ConnectionError")
    settings.CELERY_BROKER_URL = redis_url
    response = client.get("/readyz")
    assert response.status_code == 200 and response.json()["checks"]["broker"] == "ok"


@pytest.mark.django_db
def test_readyz_names_the_database_when_it_fails(client, monkeypatch):
    from django.db import connection

    def refuse(*args, **kwargs):
        raise connection.Database.OperationalError("the database is away")

    heartbeat.record_run()
    monkeypatch.setattr(connection, "cursor", refuse)
    response = client.get("/readyz")
    assert response.status_code == 503
    assert response.json()["failing"] == ["database", "scheduler"]
    assert "the database is away" in response.json()["checks"]["database"]


def test_request_id_is_kept_or_made_and_returned(client):
    assert client.get("/healthz", HTTP_X_REQUEST_ID="lb-7f3a.42").headers["X-Request-ID"] == "lb-7f3a.42"
    made = client.get("/healthz", HTTP_X_REQUEST_ID="bad id\nwith newline").headers["X-Request-ID"]
    assert len(made) == 32 and made.isalnum()
    assert len(client.get("/login/").headers["X-Request-ID"]) == 32
