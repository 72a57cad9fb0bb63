"""The approvals through the API (my pending approvals, decide, a stale version, delegations) and the console's
and portal's inbox, in both languages."""

import datetime

from django.test import Client
from django.utils import timezone

from servicedesk.approvals import actions
from servicedesk.approvals.models import ApprovalStep, ApproverKind, Decision, Delegation, State
from servicedesk.core.models import AuditEntry
from servicedesk.tickets.models import HistoryEntry
from tests.conftest import Api

from .conftest import make_policy, service_request

ANY = ApprovalStep.Mode.ANY


def waiting_for_boss(people):
    policy = make_policy("Manager approval", (ANY, [(ApproverKind.MANAGER, None)]))
    ticket = service_request(people, description="Quarter-end reports")
    return actions.request_approval(ticket, policy=policy, actor=people.agent1, channel="console")


def test_my_pending_approvals_and_deciding_them_through_the_api(people):
    request = waiting_for_boss(people)
    boss = Api(people.boss)
    listed = boss.get("approvals")
    assert listed.status_code == 200
    [item] = listed.json_body["items"]
    assert (item["id"], item["ticket"], item["may_decide"], item["state"]) == (
        request.pk, request.ticket.number, True, "pending")
    assert Api(people.cfo).get("approvals").json_body["items"] == []
    assert Api(people.cfo).get(f"approvals/{request.pk}").status_code == 404

    stale = boss.post(f"approvals/{request.pk}/decide", {"outcome": "approve", "version": request.version + 1})
    assert stale.status_code == 409 and not Decision.objects.exists()
    bad = boss.post(f"approvals/{request.pk}/decide", {"outcome": "maybe"})
    assert bad.status_code == 422
    done = boss.post(f"approvals/{request.pk}/decide",
                     {"outcome": "reject", "comment": "No", "version": request.version})
    assert done.status_code == 200 and done.json_body["state"] == "rejected"
    assert done.json_body["decisions"][0]["approver"] == people.boss.display_name
    twice = boss.post(f"approvals/{request.pk}/decide", {"outcome": "approve"})
    assert twice.status_code == 409 and twice.json_body["message"].startswith("This approval was already decided")
    # The requester reads their own approval; the decision is in the audit trail.
    assert Api(people.customer1).get(f"approvals/{request.pk}").json_body["state"] == "rejected"
    assert AuditEntry.objects.filter(action="approval_decision", object_id=str(request.pk),
                                     actor_id=people.boss.pk, channel="api").exists()


def test_staff_ask_for_an_approval_through_the_api(people):
    policy = make_policy("Lead approval", (ANY, [(ApproverKind.USER, people.lead1)]))
    ticket = service_request(people)
    made = Api(people.manager).post("approvals", {"ticket": ticket.number, "policy": policy.pk})
    assert made.status_code == 201 and made.json_body["state"] == "pending"
    again = Api(people.manager).post("approvals", {"ticket": ticket.number, "policy": policy.pk})
    assert again.status_code == 409
    assert Api(people.customer1).post("approvals", {"ticket": ticket.number, "policy": policy.pk}).status_code == 403
    cancelled = Api(people.manager).post(f"approvals/{made.json_body['id']}/cancel", {})
    assert cancelled.status_code == 200 and cancelled.json_body["state"] == "cancelled"


def test_delegations_through_the_api(people):
    boss = Api(people.boss)
    now = timezone.now()
    made = boss.post("approvals/delegations", {"delegate": people.cfo.pk, "starts": now.isoformat(),
                                               "ends": (now + datetime.timedelta(days=3)).isoformat()})
    assert made.status_code == 201
    backwards = boss.post("approvals/delegations", {"delegate": people.cfo.pk, "starts": now.isoformat(),
                                                    "ends": (now - datetime.timedelta(days=1)).isoformat()})
    assert backwards.status_code == 400 and "must end after it starts" in backwards.json_body["message"]
    long_ago = boss.post("approvals/delegations", {"delegate": people.cfo.pk, "starts": "0001-01-01T00:00:00+14:00",
                                                   "ends": "2030-01-01T00:00:00Z"})
    assert long_ago.status_code == 400 and "Choose dates between 2000 and 2100" in long_ago.json_body["message"]
    zoneless = boss.post("approvals/delegations", {"delegate": people.cfo.pk, "starts": "2030-01-01T08:00:00",
                                                   "ends": "2030-01-02T08:00:00"})
    assert zoneless.status_code == 201
    boss.delete(f"approvals/delegations/{zoneless.json_body['id']}")
    assert Api(people.cfo).delete(f"approvals/delegations/{made.json_body['id']}").status_code == 404
    assert boss.delete(f"approvals/delegations/{made.json_body['id']}").status_code == 204
    assert not Delegation.objects.exists()


