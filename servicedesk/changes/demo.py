"""The demo desk's changes (`servicedesk demo`, with the tickets): the change advisory board approving normal
changes (the desk manager) and the emergency board (the 2nd line's lead); a pre-approved standard change (the
monthly patches); the year-end freeze; this week's patching of the mail server, scheduled (with its service
notice); and the core switch's firmware upgrade, awaiting approval and planned inside the freeze (flagged)."""

import datetime
import zoneinfo

from django.utils import timezone

from servicedesk.accounts import actions as account_actions
from servicedesk.approvals.models import ApprovalPolicy, ApprovalStep, ApproverKind, StepApprover
from servicedesk.cmdb import actions as cmdb
from servicedesk.cmdb.models import ConfigItem
from servicedesk.core.audit import Channel
from servicedesk.tickets.demo import _clock, previous_working_day
from servicedesk.tickets.models import Service

from . import actions
from .models import ApprovalRoute, ChangeRecord, FreezeWindow, Kind, StandardChange

AFTER = ("accounts", "tickets", "announcements", "cmdb", "approvals")

BOARDS = [(Kind.NORMAL, "Change advisory board", "变更顾问委员会", "manager"),
          (Kind.EMERGENCY, "Emergency change advisory board", "紧急变更顾问委员会", "lead1")]


def _board(name: str, name_zh: str, approver) -> ApprovalPolicy:
    policy = ApprovalPolicy.objects.filter(name=name).first()
    if policy is None:
        policy = ApprovalPolicy.objects.create(name=name, name_zh=name_zh, deadline_hours=48)
        step = ApprovalStep.objects.create(policy=policy, order=1)
        StepApprover.objects.create(step=step, kind=ApproverKind.USER, user=approver)
    return policy


def _link(change: ChangeRecord, name: str, actor) -> None:
    item = ConfigItem.objects.filter(name=name).first()
    if item is not None:
        cmdb.link_item(change.ticket, item, actor=actor, channel=Channel.COMMAND)


def load(demo) -> None:
    if not demo.full or ChangeRecord.objects.exists():
        return
    people, channel = demo.people, Channel.COMMAND
    for kind, name, name_zh, approver in BOARDS:
        ApprovalRoute.objects.get_or_create(kind=kind, defaults={"policy": _board(name, name_zh, people[approver])})
    services = {s.name: s for s in Service.objects.all()}
    patches = StandardChange.objects.create(
        name="Monthly OS patches", name_zh="每月操作系统补丁",
        description="The month's security patches for one server, outside working hours.",
        implementation="1. Move the server's work to its partner.\n2. Install the patches.\n3. Reboot.\n"
                       "4. Check the services on it answer.",
        backout="Boot the previous kernel / roll back the update; move the work back.",
        review="Check the server's logs and the monitoring the next morning.")
    patches.services.set([s for name, s in services.items() if name == "Business applications"])
    # Ten at night where the desk is, outside its working hours.
    zone = zoneinfo.ZoneInfo(account_actions.default_desk().time_zone)
    today = timezone.now().astimezone(zone).replace(hour=22, minute=0, second=0, microsecond=0)
    day = datetime.timedelta(days=1)
    FreezeWindow.objects.create(reason="Year-end closing", reason_zh="年终结账封网", starts_at=today + 14 * day,
                                ends_at=today + 21 * day)

    # Raised in the previous working day, as the demo's other tickets are recorded in working hours.
    raised, linked, submitted, *later = previous_working_day([30, 32, 35, 90, 95, 100])
    with _clock(raised):
        patching = actions.create_change(actions.ChangeInput(
            title="Patch srv-mail-01", template=patches, planned_start=today + 2 * day,
            planned_end=today + 2 * day + datetime.timedelta(hours=2)), actor=people["agent1"], channel=channel)
    with _clock(linked):
        _link(patching, "srv-mail-01", people["agent1"])
    with _clock(submitted):
        actions.move(patching, "submit", actor=people["agent1"], channel=channel)
    raised, linked, submitted = later

    with _clock(raised):
        upgrade = actions.create_change(actions.ChangeInput(
            title="核心交换机 core-switch-01 固件升级", kind=Kind.NORMAL, risk=1, impact=1,
            description="厂商发布了修复端口故障的固件，需要在业务低峰期升级。",
            planned_start=today + 15 * day, planned_end=today + 15 * day + datetime.timedelta(hours=3),
            services=[s for name, s in services.items() if name == "Network"],
            implementation="1. 备份配置。\n2. 切换到备用交换机。\n3. 升级固件并重启。\n4. 检查所有端口和 VPN。",
            backout="用备份的固件和配置回退，切回主交换机。", review="次日检查端口错误计数和监控告警。"),
            actor=people["lead1"], channel=channel)
    with _clock(linked):
        _link(upgrade, "core-switch-01", people["lead1"])
    with _clock(submitted):
        actions.move(upgrade, "submit", actor=people["lead1"], channel=channel)
