"""`servicedesk demo`: a desk to try, in Asia/Shanghai, with people, groups, a bilingual catalogue
and a few dozen tickets in every state. Idempotent: running it again changes nothing that exists.

Tickets are made through the desk's own actions, so their history is real.
"""

import datetime
import random

from django.core.management.base import BaseCommand
from django.db import transaction
from django.utils import timezone

from servicedesk.accounts.models import Desk, Group, GroupKind, Organisation, Role, User
from servicedesk.tickets import actions, defaults
from servicedesk.tickets.models import (
    Category,
    Channel,
    HistoryEntry,
    PriorityRule,
    Service,
    Ticket,
    TicketType,
    Transition,
)

PASSWORD = "demo-pass-123"

# Chinese names are written whole, family name first, in first_name.
PEOPLE = [
    # username, role, first, last, organisation, language
    ("admin", Role.ADMIN, "Ada", "Admin", None, "en"),
    ("manager", Role.MANAGER, "王明", "", None, "zh-hans"),
    ("lead1", Role.LEAD, "李娜", "", None, "zh-hans"),
    ("agent1", Role.AGENT, "Alex", "Chen", None, "en"),
    ("agent2", Role.AGENT, "张芳", "", None, "zh-hans"),
    ("customer1", Role.CUSTOMER, "刘伟", "", "A", "zh-hans"),
    ("customer2", Role.CUSTOMER, "Grace", "Hopper", "A", "en"),
    ("customer3", Role.CUSTOMER, "赵强", "", "B", "zh-hans"),
]

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
        ("Access rights", "权限申请", [("Shared folder", "共享文件夹"), ("Application role", "应用角色")]),
    ]),
    ("Business applications", "业务应用", [
        ("Email", "邮件", [("Mailbox full", "邮箱已满"), ("Cannot send", "无法发送")]),
        ("ERP", "ERP系统", [("Report error", "报表错误"), ("Slow response", "响应缓慢")]),
    ]),
]

SUBJECTS = [
    ("VPN 连接不上，提示认证失败", "在家办公时 VPN 一直提示认证失败，今天上午开始的。", TicketType.INCIDENT),
    ("Laptop will not boot after update", "After last night's update the laptop shows a black screen.",
     TicketType.INCIDENT),
    ("打印机卡纸，三楼东侧", "三楼东侧的打印机一直卡纸，已经试过重新放纸。", TicketType.INCIDENT),
    ("Request access to the finance shared folder", "I joined the finance team and need read/write access.",
     TicketType.SERVICE_REQUEST),
    ("申请开通 ERP 报表权限", "新入职员工，需要 ERP 销售报表的查看权限。", TicketType.SERVICE_REQUEST),
    ("Password reset for my mail account", "I forgot my password after the holidays.", TicketType.SERVICE_REQUEST),
    ("邮箱已满，无法接收邮件", "邮箱提示空间已满，客户的邮件收不到。", TicketType.INCIDENT),
    ("ERP is very slow in the afternoon", "Every day after 2pm the ERP takes a minute to open a form.",
     TicketType.PROBLEM),
    ("服务态度投诉：电话等待时间过长", "上周打服务台电话等了二十分钟没人接。", TicketType.COMPLAINT),
    ("Upgrade the office Wi-Fi controller", "Planned firmware upgrade of the Wi-Fi controller.",
     TicketType.CHANGE_REQUEST),
    ("无线网络经常断线", "会议室的无线网络每隔十分钟断一次。", TicketType.INCIDENT),
    ("New laptop for a new hire", "A new developer starts on Monday and needs a laptop.", TicketType.SERVICE_REQUEST),
]

# How far along the lifecycle each demo ticket goes.
JOURNEYS = ["new", "acknowledged", "assigned", "in_progress", "pending", "resolved", "closed", "reopened"]


