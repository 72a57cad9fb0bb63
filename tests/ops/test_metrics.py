"""/metrics: behind its bearer token; request latency by view, task durations, and the desk's figures read
from the database and the broker at scrape time."""

import redis
from celery import shared_task
from prometheus_client.parser import text_string_to_metric_families

from servicedesk.intake.models import InboundMessage
from servicedesk.intake.models import State as MailState
from servicedesk.notify.models import OutboundMessage
from servicedesk.notify.models import State as OutboxState
from servicedesk.ops import heartbeat
from servicedesk.ops.models import SchedulerRun
from servicedesk.tickets import actions
from servicedesk.tickets.models import Ticket

TOKEN = "s3cret-metrics-token"


def scrape(client) -> dict[tuple[str, tuple], float]:
    response = client.get("/metrics", HTTP_AUTHORIZATION=f"Bearer {TOKEN}")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/plain; version=0.0.4")
    return {(sample.name, tuple(sorted(sample.labels.items()))): sample.value
            for family in text_string_to_metric_families(response.content.decode())
            for sample in family.samples}


def test_metrics_are_a_404_without_a_token_and_a_401_with_a_wrong_one(client, settings, db):
    settings.SERVICEDESK_METRICS_TOKEN = ""
    assert client.get("/metrics", HTTP_AUTHORIZATION=f"Bearer {TOKEN}").status_code == 404
    settings.SERVICEDESK_METRICS_TOKEN = TOKEN
    for header in ({}, {"HTTP_AUTHORIZATION": "Bearer wrong"}, {"HTTP_AUTHORIZATION": f"Basic {TOKEN}"}):
        response = client.get("/metrics", **header)
        assert response.status_code == 401 and response["WWW-Authenticate"].startswith("Bearer")
    assert client.get("/metrics", HTTP_AUTHORIZATION=f"Bearer {TOKEN}").status_code == 200


def test_request_latency_by_view_name(client, settings, db):
    settings.SERVICEDESK_METRICS_TOKEN = TOKEN
    key = ("servicedesk_http_request_duration_seconds_count", (("method", "GET"), ("view", "login")))
    before = scrape(client).get(key, 0)
    for _ in range(3):
        client.get("/login/")
    client.get("/no-such-page/")
    samples = scrape(client)
    assert samples[key] == before + 3
    assert samples[("servicedesk_http_request_duration_seconds_count", (("method", "GET"), ("view", "unmatched")))]


def test_desk_figures_read_at_scrape_time(client, settings, desk, redis_url, monkeypatch):
    settings.SERVICEDESK_METRICS_TOKEN = TOKEN
    settings.CELERY_BROKER_URL = redis_url
    for n in range(3):
        actions.create_ticket(actor=desk.agent1, title=f"Printer {n}", requester=desk.customer1)
    for n, state in enumerate([MailState.DONE, MailState.DONE, MailState.QUARANTINED]):
        InboundMessage.objects.create(sha256=f"{n:064d}", source="pipe", state=state)
    OutboundMessage.objects.all().delete()
    for n, state in enumerate([OutboxState.QUEUED, OutboxState.SENDING, OutboxState.FAILED, OutboxState.SENT]):
        OutboundMessage.objects.create(event="public_reply", address=f"a{n}@example.com", source_key=str(n),
                                       language="en", message_id=f"<m{n}@example.com>", subject="s", body_text="b",
                                       state=state)
    broker = redis.Redis.from_url(redis_url)
    broker.delete("celery")
    broker.rpush("celery", "task-1", "task-2")
    try:
        samples = scrape(client)
    finally:
        broker.delete("celery")
        broker.close()
    assert samples[("servicedesk_tickets_created_total", ())] == Ticket.objects.count() == 3
    assert samples[("servicedesk_mail_ingested_total", ())] == 3
    assert samples[("servicedesk_mail_quarantined_total", ())] == 1
    assert samples[("servicedesk_outbox_backlog", ())] == 2
    assert samples[("servicedesk_outbox_failed", ())] == 1
    assert samples[("servicedesk_task_queue_length", (("queue", "celery"),))] == 2
    assert ("servicedesk_scheduler_last_run_timestamp_seconds", ()) not in samples
    monkeypatch.setitem(heartbeat._last_recorded, "at", float("-inf"))
    heartbeat.record_run()
    last_run = SchedulerRun.objects.get().last_run.timestamp()
    assert scrape(client)[("servicedesk_scheduler_last_run_timestamp_seconds", ())] == last_run


@shared_task(name="tests.ops.sleepy")
def sleepy():
    return "done"


def test_task_durations_by_task_name(client, settings, db):
    settings.SERVICEDESK_METRICS_TOKEN = TOKEN
    key = ("servicedesk_task_duration_seconds_count", (("task", "tests.ops.sleepy"),))
    before = scrape(client).get(key, 0)
    sleepy.apply()
    sleepy.apply()
    assert scrape(client)[key] == before + 2
