"""The administrators' pages for OLA targets, escalation rules, SLA events and digests."""

from datetime import timedelta

from django.test import Client
from django.utils import timezone

from servicedesk.sla.models import EscalationRule, OlaTarget, SlaEvent
from servicedesk.tickets import actions


def admin_client(desk):
    client = Client()
    client.force_login(desk.admin)
    return client


def test_admin_pages(desk):
    client = admin_client(desk)
    ticket_id = actions.create_ticket(actor=desk.agent1, title="x", requester=desk.customer1).pk
    now = timezone.now()
    event = SlaEvent.objects.create(ticket_id=ticket_id, key="response", kind="response", started_at=now, percent=100,
                                    due_at=now, reached_at=now + timedelta(minutes=1), cause="late")
    for url in ("/admin/sla/olatarget/", "/admin/sla/olatarget/add/", "/admin/sla/escalationrule/",
                "/admin/sla/escalationrule/add/", "/admin/sla/slaevent/", "/admin/sla/followupdigest/",
                f"/admin/sla/slaevent/{event.pk}/change/", "/admin/sla/slapolicy/add/"):
        assert client.get(url).status_code == 200, url
    assert client.get("/admin/sla/slaevent/add/").status_code == 403
    assert EscalationRule.objects.count() == 2  # the seeded defaults are listed and editable


def test_admin_creates_an_ola_target_and_refuses_bad_thresholds(desk):
    client = admin_client(desk)
    response = client.post("/admin/sla/olatarget/add/", {
        "group": desk.second_line.pk, "minutes": 240, "thresholds": "[50, 150]", "is_active": "on"})
    assert response.status_code == 200 and b"1 to 99 percent" in response.content
    assert not OlaTarget.objects.exists()
    response = client.post("/admin/sla/olatarget/add/", {
        "group": desk.second_line.pk, "minutes": 240, "thresholds": "[50, 90]", "is_active": "on"})
    assert response.status_code == 302
    assert OlaTarget.objects.get().thresholds == [50, 90]
