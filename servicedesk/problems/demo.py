"""The demo desk's problem (`servicedesk demo`, with the tickets): three VPN incidents of one morning — two in
Chinese, one in English — opened by the 1st line's lead as one problem, its root cause and workaround written and
published as a known error, so a customer searching "VPN 掉线" in the help centre finds the workaround. The problem
stays open for the demo's agents to resolve (with its incidents). It all happens in the previous working day's
morning, as the demo's other tickets happen in working hours."""



from servicedesk.core.audit import Channel
from servicedesk.tickets import actions as ticket_actions
from servicedesk.tickets.demo import _clock, previous_working_day
from servicedesk.tickets.models import Category

from . import actions
from .models import ProblemRecord

AFTER = ("accounts", "tickets", "knowledge")

INCIDENTS = [
    ("customer1", "VPN 每隔一小时掉线一次", "在家用 VPN 工作时，每到整点就断开，需要重新登录。"),
    ("customer3", "VPN 连接自动断开", "今天上午起 VPN 每小时断一次，正在开的视频会议也断了。"),
    ("customer2", "VPN drops every hour", "The VPN client disconnects every hour on the hour since this morning."),
]


def load(demo) -> None:
    if not demo.full or ProblemRecord.objects.exists():
        return
    lead = demo.people["lead1"]
    category = Category.objects.filter(name="Cannot connect", parent__name="VPN").first()
    moments = iter(previous_working_day([20, 45, 70, 110, 150, 170]))
    incidents = []
    for who, title, text in INCIDENTS:
        with _clock(next(moments)):
            incidents.append(ticket_actions.create_ticket(actor=demo.people[who], title=title, description=text,
                                                          category=category, channel="portal"))
    with _clock(next(moments)):
        problem = actions.open_problem(
            incidents, actor=lead, channel=Channel.COMMAND, title="VPN 每小时掉线",
            description="VPN 连接每到整点断开一次，已有多位用户报告。")
    with _clock(next(moments)):
        problem = actions.update_analysis(
            problem, actor=lead, channel=Channel.COMMAND,
            root_cause="VPN 网关升级后，会话超时被误设为 60 分钟（应为 12 小时）。",
            workaround="在 VPN 客户端的“设置”中勾选“自动重新连接”；断开后客户端会在几秒内自动恢复连接。")
    with _clock(next(moments)):
        actions.publish_known_error(problem, actor=lead, channel=Channel.COMMAND)
