"""A service request from a catalogue item with an approval policy waits for it from creation; the SLA clock stops
while it waits when the policy says so; reminders go once before the deadline."""

import datetime

from servicedesk.approvals import actions
from servicedesk.approvals.models import ApprovalRequest, ApprovalStep, ApproverKind, CatalogueApproval, State
from servicedesk.notify.models import Event, OutboundMessage
from servicedesk.sla.clocks import sla_state
from servicedesk.tickets.models import Category, PendingReason, Service, Status

from .conftest import make_policy, service_request, subject, to

ANY = ApprovalStep.Mode.ANY


def finance_folder(policy):
    service = Service.objects.create(name="File shares", name_zh="文件共享")
    category = Category.objects.create(service=service, name="Finance folder access", name_zh="财务文件夹权限")
    CatalogueApproval.objects.create(category=category, policy=policy)
    return category


def test_a_request_from_a_catalogue_item_with_a_policy_waits_for_approval(people, smtp_sink, committed):
    policy = make_policy("Manager approval", (ANY, [(ApproverKind.MANAGER, None)]))
    category = finance_folder(policy)
    ticket = committed(service_request, people, category=category)
    request = ApprovalRequest.objects.get(ticket=ticket)
    assert (request.state, request.policy, request.requested_by.is_system_identity) == (State.PENDING, policy, True)
    assert (ticket.status, ticket.pending_reason) == (Status.PENDING, PendingReason.APPROVAL)
    assert to(smtp_sink.wait_for(1), "boss@example.com")

    other = committed(service_request, people, category=Category.objects.create(service=category.service,
                                                                                  name="Printer toner"))
    assert not ApprovalRequest.objects.filter(ticket=other).exists()  # an item without a policy
    incident = committed(service_request, people, category=category, type="incident")
    assert not ApprovalRequest.objects.filter(ticket=incident).exists()  # only service requests


def test_the_clock_stops_while_the_ticket_waits_when_the_policy_says_so(people):
    paused = make_policy("Pausing", (ANY, [(ApproverKind.MANAGER, None)]), pause_clock=True)
    running = make_policy("Running", (ANY, [(ApproverKind.MANAGER, None)]), pause_clock=False)
    first, second = service_request(people), service_request(people)
    actions.request_approval(first, policy=paused, actor=people.agent1, channel="console")
    actions.request_approval(second, policy=running, actor=people.agent1, channel="console")
    first.refresh_from_db()
    second.refresh_from_db()
    assert (first.status, first.pending_reason) == (Status.PENDING, PendingReason.APPROVAL)
    assert first.status != second.status == Status.NEW
    assert sla_state(first).resolution.paused is True
    assert sla_state(second).resolution.running is True


def test_reminders_go_once_before_the_deadline_to_those_who_have_not_decided(people, smtp_sink, committed):
    policy = make_policy("Both", (ApprovalStep.Mode.ALL, [(ApproverKind.MANAGER, None),
                                                          (ApproverKind.DEPARTMENT_HEAD, None)]),
                         deadline_hours=48, remind_before_hours=8)
    request = committed(actions.request_approval, service_request(people), policy=policy, actor=people.agent1,
                        channel="console")
    smtp_sink.wait_for(2)
    committed(actions.decide, request, actor=people.cfo, outcome="approve", channel="portal")
    smtp_sink.clear()
    request.refresh_from_db()
    assert committed(actions.remind_due, request.deadline - datetime.timedelta(hours=9)) == 0
    assert committed(actions.remind_due, request.deadline - datetime.timedelta(hours=7)) == 1
    assert committed(actions.remind_due, request.deadline - datetime.timedelta(hours=6)) == 0
    reminders = OutboundMessage.objects.filter(event=Event.APPROVAL, source_key__endswith=":reminder")
    assert [r.address for r in reminders] == ["boss@example.com"]
    assert subject(to(smtp_sink.wait_for(1), "boss@example.com")[0]).startswith("Reminder: Approval wanted")


def test_nobody_to_ask_refuses_the_request(people):
    policy = make_policy("Manager approval", (ANY, [(ApproverKind.MANAGER, None)]))
    ticket = service_request(people, requester=people.customer2)  # customer2 has no manager
    try:
        actions.request_approval(ticket, policy=policy, actor=people.agent1, channel="console")
    except actions.ActionError as refused:
        assert "no such person, manager or department head" in refused.message
    else:
        raise AssertionError("refused")
    assert not ApprovalRequest.objects.exists()
