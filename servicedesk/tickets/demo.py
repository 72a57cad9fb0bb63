"""The demo desk's catalogue and its tickets (`servicedesk demo`): about fifty tickets in
every state, each in its requester's language, its title, category and replies telling one story.

Tickets are made through the desk's own actions (and the console's quick log), each on a clock set to
the moment its step happened — working hours over the last four weeks — so their history, replies and
SLA clocks are what a real desk would show; the clocks are derived at the end (sla.demo), as
`servicedesk recompute-sla` does.
"""

import contextlib
import datetime
import random
import zoneinfo

from django.utils import timezone

from servicedesk.accounts.demo import SECOND_LINE, SUPPLIER, THIRD_LINE
from servicedesk.accounts.models import Group, User

from . import actions, defaults
from .models import (
    Category,
    Channel,
    PendingReason,
    PriorityRule,
    Service,
    Ticket,
    TicketType,
    Transition,
)

# The round-the-clock policy (sla.demo) must exist before the critical incidents are made.
AFTER = ("accounts", "sla")

# Which language each requester writes in (their tickets and replies).
WRITES = {"customer1": "zh", "customer2": "en", "customer3": "zh", "chenjing": "zh", "dmiller": "en",
          "sunli": "zh", "ewong": "en"}

CATALOGUE = [
    ("Workplace IT", "办公IT", [
        ("Computers", "电脑", [("Laptop", "笔记本电脑"), ("Desktop", "台式机")]),
        ("Printing", "打印", [("Printer fault", "打印机故障"), ("Toner and paper", "耗材")]),
    ]),
    ("Network", "网络", [
        ("VPN", "VPN", [("Cannot connect", "无法连接"), ("New VPN access", "开通VPN")]),
        ("Wi-Fi", "无线网络", [("Office Wi-Fi", "办公室无线")]),
    ]),
    ("Accounts and access", "账号与权限", [
        ("Password", "密码", [("Password reset", "密码重置"), ("Account locked", "账号锁定")]),
        ("Access rights", "权限申请", [("Shared folder", "共享文件夹"), ("Application role", "应用角色"),
                                       ("Finance folder", "财务文件夹")]),
    ]),
    ("Business applications", "业务应用", [
        ("Email", "邮件", [("Mailbox full", "邮箱已满"), ("Cannot send", "无法发送")]),
        ("ERP", "ERP系统", [("Report error", "报表错误"), ("Slow response", "响应缓慢")]),
    ]),
]