def test_the_console_inbox_decides_with_a_comment_in_both_languages(people):
    policy = make_policy("Desk managers", (ANY, [(ApproverKind.USER, people.manager)]))
    ticket = service_request(people)
    request = actions.request_approval(ticket, policy=policy, actor=people.agent1, channel="console")
    client = Client()
    client.force_login(people.manager)  # the manager reads Chinese
    page = client.get("/console/approvals/").content.decode()
    assert "等待您审批" in page and ticket.number in page and "批准" in page
    done = client.post(f"/console/approvals/{request.pk}/decide/",
                       {"outcome": "approve", "comment": "可以", "version": request.version}, follow=True)
    assert "已批准" in done.content.decode()
    request.refresh_from_db()
    assert request.state == State.APPROVED
    assert HistoryEntry.objects.filter(ticket=ticket, event="approval_decision", note="可以").exists()
    english = Client()
    english.force_login(people.agent1)
    assert "Nothing waits for your approval." in english.get("/console/approvals/").content.decode()
    timeline = english.get(f"/console/tickets/{ticket.number}/").content.decode()
    assert "approved: “可以”" in timeline


def test_a_manager_approves_their_staffs_request_in_the_portal(people):
    request = waiting_for_boss(people)
    client = Client()
    client.force_login(people.boss)
    page = client.get("/portal/approvals/").content.decode()
    assert request.ticket.number in page and "Quarter-end reports" in page and "Waiting for your decision" in page
    stale = client.post(f"/portal/approvals/{request.pk}/decide/",
                        {"outcome": "approve", "version": request.version + 1}, follow=True)
    assert "Someone else changed this approval" in stale.content.decode()
    client.post(f"/portal/approvals/{request.pk}/decide/", {"outcome": "approve", "version": request.version})
    request.refresh_from_db()
    assert request.state == State.APPROVED
    assert Decision.objects.get().channel == "portal"
    # Someone not asked cannot decide: the refusal is shown, nothing stored.
    other = waiting_for_boss(people)
    stranger = Client()
    stranger.force_login(people.customer2)
    shown = stranger.post(f"/portal/approvals/{other.pk}/decide/",
                          {"outcome": "approve", "version": other.version}, follow=True)
    assert "You are not an approver of this request." in shown.content.decode()
    assert Decision.objects.count() == 1


def test_handing_over_in_the_portal(people):
    client = Client()
    client.force_login(people.boss)
    # Read in the person's time zone: a day's margin either side whatever it is.
    starts = timezone.localtime(timezone.now() - datetime.timedelta(days=1)).strftime("%Y-%m-%dT%H:%M")
    ends = timezone.localtime(timezone.now() + datetime.timedelta(days=7)).strftime("%Y-%m-%dT%H:%M")
    unknown = client.post("/portal/approvals/delegations/", {"delegate": "nobody", "starts": starts, "ends": ends})
    assert unknown.status_code == 400 and "Nobody of that name or address." in unknown.content.decode()
    client.post("/portal/approvals/delegations/", {"delegate": "cfo@example.com", "starts": starts, "ends": ends})
    delegation = Delegation.objects.get()
    assert (delegation.user, delegation.delegate) == (people.boss, people.cfo)
    request = waiting_for_boss(people)
    assert list(actions.pending_for(people.cfo)) == [request]


def test_the_ticket_page_shows_who_is_asked_and_withdraws_the_approval(people):
    request = waiting_for_boss(people)
    client = Client()
    client.force_login(people.agent1)
    page = client.get(f"/console/tickets/{request.ticket.number}/").content.decode()
    assert 'id="approval"' in page and "Bo Boss" in page.split('id="approval-waiting-for"')[1][:200]
    # The timeline says it once, and the status change as any other.
    assert page.count("asked for approval: Manager approval") == 1 and page.count("asked for approval") == 1
    stale = client.post(f"/console/approvals/{request.pk}/cancel/", {"version": request.version + 1}, follow=True)
    assert "Someone else changed this approval" in stale.content.decode()
    client.post(f"/console/approvals/{request.pk}/cancel/", {"version": request.version})
    request.refresh_from_db()
    assert request.state == State.CANCELLED
    ticket = request.ticket
    ticket.refresh_from_db()
    assert ticket.pending_reason == ""
    assert 'id="approval"' not in client.get(f"/console/tickets/{ticket.number}/").content.decode()
