"""Retries with backoff, permanent failures, claims: an event reaches its receiver once."""

import datetime
import threading

import pytest
from django.db import connection, transaction
from django.utils import timezone

from servicedesk.tickets import actions
from servicedesk.webhooks import events, sending, tasks
from servicedesk.webhooks.models import Delivery, State, Subscription


def _stored(desk, title="Mail is slow"):
    ticket = actions.create_ticket(actor=desk.agent1, title=title, requester=desk.customer1)
    [pk] = events.ticket_changed(ticket, desk.agent1, "created", {})
    return pk


def test_failing_twice_then_succeeding_is_received_once_with_one_delivery_id(desk, receiver, subscribe, settings):
    settings.SERVICEDESK_WEBHOOK_TIMEOUT_SECONDS = 0.5
    receiver.script = [500, ("sleep", 1.5)]  # a server error, then no answer in time, then 200
    subscribe(["ticket.created"])
    pk = _stored(desk)
    start = timezone.now()
    assert sending.send(pk, now=start).retry_in == 60
    delivery = Delivery.objects.get(pk=pk)
    assert (delivery.state, delivery.attempts, delivery.status_code) == (State.QUEUED, 1, 500)
    assert sending.send(pk, now=start + datetime.timedelta(seconds=30)) is None  # not due yet
    assert sending.due(start + datetime.timedelta(seconds=30)) == []
    second = start + datetime.timedelta(seconds=61)
    assert sending.due(second) == [pk]
    assert sending.send(pk, now=second).retry_in == 120
    delivery.refresh_from_db()
    assert delivery.status_code is None and "timed out" in delivery.last_error
    third = second + datetime.timedelta(seconds=121)
    assert sending.send(pk, now=third).state == State.DELIVERED
    assert sending.send(pk, now=third + datetime.timedelta(hours=2)) is None
    assert sending.due(third + datetime.timedelta(hours=2)) == []

    assert len(receiver.requests) == 3 and len(receiver.taken) == 1
    assert len({r.headers["X-ServiceDesk-Delivery"] for r in receiver.requests}) == 1
    delivery.refresh_from_db()
    assert (delivery.state, delivery.attempts, delivery.status_code) == (State.DELIVERED, 3, 200)
    assert delivery.delivered_at is not None and delivery.response_ms is not None


def test_connection_refused_is_tried_again(desk, subscribe):
    closed = "http://127.0.0.1:9/"  # the discard port: nothing listens on loopback
    subscribe(["ticket.created"], url=closed)
    pk = _stored(desk)
    assert sending.send(pk).state == State.QUEUED
    assert "Connection refused" in Delivery.objects.get(pk=pk).last_error


def test_gone_is_a_permanent_failure(desk, receiver, subscribe):
    receiver.script = [410]
    subscribe(["ticket.created"])
    pk = _stored(desk)
    assert sending.send(pk).state == State.FAILED
    later = timezone.now() + datetime.timedelta(days=1)
    assert sending.due(later) == [] and sending.send(pk, now=later) is None
    delivery = Delivery.objects.get(pk=pk)
    assert (delivery.state, delivery.attempts, delivery.status_code) == (State.FAILED, 1, 410)
    assert len(receiver.requests) == 1


@pytest.mark.parametrize("status", [408, 429, 503])
def test_timeouts_rate_limits_and_server_errors_are_tried_again(desk, receiver, subscribe, status):
    receiver.script = [status]
    subscribe(["ticket.created"])
    assert sending.send(_stored(desk)).state == State.QUEUED


def test_attempts_are_limited(desk, receiver, subscribe, settings):
    settings.SERVICEDESK_WEBHOOK_MAX_ATTEMPTS = 2
    receiver.script = [500, 500, 500]
    subscribe(["ticket.created"])
    pk = _stored(desk)
    now = timezone.now()
    assert sending.send(pk, now=now).state == State.QUEUED
    assert sending.send(pk, now=now + datetime.timedelta(minutes=2)).state == State.FAILED
    assert len(receiver.requests) == 2


def test_a_webhook_failing_for_good_again_and_again_is_deactivated(desk, receiver, subscribe, settings):
    settings.SERVICEDESK_WEBHOOK_DISABLE_AFTER = 2
    receiver.script = [404, 404]
    subscription = subscribe(["ticket.created"])
    assert sending.send(_stored(desk, "one")).state == State.FAILED
    assert Subscription.objects.get(pk=subscription.pk).is_active
    assert sending.send(_stored(desk, "two")).state == State.FAILED
    subscription.refresh_from_db()
    assert not subscription.is_active and subscription.consecutive_failures == 2
    ticket = actions.create_ticket(actor=desk.agent1, title="three", requester=desk.customer1)
    assert events.ticket_changed(ticket, desk.agent1, "created", {}) == []  # nothing stored for it any more


def test_a_delivery_left_sending_by_a_stopped_worker_is_sent_again(desk, receiver, subscribe, settings):
    subscribe(["ticket.created"])
    pk = _stored(desk)
    claimed = timezone.now() - datetime.timedelta(minutes=settings.SERVICEDESK_WEBHOOK_SENDING_TIMEOUT_MINUTES + 1)
    Delivery.objects.filter(pk=pk).update(state=State.SENDING, claimed_at=claimed, attempts=1)
    assert sending.due(claimed + datetime.timedelta(minutes=1)) == []  # still within the timeout
    assert tasks.send_due() == 1
    delivery = Delivery.objects.get(pk=pk)
    assert delivery.state == State.DELIVERED and delivery.attempts == 2 and len(receiver.taken) == 1


def test_a_pass_waits_on_a_silent_receiver_once(desk, receiver, subscribe, settings):
    settings.SERVICEDESK_WEBHOOK_TIMEOUT_SECONDS = 0.3
    receiver.script = [("sleep", 1)]
    subscribe(["ticket.created"])
    first, second = _stored(desk, "one"), _stored(desk, "two")
    assert tasks.send_due() == 2
    assert len(receiver.requests) == 1
    assert Delivery.objects.get(pk=first).attempts + Delivery.objects.get(pk=second).attempts == 1
    assert tasks.send_due() == 1  # the other one, in the next pass; the first waits for its backoff
    assert len(receiver.taken) == 1


@pytest.mark.django_db(transaction=True)
def test_two_senders_at_once_deliver_once(desk, receiver, subscribe):
    receiver.script = [("slow", 0.3)]  # the POST takes a while: the second sender meets the first's claim
    subscribe(["ticket.created"])
    pk = _stored(desk)
    start = threading.Barrier(2)
    outcomes = []

    def sender():
        start.wait()
        try:
            outcomes.append(sending.send(pk))
        finally:
            connection.close()

    threads = [threading.Thread(target=sender) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert outcomes.count(None) == 1  # one found nothing to claim
    assert len(receiver.requests) == 1


@pytest.mark.django_db(transaction=True)
def test_a_rolled_back_ticket_change_delivers_nothing(desk, receiver, subscribe):
    subscribe(["ticket.created", "ticket.changed", "ticket.commented"])
    ticket = actions.create_ticket(actor=desk.agent1, title="Kept", requester=desk.customer1)
    tasks.send_due()
    assert [r.payload["type"] for r in receiver.taken] == ["ticket.created"]
    with pytest.raises(RuntimeError), transaction.atomic():
        actions.add_comment(ticket, actor=desk.agent1, body="Never said.")
        actions.create_ticket(actor=desk.agent1, title="Never made", requester=desk.customer1)
        raise RuntimeError("rolled back")
    assert tasks.send_due() == 0
    assert Delivery.objects.count() == 1 and len(receiver.requests) == 1