# What the desk is asked about: per topic its category, type, the group that resolves it (None: the
# 1st line itself) and, per language, titles with descriptions, the resolver's internal note and the
# solution given to the requester. Every title names its category's subject (tests/test_demo.py).
TOPICS = {
    "wifi": dict(category="Office Wi-Fi", type=TicketType.INCIDENT, group=SECOND_LINE, zh=[
        ("会议室无线网络经常断线", "三楼大会议室的无线网络每隔十几分钟就断一次，开视频会议时很影响。"),
        ("办公室无线信号很弱", "我们部门靠窗的几个座位无线信号只有一格，网页经常打不开。"),
    ], en=[
        ("Office Wi-Fi drops every few minutes", "On the 5th floor the Wi-Fi disconnects every few minutes, "
                                                 "so video calls keep freezing."),
        ("No Wi-Fi signal in meeting room B", "Laptops do not see the office Wi-Fi in meeting room B at all."),
    ], note=dict(zh="控制器日志显示该区域的AP频繁重启，准备更换。", en="Controller log shows the access point "
                 "in that area rebooting; replacing it."),
       fix=dict(zh="已更换该区域的无线AP并调整了信道，这两天监控没有再断线。请您确认。",
                en="We replaced the access point and moved it to a quieter channel; no drops since. "
                   "Please confirm it works for you.")),
    "vpn": dict(category="Cannot connect", type=TicketType.INCIDENT, group=SECOND_LINE, zh=[
        ("VPN 连接不上，提示认证失败", "在家办公时 VPN 一直提示认证失败，今天上午开始的。"),
        ("出差时 VPN 经常掉线", "在酒店用 VPN 连公司系统，半小时左右就会掉线一次。"),
    ], en=[
        ("VPN will not connect from home", "Since this morning the VPN client says 'authentication failed' "
                                           "when I work from home."),
        ("VPN disconnects every half hour", "The VPN drops roughly every 30 minutes while I am travelling."),
    ], note=dict(zh="VPN 网关证书在该账号上未同步，已重新下发。", en="The VPN gateway had a stale certificate "
                 "for this account; reissued it."),
       fix=dict(zh="VPN 证书已重新下发，请重启 VPN 客户端后再试，应该可以正常连接了。",
                en="Your VPN certificate has been reissued. Restart the VPN client and it should connect.")),
    "vpn_access": dict(category="New VPN access", type=TicketType.SERVICE_REQUEST, group=SECOND_LINE, zh=[
        ("申请开通 VPN 账号", "下个月开始每周有两天在家办公，需要开通 VPN。部门经理已同意。"),
    ], en=[
        ("Request VPN access for remote work", "I will work from home two days a week from next month; "
                                               "my manager approved VPN access."),
    ], note=dict(zh="已在 VPN 网关创建账号并加入远程办公组。", en="Account created on the VPN gateway, added to "
                 "the remote-work group."),
       fix=dict(zh="VPN 已开通，安装说明已发到您的邮箱，登录使用公司账号和密码。",
                en="VPN access is set up; the install guide is in your mailbox. Sign in with your company "
                   "account.")),
    "password": dict(category="Password reset", type=TicketType.SERVICE_REQUEST, group=None, zh=[
        ("忘记邮箱密码，需要重置", "放假回来忘记了邮箱密码，试了几次都不对。"),
        ("电脑开机密码过期无法登录", "早上开机提示密码已过期，修改时一直报错。"),
    ], en=[
        ("Password reset for my mail account", "I forgot my password after the holidays."),
        ("Password expired, cannot sign in", "Windows says my password expired and will not let me set a "
                                             "new one."),
    ], note=dict(zh="已核实身份（工号和手机号）。", en="Identity checked (staff number and mobile)."),
       fix=dict(zh="已为您重置密码，临时密码通过短信发送，首次登录请修改。",
                en="Your password has been reset; the temporary one was sent by text message. Please change "
                   "it when you first sign in.")),
    "locked": dict(category="Account locked", type=TicketType.INCIDENT, group=None, zh=[
        ("账号被锁定，无法登录系统", "输错几次密码后账号被锁定了，现在什么系统都登不上。"),
    ], en=[
        ("Account locked after failed sign-ins", "My account got locked after a few wrong passwords and I "
                                                 "cannot sign in to anything."),
    ], note=dict(zh="锁定来源是手机上的旧邮箱配置。", en="The lockout came from an old mail profile on the phone."),
       fix=dict(zh="账号已解锁。锁定是手机邮箱里保存的旧密码造成的，请在手机上更新密码。",
                en="Your account is unlocked. An old password saved in your phone's mail app locked it; please "
                   "update it there.")),
    "printer": dict(category="Printer fault", type=TicketType.INCIDENT, group=SUPPLIER, zh=[
        ("三楼东侧打印机卡纸", "三楼东侧的打印机一直卡纸，已经试过重新放纸，还是不行。"),
        ("打印机打印出来有黑色条纹", "财务部的彩色打印机打印的每一页都有一条黑色竖纹。"),
    ], en=[
        ("Printer on the 2nd floor jams on every job", "The printer by the kitchen jams on every job; "
                                                        "reloading paper did not help."),
        ("Printer prints blank pages", "The HR printer feeds pages through but they come out blank."),
    ], note=dict(zh="已向厂商报修，工程师预约上门，需要更换定影组件。", en="Logged with the vendor; an engineer "
                 "visits to replace the fuser unit."),
       fix=dict(zh="厂商工程师已更换定影组件并测试打印正常，请您确认。",
                en="The vendor's engineer replaced the fuser unit and test prints are clean. Please confirm.")),
    "toner": dict(category="Toner and paper", type=TicketType.SERVICE_REQUEST, group=None, zh=[
        ("打印机硒鼓没墨了", "二楼打印机提示硒鼓墨粉不足，打印很淡。"),
    ], en=[
        ("Printer toner is empty", "The toner on the 4th-floor printer is empty, prints are faint."),
    ], note=dict(zh="库房有备用硒鼓。", en="Spare toner is in the store room."),
       fix=dict(zh="已更换新硒鼓，打印正常。", en="New toner fitted; printing is fine again.")),
    "laptop": dict(category="Laptop", type=TicketType.INCIDENT, group=None, zh=[
        ("笔记本电脑更新后无法开机", "昨晚系统更新后，笔记本开机一直黑屏。"),
        ("笔记本电脑风扇噪音很大", "笔记本最近风扇一直高速转，噪音很大，而且很烫。"),
    ], en=[
        ("Laptop will not boot after update", "After last night's update the laptop shows a black screen."),
        ("Laptop battery drains in an hour", "My laptop's battery lasts barely an hour since last week."),
    ], note=dict(zh="回滚显卡驱动后正常，可能是驱动兼容问题。", en="Rolling back the graphics driver fixed it; "
                 "a driver compatibility issue."),
       fix=dict(zh="已回滚有问题的驱动，电脑恢复正常，后续更新已暂停。",
                en="We rolled back the faulty driver and paused that update; the laptop works again.")),
    "mailbox": dict(category="Mailbox full", type=TicketType.INCIDENT, group=THIRD_LINE, zh=[
        ("邮箱已满，无法接收邮件", "邮箱提示空间已满，客户的邮件收不到。"),
    ], en=[
        ("Mailbox full, customers' mail bounces", "My mailbox says it is full and customers get bounces."),
    ], note=dict(zh="邮箱配额 2GB 已用完，按标准可扩容到 10GB。", en="The 2 GB quota is used up; the standard "
                 "allows 10 GB."),
       fix=dict(zh="邮箱已扩容到 10GB，并为您开启了自动归档。", en="Your mailbox now has 10 GB and automatic "
                "archiving is on.")),
    "mail_send": dict(category="Cannot send", type=TicketType.INCIDENT, group=THIRD_LINE, zh=[
        ("邮件发送失败，提示被拒绝", "给外部客户发邮件时都退回来了，提示被对方服务器拒绝。"),
    ], en=[
        ("Cannot send mail to external addresses", "Mail to outside addresses comes back as rejected."),
    ], note=dict(zh="出口网关 IP 被列入黑名单，已申请移除。", en="Our outbound gateway IP was on a blocklist; "
                 "removal requested."),
       fix=dict(zh="发信服务器已从黑名单移除，外部邮件可以正常发送了。",
                en="Our mail server was taken off the blocklist; external mail goes out again.")),
    "erp_report": dict(category="Report error", type=TicketType.INCIDENT, group=THIRD_LINE, zh=[
        ("ERP 销售报表数据不对", "ERP 的月度销售报表金额和财务核对的差了很多。"),
        ("ERP 库存报表导出报错", "导出库存报表时提示“内部错误”，别的报表正常。"),
    ], en=[
        ("ERP sales report shows wrong totals", "The monthly sales report in the ERP does not match finance's "
                                                 "figures."),
        ("ERP report export fails", "Exporting the stock report from the ERP gives an internal error."),
    ], note=dict(zh="报表视图缺少退货单的过滤条件，已修正。", en="The report view did not filter out returns; fixed."),
       fix=dict(zh="报表程序已修正并重新生成，请核对本月数据。",
                en="The report has been corrected and regenerated; please check this month's figures.")),
    "erp_slow": dict(category="Slow response", type=TicketType.PROBLEM, group=THIRD_LINE, zh=[
        ("ERP 下午特别慢", "每天下午两点以后，ERP 打开一个单据要等一分钟。"),
    ], en=[
        ("ERP is very slow in the afternoon", "Every day after 2pm the ERP takes a minute to open a form."),
    ], note=dict(zh="下午的批量对账任务占满了数据库，已挪到夜间执行。", en="An afternoon reconciliation batch "
                 "saturated the database; moved it to the night."),
       fix=dict(zh="批量任务已调整到夜间运行，下午的响应时间恢复正常。",
                en="The batch job now runs at night and afternoon response times are back to normal.")),
    "folder": dict(category="Shared folder", type=TicketType.SERVICE_REQUEST, group=None, zh=[
        ("申请财务共享文件夹权限", "刚调到财务部，需要财务共享文件夹的读写权限。"),
    ], en=[
        ("Access to the finance shared folder", "I joined the finance team and need read/write access to "
                                                "its shared folder."),
    ], note=dict(zh="部门经理已邮件批准。", en="Approved by the team's manager by mail."),
       fix=dict(zh="已开通财务共享文件夹的读写权限，重新登录后生效。",
                en="You now have read/write access to the finance shared folder; sign out and in again.")),
    "erp_role": dict(category="Application role", type=TicketType.SERVICE_REQUEST, group=THIRD_LINE, zh=[
        ("申请开通 ERP 报表查看权限", "新入职员工，需要 ERP 销售报表的查看权限。"),
    ], en=[
        ("ERP role for purchase approvals", "I need the ERP approver role for purchase orders."),
    ], note=dict(zh="按岗位模板分配角色。", en="Role given from the job template."),
       fix=dict(zh="ERP 权限已开通，重新登录 ERP 即可看到。", en="The ERP role is in place; sign in again to "
                "see it.")),
}

