"""/api/v1/webhooks: administrators only, JSON errors, the delivery log and a redelivery."""

from servicedesk.core import audit
from servicedesk.tickets import actions
from servicedesk.webhooks import events, sending
from servicedesk.webhooks.models import Delivery, State, Subscription

W = "/api/v1/webhooks"


def test_an_administrator_creates_a_webhook_and_gets_its_secret_once(api, desk):
    response = api("admin").post(W, {"name": "ITSM bridge", "url": "https://bridge.example.com/in",
                                     "events": ["ticket.created", "sla.warning"], "group": desk.second_line.pk})
    assert response.status_code == 201, response.json_body
    made = Subscription.objects.get()
    assert response.json_body["secret"] == made.secret and len(made.secret) >= 32
    assert response.json_body["group"] == {"id": desk.second_line.pk, "name": str(desk.second_line)}
    assert made.created_by == desk.admin and not made.include_internal
    [listed] = api("admin").get(W).json_body
    assert listed["name"] == "ITSM bridge" and "secret" not in listed
    assert {(e.action, e.channel) for e in audit.trail(made)} == {("created", "api")}


def test_bad_webhooks_are_refused_with_a_reason(api, desk):
    ftp = api("admin").post(W, {"name": "x", "url": "ftp://files.example.com/", "events": ["ticket.created"]})
    assert ftp.status_code == 400 and "http:// or https://" in ftp.json_body["message"]
    chinese = api("admin").post(W, {"name": "x", "url": "not a url", "events": ["ticket.created"]},
                                HTTP_ACCEPT_LANGUAGE="zh-hans")
    assert chinese.status_code == 400 and chinese.json_body["message"]
    unknown = api("admin").post(W, {"name": "x", "url": "https://a.example.com/", "events": ["ticket.eaten"]})
    assert unknown.status_code == 422 and unknown.json_body["message"]
    group = api("admin").post(W, {"name": "x", "url": "https://a.example.com/", "events": ["ticket.created"],
                                  "group": 999999})
    assert group.status_code == 400 and "999999" in group.json_body["message"]
    assert not Subscription.objects.exists()


def test_everyone_but_administrators_gets_403(api, desk):
    for username in ("manager", "lead1", "agent1", "customer1"):
        for response in (api(username).get(W), api(username).post(W, {"name": "x", "url": "https://a.example.com/",
                                                                       "events": ["ticket.created"]})):
            assert response.status_code == 403
            assert response.json_body == {"message": "Only administrators may manage webhooks."}


def test_the_delivery_log_and_a_redelivery(api, desk, receiver, subscribe, django_capture_on_commit_callbacks):
    receiver.script = [503]
    subscription = subscribe(["ticket.created"])
    other = subscribe(["ticket.created"], name="Other")
    ticket = actions.create_ticket(actor=desk.agent1, title="Badge reader", requester=desk.customer1)
    pks = events.ticket_changed(ticket, desk.agent1, "created", {})
    mine = Delivery.objects.get(pk__in=pks, subscription=subscription)
    sending.send(mine.pk)
    page = api("admin").get(f"{W}/{subscription.pk}/deliveries").json_body
    [item] = page["items"]
    assert item | {"state": "queued", "attempts": 1, "status_code": 503, "ticket": ticket.number} == item
    assert item["delivery_id"] == str(mine.uuid) and item["payload"]["type"] == "ticket.created"
    assert api("admin").get(f"{W}/{subscription.pk}/deliveries", {"state": "delivered"}).json_body["items"] == []
    assert api("admin").get(f"{W}/{subscription.pk}/deliveries", {"cursor": "nope"}).status_code == 400
    assert api("admin").get(f"{W}/999999/deliveries").status_code == 404

    theirs = Delivery.objects.get(pk__in=pks, subscription=other)
    assert api("admin").post(f"{W}/{subscription.pk}/deliveries/{theirs.pk}/redeliver").status_code == 404
    with django_capture_on_commit_callbacks(execute=True):
        again = api("admin").post(f"{W}/{subscription.pk}/deliveries/{mine.pk}/redeliver")
    assert again.status_code == 202 and again.json_body["attempts"] == 0
    mine.refresh_from_db()
    assert mine.state == State.DELIVERED and len(receiver.taken) == 1
    assert [e.channel for e in audit.trail(mine)] == ["api"]
