"""Ticket and SLA events reach a loopback receiver signed, in the documented shape, once each."""

import datetime
import uuid

from django.utils import timezone

from servicedesk.sla import tracking
from servicedesk.tickets import actions
from servicedesk.webhooks import events, sending, tasks
from servicedesk.webhooks.models import Delivery, State

PAYLOAD_KEYS = {"schema", "id", "type", "occurred_at", "ticket", "changes", "actor", "comments"}


def committed(capture, fn, *args, **kwargs):
    """Call fn as if its transaction committed: the after-commit receivers store the deliveries."""
    with capture(execute=True):
        return fn(*args, **kwargs)


def test_created_commented_and_resolved_are_delivered_signed_in_the_documented_shape(
        desk, receiver, subscribe, django_capture_on_commit_callbacks):
    subscribe(["ticket.created", "ticket.commented", "ticket.resolved"])
    capture = django_capture_on_commit_callbacks
    ticket = committed(capture, actions.create_ticket, actor=desk.agent1, title="VPN down", requester=desk.customer1,
                       group=desk.first_line)
    committed(capture, actions.add_comment, ticket, actor=desk.agent1, body="Looking at it now.")
    committed(capture, actions.add_comment, ticket, actor=desk.agent1, body="Probably the token.", internal=True)
    committed(capture, actions.transition, ticket, "resolve", actor=desk.agent1, comment="Token renewed.")
    assert tasks.send_due() == 3

    assert all(r.verified for r in receiver.requests)
    created, commented, resolved = (r.payload for r in receiver.taken)
    assert [p["type"] for p in (created, commented, resolved)] == ["ticket.created", "ticket.commented",
                                                                   "ticket.resolved"]
    for request in receiver.taken:
        assert request.headers["Content-Type"] == "application/json"
        assert request.headers["X-ServiceDesk-Event"] == request.payload["type"]
        assert uuid.UUID(request.headers["X-ServiceDesk-Delivery"])
        assert set(request.payload) == PAYLOAD_KEYS and request.payload["schema"] == 1
    assert created["ticket"]["number"] == ticket.number and created["ticket"]["title"] == "VPN down"
    assert created["ticket"]["group"]["name"] == desk.first_line.name
    assert created["ticket"]["url"].endswith(f"/console/tickets/{ticket.number}/")
    assert created["actor"]["username"] == "agent1"
    assert [c["body"] for c in commented["comments"]] == ["Looking at it now."]
    assert resolved["ticket"]["status"] == "resolved"
    assert resolved["changes"]["status"] == {"old": "assigned", "new": "resolved"}
    assert [c["body"] for c in resolved["comments"]] == ["Token renewed."]  # the resolution, written with it
    assert len({r.headers["X-ServiceDesk-Delivery"] for r in receiver.taken}) == 3
    assert set(Delivery.objects.values_list("state", flat=True)) == {State.DELIVERED}


def test_internal_notes_go_only_to_subscriptions_that_include_them(desk, receiver, subscribe,
                                                                  django_capture_on_commit_callbacks):
    outside = subscribe(["ticket.commented"], name="Customer-facing")
    inside = subscribe(["ticket.commented"], name="Desk tools", include_internal=True)
    ticket = actions.create_ticket(actor=desk.agent1, title="Printer", requester=desk.customer1)
    committed(django_capture_on_commit_callbacks, actions.add_comment, ticket, actor=desk.agent1,
              body="Internal only.", internal=True)
    assert not Delivery.objects.filter(subscription=outside).exists()
    [delivery] = Delivery.objects.filter(subscription=inside)
    assert delivery.payload["comments"][0] == delivery.payload["comments"][0] | {"body": "Internal only.",
                                                                                  "internal": True}


def test_the_filter_keeps_other_groups_tickets_out(desk, receiver, subscribe, django_capture_on_commit_callbacks):
    subscribe(["ticket.created"], group=desk.third_line)
    committed(django_capture_on_commit_callbacks, actions.create_ticket, actor=desk.agent1, title="Elsewhere",
              requester=desk.customer1, group=desk.first_line)
    assert not Delivery.objects.exists()


def test_sla_breach_is_delivered(desk, receiver, subscribe, django_capture_on_commit_callbacks):
    subscribe(["sla.breached"])
    ticket = actions.create_ticket(actor=desk.agent1, title="Server down", requester=desk.customer1,
                                   group=desk.first_line, impact=1, urgency=1)
    tracking.recompute_ticket(ticket.pk)
    committed(django_capture_on_commit_callbacks, tracking.evaluate, timezone.now() + datetime.timedelta(days=60))
    assert tasks.send_due() >= 1
    breaches = [r.payload for r in receiver.taken]
    assert breaches and {p["type"] for p in breaches} == {"sla.breached"}
    assert all(r.verified for r in receiver.requests)
    response = next(p for p in breaches if p["sla"]["target"] == "response")
    assert response["sla"]["percent"] == 100 and response["ticket"]["number"] == ticket.number
    assert set(response) == PAYLOAD_KEYS - {"comments"} | {"sla"}


def test_an_event_announced_twice_is_stored_and_sent_once(desk, receiver, subscribe):
    subscribe(["ticket.changed"])
    ticket = actions.create_ticket(actor=desk.agent1, title="Twice", requester=desk.customer1)
    ticket = actions.set_priority(ticket, actor=desk.agent1, impact=1)
    first = events.ticket_changed(ticket, desk.agent1, "updated", {"impact": (2, 1)})
    again = events.ticket_changed(ticket, desk.agent1, "updated", {"impact": (2, 1)})
    assert first == again and Delivery.objects.count() == 1
    for pk in first + again:
        sending.send(pk)
    assert len(receiver.requests) == 1


def test_each_change_is_one_event_of_its_kind(desk, receiver, subscribe, django_capture_on_commit_callbacks):
    subscribe(["ticket.created", "ticket.changed", "ticket.commented", "ticket.resolved", "ticket.closed"])
    capture = django_capture_on_commit_callbacks
    ticket = committed(capture, actions.create_ticket, actor=desk.customer1, title="Laptop slow")
    committed(capture, actions.assign, ticket, actor=desk.agent1, group=desk.second_line)
    committed(capture, actions.add_comment, ticket, actor=desk.customer1, body="Still slow.")
    committed(capture, actions.transition, ticket, "resolve", actor=desk.manager, comment="Replaced the disk.")
    committed(capture, actions.transition, ticket, "confirm", actor=desk.customer1)
    kinds = list(Delivery.objects.order_by("id").values_list("event", flat=True))
    assert kinds == ["ticket.created", "ticket.changed", "ticket.commented", "ticket.resolved", "ticket.closed"]
    changed = Delivery.objects.get(event="ticket.changed").payload
    assert changed["changes"]["group"] == {"old": None, "new": desk.second_line.name}
    assert changed["actor"]["username"] == "agent1"