# Said by the desk, per language.
SAY = {
    "zh": dict(
        ack="{name}您好，已受理您的问题，我们会尽快处理。",
        ask="为了更快定位问题，麻烦您提供一下报错界面的截图，谢谢。",
        answer="截图已上传，问题还在出现。",
        thanks="好的，谢谢！",
        supplier="已向厂商报修，厂商工程师预计一到两个工作日内上门，期间请使用其他打印机。",
        came_back="今天又出现同样的问题了，麻烦再看一下。",
        chase="请问目前处理进展如何？比较着急。",
        progress="正在处理，今天下班前给您答复。",
    ),
    "en": dict(
        ack="Hello {name}, we have your request and are on it.",
        ask="To pin this down, could you send us a screenshot of the error? Thank you.",
        answer="Screenshot attached; it is still happening.",
        thanks="Great, thanks!",
        supplier="We have opened a case with the vendor; their engineer comes within one or two working days. "
                 "Please use another printer meanwhile.",
        came_back="It happened again today, could you have another look?",
        chase="Any news on this? It is getting urgent.",
        progress="We are working on it and will update you by the end of the day.",
    ),
}

COMPLAINT = {
    "zh": ("投诉：服务台电话等待时间过长", "上周打服务台电话等了二十分钟没人接，希望改进。",
           "非常抱歉让您久等。上周二上午有系统故障，来电量很大，我们已经增加了高峰时段的值班人员。"),
    "en": ("Complaint: nobody called me back", "I was promised a call back about my laptop last week and "
           "nobody called.", "We are sorry we did not call back. Your laptop ticket is now with a named agent "
           "who will call you today."),
}

