"""The changes' world: two servers in the CMDB, a pre-approved standard change for the mail service, a year-end
freeze, and approval policies for normal and emergency changes (the manager approves)."""

import datetime

import pytest
from django.utils import timezone

from servicedesk.approvals.models import ApprovalPolicy, ApprovalStep, ApproverKind, StepApprover
from servicedesk.changes import actions
from servicedesk.changes.models import ApprovalRoute, FreezeWindow, StandardChange
from servicedesk.cmdb import actions as cmdb
from servicedesk.cmdb.models import CiType
from servicedesk.core.audit import Channel
from servicedesk.tickets.models import Service

CONSOLE = Channel.CONSOLE
HOUR = datetime.timedelta(hours=1)


@pytest.fixture
def soon():
    """Ten o'clock at night, three days from now (the windows are planned from it)."""
    return (timezone.now() + datetime.timedelta(days=3)).replace(hour=22, minute=0, second=0, microsecond=0)


@pytest.fixture
def servers(desk):
    server = CiType.objects.create(key="server", name="Server", name_zh="服务器")
    return [cmdb.create_item(actor=desk.manager, channel=CONSOLE, data=cmdb.ItemInput(type=server, name=name))
            for name in ("srv-mail-01", "srv-db-01")]


@pytest.fixture
def mail(desk):
    return Service.objects.get(name="Business applications")


@pytest.fixture
def template(desk, mail):
    patching = StandardChange.objects.create(
        name="Monthly OS patches", name_zh="每月系统补丁", description="The month's security patches.",
        implementation="Drain, patch, reboot, check.", backout="Boot the previous kernel.", review="Check the logs.")
    patching.services.set([mail])
    return patching


@pytest.fixture
def freeze(soon):
    return FreezeWindow.objects.create(reason="Year-end closing", reason_zh="年终结账",
                                       starts_at=soon + 10 * 24 * HOUR, ends_at=soon + 17 * 24 * HOUR)


def plan(desk, soon, *, kind="normal", start=0, hours=2, items=(), actor=None, **fields):
    """A draft change planned `start` hours after `soon`, for `hours`, on `items`."""
    actor = actor or desk.agent1
    change = actions.create_change(actions.ChangeInput(
        title=fields.pop("title", "Replace the disks"), kind=kind, planned_start=soon + start * HOUR,
        planned_end=soon + (start + hours) * HOUR, implementation="Swap the disks one by one.",
        backout="Put the old disks back.", **fields), actor=actor, channel=CONSOLE)
    for item in items:
        cmdb.link_item(change.ticket, item, actor=actor, channel=CONSOLE)
    return change


@pytest.fixture
def routes(desk):
    """Normal changes are approved by the manager, emergency ones by any lead of the 2nd line (lead1's group)."""
    made = {}
    for kind, name, approver in (("normal", "Change advisory board", {"user": desk.manager}),
                                 ("emergency", "Emergency CAB", {"user": desk.lead1})):
        policy = ApprovalPolicy.objects.create(name=name, name_zh=name)
        step = ApprovalStep.objects.create(policy=policy, order=1)
        StepApprover.objects.create(step=step, kind=ApproverKind.USER, **approver)
        made[kind] = ApprovalRoute.objects.create(kind=kind, policy=policy).policy
    return made
