"""Each approval mode through the actions: one-of, all (会签), steps in sequence, the requester's manager, their
department's head, delegation, rejection; a request decided once; the ticket pending and resumed."""

import datetime

import pytest
from django.utils import timezone

from servicedesk.approvals import actions
from servicedesk.approvals.models import ApprovalStep, ApproverKind, Decision, Delegation, State
from servicedesk.approvals.signals import approval_decided
from servicedesk.core.errors import Conflict, NotAllowed
from servicedesk.core.models import AuditEntry
from servicedesk.tickets.models import HistoryEntry, PendingReason, Status

from .conftest import make_policy, service_request

ANY, ALL = ApprovalStep.Mode.ANY, ApprovalStep.Mode.ALL


@pytest.fixture
def decided():
    seen = []

    def receiver(sender, request, outcome, **kwargs):
        seen.append((request.pk, outcome))

    approval_decided.connect(receiver, dispatch_uid="test.decided")
    yield seen
    approval_decided.disconnect(dispatch_uid="test.decided")


def ask(people, policy, ticket=None):
    ticket = ticket or service_request(people)
    return actions.request_approval(ticket, policy=policy, actor=people.agent1, channel="console")


@pytest.mark.django_db(transaction=True)
def test_one_of_a_group_approves_and_the_ticket_resumes(people, decided):
    policy = make_policy("Leads", (ANY, [(ApproverKind.USER, people.lead1), (ApproverKind.USER, people.manager)]))
    ticket = service_request(people)
    status_before = ticket.status
    request = ask(people, policy, ticket)
    ticket.refresh_from_db()
    assert (ticket.status, ticket.pending_reason) == (Status.PENDING, PendingReason.APPROVAL)
    assert {u.username for u in actions.approvers_for(request)} == {"lead1", "manager"}

    actions.decide(request, actor=people.manager, outcome="approve", comment="fine", channel="console")

    request.refresh_from_db()
    ticket.refresh_from_db()
    assert request.state == State.APPROVED and request.decided_at is not None
    assert (ticket.status, ticket.pending_reason) == (status_before, "")
    assert decided == [(request.pk, "approved")]
    events = list(HistoryEntry.objects.filter(ticket=ticket, event__startswith="approval", field="").values_list(
        "event", "actor__username", "new_value", "note").order_by("id"))
    assert [e[0] for e in events] == ["approval_requested", "approval_decision", "approval_approved"]
    assert events[1][1:] == ("manager", "approve", "fine")
    assert AuditEntry.objects.filter(action="approval_decision", actor_name__contains="").exists()


@pytest.mark.django_db(transaction=True)
def test_all_of_them_must_approve(people, decided):
    policy = make_policy("Both", (ALL, [(ApproverKind.USER, people.lead1), (ApproverKind.USER, people.manager)]))
    request = ask(people, policy)
    actions.decide(request, actor=people.lead1, outcome="approve", channel="console")
    request.refresh_from_db()
    assert request.state == State.PENDING
    assert [u.username for u in actions.approvers_for(request)] == ["manager"]
    with pytest.raises(NotAllowed):  # lead1 decided already
        actions.decide(request, actor=people.lead1, outcome="approve", channel="console")
    actions.decide(request, actor=people.manager, outcome="approve", channel="console")
    request.refresh_from_db()
    assert request.state == State.APPROVED
    assert decided == [(request.pk, "approved")]


@pytest.mark.django_db(transaction=True)
def test_steps_run_in_sequence(people, decided):
    policy = make_policy("Two steps", (ANY, [(ApproverKind.USER, people.lead1)]),
                         (ANY, [(ApproverKind.GROUP, people.third_line)]))
    request = ask(people, policy)
    with pytest.raises(NotAllowed):  # the second step's people are not asked yet
        actions.decide(request, actor=people.agent2, outcome="approve", channel="console")
    actions.decide(request, actor=people.lead1, outcome="approve", channel="console")
    request.refresh_from_db()
    assert (request.state, request.step) == (State.PENDING, 2)
    members = set(people.third_line.members.values_list("username", flat=True))
    assert {u.username for u in actions.approvers_for(request)} == members
    assert decided == []
    actions.decide(request, actor=people.third_line.members.first(), outcome="approve", channel="console")
    request.refresh_from_db()
    assert request.state == State.APPROVED