# The demo's tickets: topic, journey, requester, working days ago, impact, urgency. Open tickets are
# recent; a few are left past their due time.
PLAN = [
    # closed over the past weeks
    ("password", "quick", "customer1", 19, 3, 2),
    ("wifi", "closed", "customer2", 18, 2, 2),
    ("erp_report", "closed_pend", "customer3", 18, 2, 2),
    ("printer", "closed", "chenjing", 17, 2, 3),
    ("vpn_access", "closed", "dmiller", 16, 3, 3),
    ("laptop", "self", "sunli", 15, 2, 2),
    ("locked", "quick", "ewong", 15, 2, 1),
    ("mailbox", "closed", "customer1", 14, 2, 2),
    ("folder", "self", "customer2", 13, 3, 3),
    ("vpn", "closed_pend", "customer3", 12, 2, 2),
    ("toner", "quick", "dmiller", 12, 3, 3),
    ("erp_role", "closed", "chenjing", 11, 3, 3),
    ("mail_send", "closed_unconfirmed", "ewong", 10, 2, 2),
    ("password", "quick", "sunli", 9, 3, 2),
    ("printer", "closed", "customer2", 9, 2, 3),
    ("wifi", "closed", "customer1", 8, 2, 2),
    ("laptop", "reopened", "dmiller", 8, 2, 2),
    ("erp_slow", "closed", "customer3", 7, 2, 3),
    ("locked", "quick", "chenjing", 6, 2, 1),
    ("folder", "self", "sunli", 6, 3, 3),
    ("vpn", "closed", "ewong", 5, 2, 2),
    ("mailbox", "closed_unconfirmed", "customer2", 5, 2, 2),
    # resolved, waiting for the requester's confirmation
    ("printer", "resolved", "customer3", 4, 2, 3),
    ("erp_report", "resolved", "dmiller", 3, 2, 2),
    ("toner", "resolved", "customer1", 2, 3, 3),
    ("vpn_access", "resolved", "ewong", 2, 3, 3),
    # open
    ("erp_slow", "working", "customer2", 4, 2, 2),
    ("wifi", "pend_customer", "sunli", 3, 2, 2),
    ("printer", "pend_supplier", "customer1", 3, 2, 3),
    ("printer", "pend_supplier", "dmiller", 2, 2, 2),
    ("laptop", "chased", "chenjing", 3, 2, 2),
    ("vpn", "working", "customer3", 2, 2, 2),
    ("mail_send", "routed", "customer2", 2, 2, 2),
    ("erp_role", "routed", "sunli", 1, 3, 3),
    ("wifi", "working", "ewong", 1, 2, 2),
    ("mailbox", "pend_customer", "chenjing", 1, 2, 2),
    ("erp_report", "working", "customer1", 1, 2, 1),
    ("locked", "ack", "dmiller", 1, 2, 2),
    ("folder", "ack", "customer3", 0, 3, 3),
    ("vpn", "quick_routed", "customer2", 0, 2, 2),
    ("password", "new", "sunli", 0, 3, 2),
    ("laptop", "new", "ewong", 0, 2, 2),
    ("toner", "new", "chenjing", 0, 3, 3),
    # past their due: nobody picked these up
    ("erp_slow", "new", "customer1", 4, 2, 2),
    ("vpn_access", "routed", "dmiller", 6, 2, 2),
]

