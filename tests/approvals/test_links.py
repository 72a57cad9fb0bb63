"""The mail to the approver and its signed link: the page shows the request and the buttons without a sign-in,
only the POST decides, a second click changes nothing, and a forged or expired link stores nothing."""

import time

from django.core import signing
from django.test import Client

from servicedesk.approvals import actions
from servicedesk.approvals.models import ApprovalStep, ApproverKind, Decision, State
from servicedesk.notify.models import Event, OutboundMessage
from servicedesk.tickets.models import Status

from .conftest import approval_link, make_policy, service_request, subject, to


def start(people, committed, **policy):
    policy = make_policy("Manager approval", (ApprovalStep.Mode.ANY, [(ApproverKind.MANAGER, None)]), **policy)
    ticket = service_request(people, description="I start in accounts payable on Monday.")
    return committed(actions.request_approval, ticket, policy=policy, actor=people.agent1, channel="console")


def test_the_manager_is_mailed_and_approves_from_the_link(people, smtp_sink, committed):
    request = start(people, committed)
    rows = OutboundMessage.objects.filter(event=Event.APPROVAL)
    assert [r.address for r in rows] == ["boss@example.com"]
    mail = to(smtp_sink.wait_for(1), "boss@example.com")[0]
    assert subject(mail).startswith(f"Approval wanted [{request.ticket.number}] Access to the finance folder")
    link = approval_link(mail)
    anonymous = Client()
    shown = anonymous.get(link)
    page = shown.content.decode()
    assert shown.status_code == 200 and 'id="approve"' in page and "accounts payable" in page
    assert not Decision.objects.exists()  # looking is not deciding (mail scanners follow links)

    done = anonymous.post(link, {"outcome": "approve", "comment": "Welcome aboard"})
    assert done.status_code == 200 and 'id="approval-state"' in done.content.decode()
    request.refresh_from_db()
    assert request.state == State.APPROVED
    decision = Decision.objects.get()
    assert (decision.approver, decision.channel, decision.comment) == (people.boss, "email", "Welcome aboard")
    ticket = request.ticket
    ticket.refresh_from_db()
    assert ticket.status == Status.NEW and ticket.pending_reason == ""

    again = anonymous.post(link, {"outcome": "reject"})
    assert again.status_code == 400
    assert Decision.objects.count() == 1


def test_a_rejection_from_the_link_tells_the_requester(people, smtp_sink, committed):
    request = start(people, committed)
    link = approval_link(to(smtp_sink.wait_for(1), "boss@example.com")[0], "reject")
    assert 'id="reject" class="primary"' in Client().get(link).content.decode()
    smtp_sink.clear()
    committed(Client().post, link, {"outcome": "reject", "comment": "Ask again in March."})
    request.refresh_from_db()
    assert request.state == State.REJECTED
    told = to(smtp_sink.wait_for(1), people.customer1.email)[0]
    assert "Ask again in March." in told.get_body(preferencelist=("plain",)).get_content()


def test_a_forged_link_stores_nothing(people, smtp_sink, committed):
    request = start(people, committed)
    token = actions.link_token(request, people.boss)
    forged = token.replace(f"{request.pk}/{people.boss.pk}/", f"{request.pk}/{people.cfo.pk}/", 1)
    assert Client().post(f"/approvals/link/{forged}/", {"outcome": "approve"}).status_code == 404
    assert Client().get("/approvals/link/nonsense/").status_code == 404
    assert not Decision.objects.exists()
    request.refresh_from_db()
    assert request.state == State.PENDING


def test_an_expired_link_stores_nothing(people, smtp_sink, committed):
    request = start(people, committed)

    class MonthsAgo(signing.TimestampSigner):
        def timestamp(self):
            return signing.b62_encode(int(time.time()) - int(actions.LINK_MAX_AGE.total_seconds()) - 60)

    old = MonthsAgo(salt=f"servicedesk.links.{actions.LINK_PURPOSE}").sign(
        f"{request.pk}/{people.boss.pk}/{request.step}")
    assert Client().get(f"/approvals/link/{old}/").status_code == 404
    assert Client().post(f"/approvals/link/{old}/", {"outcome": "approve"}).status_code == 404
    assert not Decision.objects.exists()


def test_the_link_of_someone_no_longer_asked_decides_nothing(people, smtp_sink, committed):
    request = start(people, committed)
    outsider = Client().post(f"/approvals/link/{actions.link_token(request, people.cfo)}/", {"outcome": "approve"})
    assert outsider.status_code == 400
    assert not Decision.objects.exists()
