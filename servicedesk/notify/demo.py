"""The demo desk's chat robots (`servicedesk demo`, with the tickets): the 1st line's WeCom group robot and
agent1's own DingTalk robot, made by their lead and by agent1. Both are off: their addresses are examples, and
a demo desk must not post to the chat apps; put a real address in and switch one on to try it."""

from servicedesk.core.audit import Channel

from . import actions
from .models import Event, Robot

AFTER = ("accounts",)
FIRST_LINE = "Service Desk (1st line)"


def load(demo) -> None:
    if not demo.full or Robot.objects.exists():
        return
    group_robot = actions.RobotInput(
        name="一线值班群 1st line duty group", platform="wecom", language="zh-hans", is_active=False,
        webhook_url="https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=00000000-demo-0000-0000-000000000000",
        events=[Event.ASSIGNED_GROUP, Event.SLA_WARNING, Event.SLA_BREACH, Event.MAJOR_INCIDENT])
    actions.create_robot(group_robot, actor=demo.people["lead1"], channel=Channel.COMMAND,
                         group=demo.groups[FIRST_LINE])
    own_robot = actions.RobotInput(
        name="Alex's DingTalk", platform="dingtalk", language="en", is_active=False,
        webhook_url="https://oapi.dingtalk.com/robot/send?access_token=demo-token", secret="SECdemo-secret",
        events=[Event.ASSIGNED_AGENT, Event.PUBLIC_REPLY])
    actions.create_robot(own_robot, actor=demo.people["agent1"], channel=Channel.COMMAND)