# Open critical incidents on the round-the-clock policy, reported this many minutes before the load:
# due within the hour or two, so the "Breaching soon" queue has them whenever the demo is loaded.
CRITICAL = [
    ("erp_slow", "customer3", 200, dict(zh=("ERP 响应极慢，仓库发货全部停止",
                                            "仓库所有终端打开 ERP 单据都要等几分钟，发货全部停了。"))),
    ("mail_send", "dmiller", 150, dict(en=("Web shop cannot send order confirmations",
                                           "No order confirmation mail has gone out for two hours and "
                                           "customers are calling."))),
]


def previous_working_day(minutes: list[int]) -> list[datetime.datetime]:
    """The moments `minutes` business minutes into the desk's previous working day (default calendar): where
    the demo's other domains (problems, approvals, changes) date what they record, so their history stays in
    working hours whenever the demo is loaded."""
    from servicedesk.sla.calendars import business_calendar
    from servicedesk.sla.models import Calendar

    default = Calendar.objects.get(is_default=True)
    calendar, zone = business_calendar(default), zoneinfo.ZoneInfo(default.time_zone)
    day = timezone.localtime(timezone.now(), zone).date() - datetime.timedelta(days=1)
    while not calendar.schedule_for(day):
        day -= datetime.timedelta(days=1)
    start = calendar.next_working_moment(datetime.datetime.combine(day, datetime.time(), tzinfo=zone))
    return [calendar.add_business_minutes(start, n) for n in minutes]


