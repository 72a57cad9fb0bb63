"""People for the approvals: the demo desk's customers, with a manager and a department head among them."""

import re

import pytest

from servicedesk.accounts.models import Group, GroupKind, Role, User
from servicedesk.approvals.models import ApprovalPolicy, ApprovalStep, ApproverKind, StepApprover
from servicedesk.tickets import actions as ticket_actions
from servicedesk.tickets.models import TicketType
from tests.notify.conftest import _mail_server_reachable, committed, subject, to  # noqa: F401 (shared fixtures)


@pytest.fixture
def people(desk):
    """customer1 reports to boss (a customer who manages); finance's head is cfo."""
    boss = User.objects.create_user("boss", email="boss@example.com", role=Role.CUSTOMER, first_name="Bo",
                                    last_name="Boss", language="en")
    cfo = User.objects.create_user("cfo", email="cfo@example.com", role=Role.CUSTOMER, first_name="Cee",
                                   last_name="Fo", language="en")
    finance = Group.objects.create(name="Finance", kind=GroupKind.DEPARTMENT, head=cfo)
    finance.members.add(desk.customer1)
    User.objects.filter(pk=desk.customer1.pk).update(manager=boss)
    desk.users.update(boss=boss, cfo=cfo, customer1=User.objects.get(pk=desk.customer1.pk))
    desk.groups["Finance"] = finance
    return desk


def make_policy(name, *steps, pause_clock=True, deadline_hours=72, remind_before_hours=24):
    """steps: (mode, [(kind, user_or_group_or_None), ...]) in order; a policy of that name already made is reused."""
    policy = ApprovalPolicy.objects.filter(name=name).first()
    if policy is not None:
        return policy
    policy = ApprovalPolicy.objects.create(name=name, pause_clock=pause_clock, deadline_hours=deadline_hours,
                                           remind_before_hours=remind_before_hours)
    for order, (mode, approvers) in enumerate(steps, start=1):
        step = ApprovalStep.objects.create(policy=policy, order=order, mode=mode)
        for kind, who in approvers:
            StepApprover.objects.create(step=step, kind=kind, user=who if kind == ApproverKind.USER else None,
                                        group=who if kind == ApproverKind.GROUP else None)
    return policy


def service_request(desk, requester=None, **fields):
    requester = requester or desk.customer1
    fields.setdefault("type", TicketType.SERVICE_REQUEST)
    return ticket_actions.create_ticket(actor=requester, requester=requester, title="Access to the finance folder",
                                        channel="portal", **fields)


def approval_link(message, outcome="approve") -> str:
    text = message.get_body(preferencelist=("plain",)).get_content()
    return re.search(rf"http://\S+/approvals/link/\S+/\?outcome={outcome}", text).group(0)