@pytest.mark.django_db(transaction=True)
def test_the_requesters_manager_approves(people):
    policy = make_policy("Manager", (ANY, [(ApproverKind.MANAGER, None)]))
    request = ask(people, policy)
    assert [u.username for u in actions.approvers_for(request)] == ["boss"]
    assert list(actions.pending_for(people.boss)) == [request]
    assert list(actions.pending_for(people.cfo)) == []
    actions.decide(request, actor=people.boss, outcome="approve", channel="portal")
    request.refresh_from_db()
    assert request.state == State.APPROVED
    assert list(actions.pending_for(people.boss)) == []


@pytest.mark.django_db(transaction=True)
def test_the_department_head_approves(people):
    policy = make_policy("Head", (ANY, [(ApproverKind.DEPARTMENT_HEAD, None)]))
    request = ask(people, policy)
    assert [u.username for u in actions.approvers_for(request)] == ["cfo"]
    actions.decide(request, actor=people.cfo, outcome="approve", channel="portal")
    request.refresh_from_db()
    assert request.state == State.APPROVED


@pytest.mark.django_db(transaction=True)
def test_a_delegate_decides_while_the_approver_is_away(people):
    policy = make_policy("Manager", (ANY, [(ApproverKind.MANAGER, None)]))
    request = ask(people, policy)
    with pytest.raises(NotAllowed):
        actions.decide(request, actor=people.cfo, outcome="approve", channel="portal")
    now = timezone.now()
    Delegation.objects.create(user=people.boss, delegate=people.cfo, starts=now - datetime.timedelta(hours=1),
                              ends=now + datetime.timedelta(days=1))
    assert {u.username for u in actions.approvers_for(request)} == {"boss", "cfo"}
    assert list(actions.pending_for(people.cfo)) == [request]
    actions.decide(request, actor=people.cfo, outcome="approve", channel="portal")
    decision = Decision.objects.get(request=request)
    assert (decision.approver.username, decision.on_behalf_of.username) == ("cfo", "boss")
    request.refresh_from_db()
    assert request.state == State.APPROVED


@pytest.mark.django_db(transaction=True)
def test_rejection_closes_the_request_and_tells_the_requester(people, decided):
    policy = make_policy("Manager", (ANY, [(ApproverKind.MANAGER, None)]),
                         (ANY, [(ApproverKind.USER, people.manager)]))
    request = ask(people, policy)
    actions.decide(request, actor=people.boss, outcome="reject", comment="Not in your role.", channel="portal")
    request.refresh_from_db()
    ticket = request.ticket
    ticket.refresh_from_db()
    assert request.state == State.REJECTED
    assert ticket.status == Status.CLOSED
    reply = ticket.comments.get()
    assert not reply.internal and "Not in your role." in reply.body and "Bo Boss" in reply.body
    assert decided == [(request.pk, "rejected")]


@pytest.mark.django_db(transaction=True)
def test_a_decided_request_cannot_be_decided_twice(people):
    policy = make_policy("One", (ANY, [(ApproverKind.USER, people.lead1), (ApproverKind.USER, people.manager)]))
    request = ask(people, policy)
    actions.decide(request, actor=people.lead1, outcome="approve", channel="console")
    with pytest.raises(Conflict):
        actions.decide(request, actor=people.manager, outcome="reject", channel="console")
    assert Decision.objects.filter(request=request).count() == 1


@pytest.mark.django_db(transaction=True)
def test_a_stale_version_changes_nothing(people):
    policy = make_policy("One", (ANY, [(ApproverKind.USER, people.lead1)]))
    request = ask(people, policy)
    with pytest.raises(Conflict):
        actions.decide(request, actor=people.lead1, outcome="approve", channel="api",
                       expected_version=request.version + 1)
    assert not Decision.objects.exists()