@contextlib.contextmanager
def _clock(moment: datetime.datetime):
    """The desk's time stands at `moment` (timezone.now, for every action taken inside)."""
    real = timezone.now
    timezone.now = lambda: moment
    try:
        yield
    finally:
        timezone.now = real


def _acknowledge(ticket: Ticket, agent: User, text: str):
    """The first answer: acknowledges a new ticket; one the desk recorded and routed at once (its
    category's resolver group) is acknowledged already and gets the text as a reply."""
    if ticket.status == "new":
        return actions.transition(ticket.pk, "acknowledge", actor=agent, channel=Channel.CONSOLE, comment=text)
    actions.add_comment(ticket.pk, actor=agent, body=text, channel=Channel.CONSOLE)
    return None


def load(demo) -> None:
    defaults.ensure_defaults(Transition, PriorityRule)
    demo.categories = _catalogue(demo.groups)
    if demo.full:
        demo.tickets_added = _Tickets().make(demo.people, demo.groups, demo.categories)


def _catalogue(groups) -> list[Category]:
    second = groups[SECOND_LINE]
    leaves = []
    for s_order, (service_name, service_zh, categories) in enumerate(CATALOGUE):
        service, _ = Service.objects.get_or_create(name=service_name,
                                                   defaults={"name_zh": service_zh, "order": s_order})
        for c_order, (name, name_zh, subs) in enumerate(categories):
            parent, _ = Category.objects.get_or_create(
                service=service, parent=None, name=name, defaults={"name_zh": name_zh, "order": c_order}
            )
            for sub_order, (sub, sub_zh) in enumerate(subs):
                leaf, _ = Category.objects.get_or_create(
                    service=service, parent=parent, name=sub,
                    defaults={"name_zh": sub_zh, "order": sub_order,
                              "default_group": second if service_name == "Network" else None},
                )
                leaves.append(leaf)
    return leaves

# -- tickets ------------------------------------------------------------------------------------


