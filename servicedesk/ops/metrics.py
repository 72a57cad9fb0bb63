"""Prometheus metrics at /metrics, behind SERVICEDESK_METRICS_TOKEN (a bearer token; 404 while unset).

Two kinds:
- measured in the process that did the work (request latency by view, task durations, the SLA evaluator's
  among them): with several gunicorn workers, the worker and the scheduler on one machine, each process
  writes its samples under PROMETHEUS_MULTIPROC_DIR and a scrape adds them up over every process;
- read from the database and the broker at scrape time (tickets created, mail ingested and quarantined, the
  outbox's backlog and failures, the task queue's length, the scheduler's last run): the same figures from
  any web process.
"""

import hmac
import logging
import os
import time

from django.conf import settings
from django.db.models import Count
from django.http import HttpResponse
from prometheus_client import CollectorRegistry, Histogram, generate_latest
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily
from prometheus_client.multiprocess import MultiProcessCollector

from . import health, heartbeat, logs

log = logging.getLogger("servicedesk.ops")

# Measured in this process; in multiprocess mode written to PROMETHEUS_MULTIPROC_DIR instead.
PROCESS_REGISTRY = CollectorRegistry()
REQUEST_SECONDS = Histogram(
    "servicedesk_http_request_duration_seconds", "Time to answer a request, by view name and method.",
    ["view", "method"], registry=PROCESS_REGISTRY,
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30))
TASK_SECONDS = Histogram(
    "servicedesk_task_duration_seconds",
    "Time a background task took, by task name (the SLA evaluator: servicedesk.sla.tasks.evaluate).",
    ["task"], registry=PROCESS_REGISTRY,
    buckets=(0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300))
METHODS = {"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"}


def observe_request(view: str, method: str, seconds: float) -> None:
    REQUEST_SECONDS.labels(view, method if method in METHODS else "other").observe(seconds)


def watch_tasks() -> None:
    """Times every Celery task (in a worker, in `task.apply` under the embedded scheduler) and carries its id
    into the log lines it writes."""
    from celery import signals

    started: dict[str, tuple[float, object]] = {}

    def prerun(task_id=None, task=None, **kwargs):
        started[task_id] = (time.perf_counter(), logs.task_id.set(task_id or ""))

    def postrun(task_id=None, task=None, **kwargs):
        begun = started.pop(task_id, None)
        if begun is None:
            return
        TASK_SECONDS.labels(task.name).observe(time.perf_counter() - begun[0])
        logs.task_id.reset(begun[1])

    signals.task_prerun.connect(prerun, weak=False)
    signals.task_postrun.connect(postrun, weak=False)


class DeskCollector:
    """The figures kept in the database and the broker, read when Prometheus scrapes."""

    def collect(self):
        from servicedesk.intake.models import InboundMessage
        from servicedesk.intake.models import State as MailState
        from servicedesk.notify.models import OutboundMessage
        from servicedesk.notify.models import State as OutboxState
        from servicedesk.tickets.models import Ticket

        yield CounterMetricFamily("servicedesk_tickets_created", "Tickets created.", value=Ticket.objects.count())
        mail = dict(InboundMessage.objects.order_by().values_list("state").annotate(n=Count("pk")))
        yield CounterMetricFamily("servicedesk_mail_ingested", "Inbound mail messages stored.",
                                  value=sum(mail.values()))
        yield CounterMetricFamily("servicedesk_mail_quarantined", "Inbound mail messages quarantined.",
                                  value=mail.get(MailState.QUARANTINED, 0))
        outbox = dict(OutboundMessage.objects.order_by().values_list("state").annotate(n=Count("pk")))
        backlog = outbox.get(OutboxState.QUEUED, 0) + outbox.get(OutboxState.SENDING, 0)
        yield GaugeMetricFamily("servicedesk_outbox_backlog", "Outbound messages waiting to be sent (queued or "
                                "being sent).", value=backlog)
        yield GaugeMetricFamily("servicedesk_outbox_failed", "Outbound messages given up after their attempts.",
                                value=outbox.get(OutboxState.FAILED, 0))
        last_run = heartbeat.last_run()
        if last_run is not None:
            yield GaugeMetricFamily("servicedesk_scheduler_last_run_timestamp_seconds",
                                    "When the scheduler last went round its table (Unix time).",
                                    value=last_run.timestamp())
        queue = GaugeMetricFamily("servicedesk_task_queue_length", "Tasks waiting in the broker's queue.",
                                  labels=["queue"])
        client = health.broker_client()
        if client is not None:
            try:
                queue.add_metric([settings.CELERY_TASK_DEFAULT_QUEUE], client.llen(settings.CELERY_TASK_DEFAULT_QUEUE))
            except Exception:  # the broker down leaves the series out of this scrape; /readyz names it
                log.warning("could not read the task queue's length", exc_info=True)
            finally:
                client.close()
        yield queue


def scrape() -> bytes:
    registry = CollectorRegistry()
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        MultiProcessCollector(registry)
    else:
        registry.register(PROCESS_REGISTRY)
    registry.register(DeskCollector())
    return generate_latest(registry)


def metrics_view(request):
    token = settings.SERVICEDESK_METRICS_TOKEN
    if not token:
        return HttpResponse(status=404)
    scheme, _, given = request.headers.get("Authorization", "").partition(" ")
    if scheme.lower() != "bearer" or not hmac.compare_digest(given.strip().encode(), token.encode()):
        response = HttpResponse(status=401)
        response["WWW-Authenticate"] = 'Bearer realm="metrics"'
        return response
    return HttpResponse(scrape(), content_type="text/plain; version=0.0.4; charset=utf-8")