class Command(BaseCommand):
    help = "Load the demo desk (idempotent). Every demo login's password is demo-pass-123."

    def add_arguments(self, parser):
        parser.add_argument("--if-empty", action="store_true",
                            help="Load only into a desk that has no users yet (what `make run` does).")
        parser.add_argument("--no-tickets", action="store_true", help="People, groups and catalogue only.")

    def handle(self, *args, **options):
        if options["if_empty"] and User.objects.exists():
            self.stdout.write("The desk already has users; demo data not loaded.")
            return
        with transaction.atomic():
            defaults.ensure_defaults(Transition, PriorityRule)
            people = self._people()
            groups = self._groups(people)
            categories = self._catalogue(groups)
            made = 0 if options["no_tickets"] else self._tickets(people, groups, categories)
            if not options["no_tickets"]:
                # Routing rules and auto-assignment (servicedesk.routing) come with the full demo only, after
                # its tickets walked their scripted journeys: the bare desk (--no-tickets, what tests load)
                # keeps tickets where their callers put them.
                from servicedesk.routing.demo import ensure_demo_routing

                ensure_demo_routing()
        self.stdout.write(f"Demo desk ready ({made} tickets added). Logins, password {PASSWORD}:")
        for username, role, *_ in PEOPLE:
            self.stdout.write(f"  {username:<10} {role.label}")

    def _people(self) -> dict[str, User]:
        organisations = {
            "A": Organisation.objects.get_or_create(name="Organisation A")[0],
            "B": Organisation.objects.get_or_create(name="Organisation B")[0],
        }
        people = {}
        for username, role, first, last, org, language in PEOPLE:
            user, created = User.objects.get_or_create(
                username=username,
                defaults={"role": role, "first_name": first, "last_name": last, "language": language,
                          "organisation": organisations.get(org), "email": f"{username}@example.com",
                          "time_zone": "Asia/Shanghai"},
            )
            if created:
                user.set_password(PASSWORD)
                user.save()
            people[username] = user
        return people

    def _groups(self, people) -> dict[str, Group]:
        desk, _ = Desk.objects.get_or_create(
            prefix="SD",
            defaults={"name": "上海服务台 Shanghai Service Desk", "site": "Shanghai", "time_zone": "Asia/Shanghai",
                      "language": "zh-hans", "is_default": True},
        )
        specs = [
            ("Service Desk (1st line)", "服务台（一线）", GroupKind.TEAM, 1, "lead1", ["agent1", "agent2", "lead1"]),
            ("Network and Infrastructure (2nd line)", "网络与基础设施（二线）", GroupKind.TEAM, 2, "lead1",
             ["agent2", "lead1"]),
            ("Applications (3rd line)", "应用系统（三线）", GroupKind.DEPARTMENT, 3, "manager", ["agent2"]),
            ("Hardware supplier", "硬件供应商", GroupKind.SUPPLIER, 3, None, []),
        ]
        groups = {}
        for name, name_zh, kind, tier, lead, members in specs:
            group, created = Group.objects.get_or_create(
                name=name, defaults={"name_zh": name_zh, "kind": kind, "tier": tier, "desk": desk,
                                     "lead": people.get(lead)}
            )
            if created:
                group.members.set([people[m] for m in members])
            elif not group.name_zh:
                # A demo desk loaded before groups had Chinese names gets them on the next run.
                group.name_zh = name_zh
                group.save(update_fields=["name_zh"])
            groups[name] = group
        return groups

    def _catalogue(self, groups) -> list[Category]:
        second = groups["Network and Infrastructure (2nd line)"]
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

    def _tickets(self, people, groups, categories) -> int:
        if Ticket.objects.exists():
            return 0
        rng = random.Random(2026)
        customers = [people["customer1"], people["customer2"], people["customer3"]]
        first_line = people["agent1"]
        resolvers = [(groups["Network and Infrastructure (2nd line)"], people["agent2"]),
                     (groups["Service Desk (1st line)"], people["agent1"]),
                     (groups["Applications (3rd line)"], people["agent2"])]
        made = 0
        for index in range(36):
            title, body, kind = SUBJECTS[index % len(SUBJECTS)]
            journey = JOURNEYS[index % len(JOURNEYS)]
            customer = customers[index % len(customers)]
            by_phone = index % 3 == 0
            ticket = actions.create_ticket(
                actor=first_line if by_phone else customer, requester=customer, title=title, description=body,
                type=kind, channel=Channel.PHONE if by_phone else Channel.PORTAL,
                category=rng.choice(categories), impact=rng.choice([1, 2, 2, 3]), urgency=rng.choice([1, 2, 2, 3]),
            )
            made += 1
            self._walk(ticket, journey, customer, first_line, resolvers[index % len(resolvers)])
            self._age(ticket, days=36 - index)
        return made

    def _walk(self, ticket, journey, customer, first_line, resolver):
        steps = JOURNEYS.index(journey)
        if steps >= 1 and ticket.status == "new":
            actions.transition(ticket, "acknowledge", actor=first_line, channel=Channel.CONSOLE,
                               comment="已受理，我们会尽快处理。 We have your request and are on it.")
        if steps >= 2:
            group, person = resolver
            actions.assign(ticket, actor=first_line, group=group, channel=Channel.CONSOLE)
        if steps >= 3:
            actions.transition(ticket, "start", actor=resolver[1], channel=Channel.CONSOLE)
            actions.add_comment(ticket, actor=resolver[1], body="Checked the logs; looking into the cause.",
                                internal=True, channel=Channel.CONSOLE)
        if steps >= 4:
            actions.transition(ticket, "pend", actor=resolver[1], pending_reason="customer", channel=Channel.CONSOLE,
                               comment="请问问题是否仍然存在？能否提供截图？ "
                                       "Is it still happening? A screenshot helps.")
        if journey == "pending":
            return
        if steps >= 5:
            actions.add_comment(ticket, actor=customer, body="还在发生，截图见附件说明。 Still happening.",
                                channel=Channel.PORTAL)
            actions.log_time(ticket, actor=resolver[1], minutes=35, note="Diagnosis and fix")
            actions.transition(ticket, "resolve", actor=resolver[1], channel=Channel.CONSOLE,
                               comment="已修复，请确认。 Fixed; please confirm it works for you.")
        if steps >= 6:
            actions.transition(ticket, "confirm", actor=customer, channel=Channel.PORTAL)
        if steps >= 7:
            actions.transition(ticket, "reopen", actor=customer, channel=Channel.PORTAL,
                               comment="又出现了。 It came back.")

    def _age(self, ticket, days: int):
        """Spread the demo over the last weeks so queues and reports have a past."""
        shift = datetime.timedelta(days=days, hours=days % 7)
        fields = ["created_at", "updated_at", "acknowledged_at", "first_response_at", "resolved_at", "closed_at"]
        ticket = Ticket.objects.get(pk=ticket.pk)
        for name in fields:
            value = getattr(ticket, name)
            if value is not None:
                setattr(ticket, name, value - shift)
        Ticket.objects.filter(pk=ticket.pk).update(**{name: getattr(ticket, name) for name in fields})
        # History is append-only for people; moving the demo back in time is the one exception.
        HistoryEntry.objects.filter(ticket=ticket).update(at=timezone.now() - shift)
        ticket.comments.update(created_at=timezone.now() - shift)