class _Tickets:
    """The demo's tickets, each walked through its scripted journey."""

    def make(self, people, groups, categories) -> int:
        if Ticket.objects.exists():
            return 0
        from servicedesk.sla.calendars import business_calendar
        from servicedesk.sla.models import Calendar

        self.rng = random.Random(2026)
        self.people, self.groups = people, groups
        self.categories = {c.name: c for c in categories}
        default_calendar = Calendar.objects.get(is_default=True)
        self.calendar = business_calendar(default_calendar)
        self.zone = zoneinfo.ZoneInfo(default_calendar.time_zone)
        self.now = timezone.now()
        self.agents = [people["agent1"], people["agent2"], people["lead1"]]
        self.variants: dict[tuple[str, str], int] = {}
        scripts = []
        for index, (topic, journey, requester, days_ago, impact, urgency) in enumerate(PLAN):
            steps = self._journey(TOPICS[topic], journey, people[requester], self.agents[index % 3],
                                  impact, urgency, index)
            scripts.append((self._times(days_ago, [gap for gap, _ in steps]), steps))
        scripts += self._critical() + self._complaints()
        # Walked in the order they were reported, so their numbers follow their dates.
        for times, steps in sorted(scripts, key=lambda script: script[0][0]):
            self._walk(steps, times)
        made = len(scripts)
        return made

    def _text(self, topic: dict, lang: str) -> tuple[str, str]:
        """The topic's next title and description in `lang` (variants taken in turn)."""
        options = topic[lang]
        key = (topic["category"], lang)
        n = self.variants.get(key, 0)
        self.variants[key] = n + 1
        return options[n % len(options)]

    def _times(self, days_ago: int, gaps: list[tuple[int, int]]) -> list[datetime.datetime]:
        """When each step happened: the first on a working day `days_ago` working days back, the next
        ones that many business minutes later (a random pick in each gap's range); a day earlier
        while the last would be later than now."""
        day = timezone.localtime(self.now, self.zone).date()
        offsets = [self.rng.randint(5, 400)] + [self.rng.randint(low, high) for low, high in gaps[1:]]
        back = days_ago
        while True:
            while back > 0 or not self.calendar.schedule_for(day):
                if self.calendar.schedule_for(day):
                    back -= 1
                day -= datetime.timedelta(days=1)
            at = self.calendar.next_working_moment(datetime.datetime.combine(day, datetime.time(), tzinfo=self.zone))
            times = []
            for minutes in offsets:
                at = self.calendar.add_business_minutes(at, minutes)
                times.append(at)
            if times[-1] < self.now - datetime.timedelta(minutes=2):
                return times
            back = 1

    def _walk(self, steps, times) -> Ticket:
        ticket = None
        for (_, step), at in zip(steps, times, strict=True):
            with _clock(at):
                done = step(ticket)
                if isinstance(done, Ticket):  # replies, notes and time entries leave the ticket as it was
                    ticket = done
        return ticket

    def _resolver(self, topic: dict, index: int) -> tuple[Group | None, User | None]:
        name = topic["group"]
        if name is None:
            return None, None
        person = {SECOND_LINE: [self.people["agent2"], self.people["lead1"]][index % 2],
                  THIRD_LINE: self.people["agent2"], SUPPLIER: self.people["vendor1"]}[name]
        return self.groups[name], person

    def _journey(self, topic: dict, journey: str, customer: User, agent: User, impact: int, urgency: int,
                 index: int):
        """The steps of one ticket: (business minutes after the previous step, low and high), action)."""
        lang = WRITES[customer.username]
        say = SAY[lang]
        title, description = self._text(topic, lang)
        category = self.categories[topic["category"]]
        group, resolver = self._resolver(topic, index)
        worker = resolver or agent
        name = customer.get_full_name() or customer.username
        steps = []

        def step(gap, fn):
            steps.append((gap, fn))

        if journey in ("quick", "quick_routed"):
            from servicedesk.console import quicklog

            data = dict(requester=customer, title=title, description=description, type=topic["type"],
                        category=category, impact=impact, urgency=urgency)
            if journey == "quick":
                data.update(outcome=quicklog.SOLVED, solution=topic["fix"][lang])
            else:
                data.update(outcome=quicklog.ROUTE, group=group)
            step((0, 0), lambda t: quicklog.log_call(agent, data)[0])
            if journey == "quick_routed":
                step((10, 40), lambda t: actions.add_comment(t.pk, actor=agent, body=topic["note"][lang],
                                                             internal=True, channel=Channel.CONSOLE))
            return steps

        by_portal = index % 4 != 1
        step((0, 0), lambda t: actions.create_ticket(
            actor=customer if by_portal else agent, requester=customer, title=title, description=description,
            type=topic["type"], channel=Channel.PORTAL if by_portal else Channel.EMAIL, category=category,
            impact=impact, urgency=urgency))
        if journey == "new":
            return steps
        step((5, 45), lambda t: _acknowledge(t, agent, say["ack"].format(name=name)))
        if journey == "ack":
            return steps
        if group is not None:
            step((5, 30), lambda t: actions.assign(t.pk, actor=agent, group=group,
                                                   assignee=None if journey == "routed" else resolver,
                                                   channel=Channel.CONSOLE))
        if journey == "routed":
            return steps
        step((10, 90), lambda t: actions.transition(t.pk, "start", actor=worker, channel=Channel.CONSOLE))
        step((20, 120), lambda t: actions.add_comment(t.pk, actor=worker, body=topic["note"][lang], internal=True,
                                                      channel=Channel.CONSOLE))
        if journey == "pend_supplier":
            step((10, 40), lambda t: actions.transition(t.pk, "pend", actor=worker, channel=Channel.CONSOLE,
                                                        pending_reason=PendingReason.SUPPLIER,
                                                        comment=say["supplier"]))
            return steps
        if journey in ("pend_customer", "closed_pend"):
            step((10, 60), lambda t: actions.transition(t.pk, "pend", actor=worker, channel=Channel.CONSOLE,
                                                        pending_reason=PendingReason.CUSTOMER, comment=say["ask"]))
            if journey == "pend_customer":
                return steps
            # The requester's answer takes the ticket out of pending by itself.
            step((60, 600), lambda t: actions.add_comment(t.pk, actor=customer, body=say["answer"],
                                                          channel=Channel.PORTAL))
        if journey == "chased":
            step((300, 700), lambda t: actions.add_comment(t.pk, actor=customer, body=say["chase"],
                                                           channel=Channel.PORTAL))
            step((10, 60), lambda t: actions.add_comment(t.pk, actor=agent, body=say["progress"],
                                                         channel=Channel.CONSOLE))
        if journey in ("working", "chased"):
            return steps
        step((60, 600), lambda t: actions.log_time(t.pk, actor=worker, minutes=self.rng.choice([15, 30, 45, 60]),
                                                   channel=Channel.CONSOLE))
        step((1, 5), lambda t: actions.transition(t.pk, "resolve", actor=worker, channel=Channel.CONSOLE,
                                                  comment=topic["fix"][lang]))
        if journey == "resolved":
            return steps
        if journey == "closed_unconfirmed":
            # No answer from the requester: the owner closes it after a few days.
            step((1500, 2400), lambda t: actions.transition(t.pk, "close", actor=agent, channel=Channel.CONSOLE))
            return steps
        step((30, 900), lambda t: actions.transition(t.pk, "confirm", actor=customer, channel=Channel.PORTAL))
        if journey == "reopened":
            step((600, 1800), lambda t: actions.transition(t.pk, "reopen", actor=customer, channel=Channel.PORTAL,
                                                           comment=say["came_back"]))
        return steps

    def _critical(self) -> list:
        """Critical incidents, phoned in, on a round-the-clock policy whose due time is near."""
        agent = self.people["agent1"]
        scripts = []
        for index, (key, requester, minutes_ago, text) in enumerate(CRITICAL):
            topic = TOPICS[key]
            customer = self.people[requester]
            lang = WRITES[requester]
            title, description = text[lang]
            group, resolver = self._resolver(topic, index)
            start = self.now - datetime.timedelta(minutes=minutes_ago)
            times = [start + datetime.timedelta(minutes=m) for m in (0, 4, 9, 15, 40)]
            steps = [
                (None, lambda t, c=customer, ti=title, d=description, cat=self.categories[topic["category"]]:
                 actions.create_ticket(actor=agent, requester=c, title=ti, description=d, type=TicketType.INCIDENT,
                                       channel=Channel.PHONE, category=cat, impact=1, urgency=1)),
                (None, lambda t, c=customer, la=lang: _acknowledge(t, agent, SAY[la]["ack"].format(
                    name=c.get_full_name()))),
                (None, lambda t, g=group, r=resolver: actions.assign(t.pk, actor=agent, group=g, assignee=r,
                                                                     channel=Channel.CONSOLE)),
                (None, lambda t, r=resolver: actions.transition(t.pk, "start", actor=r, channel=Channel.CONSOLE)),
                (None, lambda t, r=resolver, la=lang, tp=topic: actions.add_comment(
                    t.pk, actor=r, body=SAY[la]["progress"], channel=Channel.CONSOLE)),
            ]
            scripts.append((times, steps))
        return scripts

    def _complaints(self) -> list:
        """Complaints are recorded and owned by the desk manager, who answers them."""
        manager = self.people["manager"]
        scripts = []
        for requester, days_ago in (("customer3", 2), ("ewong", 1)):
            customer = self.people[requester]
            title, description, answer = COMPLAINT[WRITES[requester]]
            steps = [
                ((0, 0), lambda t, c=customer, ti=title, d=description: actions.create_ticket(
                    actor=c, title=ti, description=d, type=TicketType.COMPLAINT, channel=Channel.PORTAL,
                    impact=2, urgency=1)),
                ((30, 120), lambda t, a=answer: actions.transition(t.pk, "acknowledge", actor=manager,
                                                                   channel=Channel.CONSOLE, comment=a)),
            ]
            scripts.append((self._times(days_ago, [gap for gap, _ in steps]), steps))
        return scripts
