"""The webhooks in the admin: the delivery log (both languages, filters), redeliver and the test event,
through webhooks.actions and into the audit trail."""

from django.test import Client

from servicedesk.accounts.models import User
from servicedesk.core import audit
from servicedesk.tickets import actions
from servicedesk.webhooks import events, sending
from servicedesk.webhooks.models import Delivery, State, Subscription

from .conftest import SECRET


def _admin(desk, language="en"):
    User.objects.filter(pk=desk.admin.pk).update(language=language)
    client = Client()
    client.force_login(desk.admin)
    return client


def _failed_delivery(desk, receiver, subscribe):
    receiver.script = [410]
    subscription = subscribe(["ticket.created"])
    ticket = actions.create_ticket(actor=desk.agent1, title="Disk full", requester=desk.customer1)
    [pk] = events.ticket_changed(ticket, desk.agent1, "created", {})
    sending.send(pk)
    return subscription, Delivery.objects.get(pk=pk)


def test_the_delivery_log_renders_and_filters_in_both_languages(desk, receiver, subscribe):
    subscription, delivery = _failed_delivery(desk, receiver, subscribe)
    page = _admin(desk).get(f"/admin/webhooks/delivery/?state__exact=failed&subscription__id__exact={subscription.pk}")
    text = page.content.decode()
    assert page.status_code == 200 and "Webhook deliveries" in text
    assert delivery.ticket.number in text and "HTTP 410" in text and "ticket.created" in text
    assert "Redeliver the selected deliveries" in text
    delivered = _admin(desk).get("/admin/webhooks/delivery/?state__exact=delivered").content.decode()
    assert "0 webhook deliveries" in delivered
    chinese = _admin(desk, "zh-hans").get("/admin/webhooks/delivery/").content.decode()
    assert "Webhook 投递记录" in chinese and "重新投递所选记录" in chinese
    detail = _admin(desk).get(f"/admin/webhooks/delivery/{delivery.pk}/change/")
    assert detail.status_code == 200 and str(delivery.uuid) in detail.content.decode()


def test_redeliver_queues_a_new_attempt_with_the_same_delivery_id(desk, receiver, subscribe,
                                                                 django_capture_on_commit_callbacks):
    _subscription, delivery = _failed_delivery(desk, receiver, subscribe)
    with django_capture_on_commit_callbacks(execute=True):
        response = _admin(desk).post("/admin/webhooks/delivery/", {"action": "redeliver",
                                                                   "_selected_action": [delivery.pk]}, follow=True)
    assert response.status_code == 200 and "1 delivery queued again." in response.content.decode()
    delivery.refresh_from_db()
    assert (delivery.state, delivery.attempts, delivery.status_code) == (State.DELIVERED, 1, 200)
    first, again = receiver.requests
    assert first.headers["X-ServiceDesk-Delivery"] == again.headers["X-ServiceDesk-Delivery"] == str(delivery.uuid)
    assert first.body == again.body
    [entry] = audit.trail(delivery)
    assert (entry.action, entry.actor_id, entry.channel) == ("redelivered", desk.admin.pk, "admin")


def test_send_test_event_posts_a_signed_test_event(desk, receiver, subscribe, django_capture_on_commit_callbacks):
    subscription = subscribe(["ticket.created"])
    with django_capture_on_commit_callbacks(execute=True):
        response = _admin(desk).post("/admin/webhooks/subscription/", {"action": "send_test_event",
                                                                       "_selected_action": [subscription.pk]},
                                     follow=True)
    assert "1 test event sent" in response.content.decode()
    [got] = receiver.taken
    assert got.verified and got.headers["X-ServiceDesk-Event"] == "webhook.test"
    assert got.payload["type"] == "webhook.test" and got.payload["ticket"] is None
    assert got.payload["actor"]["username"] == "admin"
    assert [e.action for e in audit.trail(subscription)] == ["test_event"]


def test_an_administrator_adds_a_webhook_in_the_admin(desk):
    client = _admin(desk)
    form = client.get("/admin/webhooks/subscription/add/")
    assert form.status_code == 200 and "Include internal notes" in form.content.decode()
    refused = client.post("/admin/webhooks/subscription/add/", {
        "name": "Files", "url": "file:///etc/passwd", "secret": SECRET, "events": ["ticket.created"]})
    assert refused.status_code == 200 and not Subscription.objects.exists()
    client.post("/admin/webhooks/subscription/add/", {
        "name": "Chat bridge", "url": "https://chat.example.com/hook", "secret": SECRET,
        "events": ["ticket.created", "sla.breached"], "is_active": "on"})
    made = Subscription.objects.get()
    assert made.created_by == desk.admin and made.events == ["ticket.created", "sla.breached"]
    trail = {e.field: e.new_value for e in audit.trail(made)}
    assert trail["secret"] == audit.MASK and trail["url"] == "https://chat.example.com/hook"
