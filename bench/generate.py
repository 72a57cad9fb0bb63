"""Load a realistic desk's worth of tickets, fast: `python -m bench.generate --tickets 1000000`.

The database is the app's (DATABASE_URL, else the embedded SQLite). The demo people, groups and
catalogue are loaded first if missing (`servicedesk demo --no-tickets`); then this adds ~50 agents,
~5,000 customers in a few organisations and 12 resolver groups (the demo ones included, agent1
stays a member of "Service Desk (1st line)"), and N tickets with comments and history:

- bilingual titles and descriptions (Chinese, English and mixed) built from vocabularies of
  systems, symptoms and places, matched to a catalogue category;
- all five types and all seven statuses, with a consistent timeline per ticket: created →
  acknowledged → assigned → in progress → (pending → resumed) → resolved → closed, each step a
  history row and a version; `acknowledged_at`, `first_response_at`, `resolved_at`,
  `closed_at` and `updated_at` follow the timeline; most tickets are closed, the open ones are
  recent, so queues look like a working desk's;
- 1–4 comments per ticket (public replies and internal notes), each with its history row;
- the search index (servicedesk.search), when its table exists: each ticket's document is computed
  with the app's own tokenizer and written with the rows (COPY on PostgreSQL, its GIN index rebuilt
  after the load like the others).

PostgreSQL: one transaction; the tables' secondary indexes are dropped and rebuilt after the load,
rows go in with COPY (`cursor.copy`), foreign-key triggers are skipped for the load
(session_replication_role = replica, the rows are generated consistent), then the sequences,
`accounts_desk.next_number` and VACUUM ANALYZE. SQLite: executemany in chunks.
"""

from __future__ import annotations

import argparse
import bisect
import datetime
import itertools
import os
import random
import sys
import time

UTC = datetime.UTC
DAY = 86400.0
HOUR = 3600.0

# ---------------------------------------------------------------------------------------------
# Vocabulary

# domain: systems (zh, en), symptoms (zh, en), catalogue leaves (English names, see the demo)
DOMAINS = {
    "network": {
        "systems": [
            ("VPN", "VPN"),
            ("无线网络", "Wi-Fi"),
            ("有线网络", "wired network"),
            ("防火墙", "firewall"),
            ("DNS", "DNS"),
            ("网络", "network"),
            ("远程桌面", "remote desktop"),
        ],
        "symptoms": [
            ("连接失败", "connection fails"),
            ("无法连接", "cannot connect"),
            ("频繁断线", "keeps dropping"),
            ("速度很慢", "is very slow"),
            ("提示认证失败", "says authentication failed"),
            ("获取不到 IP 地址", "gets no IP address"),
        ],
        "categories": ["Cannot connect", "New VPN access", "Office Wi-Fi"],
    },
    "printing": {
        "systems": [
            ("打印机", "printer"),
            ("复印机", "copier"),
            ("扫描仪", "scanner"),
            ("标签打印机", "label printer"),
        ],
        "symptoms": [
            ("卡纸", "jams"),
            ("打印模糊", "prints blurry pages"),
            ("缺墨", "is out of toner"),
            ("显示脱机", "shows offline"),
            ("无法扫描到邮箱", "cannot scan to email"),
        ],
        "categories": ["Printer fault", "Toner and paper"],
    },
    "computers": {
        "systems": [
            ("笔记本电脑", "laptop"),
            ("台式机", "desktop PC"),
            ("显示器", "monitor"),
            ("扩展坞", "docking station"),
            ("键盘", "keyboard"),
            ("Windows 更新", "Windows update"),
        ],
        "symptoms": [
            ("蓝屏", "shows a blue screen"),
            ("无法开机", "will not boot"),
            ("黑屏", "has a black screen"),
            ("电池不充电", "battery will not charge"),
            ("风扇噪音很大", "fan is very loud"),
            ("运行很慢", "is very slow"),
        ],
        "categories": ["Laptop", "Desktop"],
    },
    "accounts": {
        "systems": [
            ("域账号", "domain account"),
            ("密码", "password"),
            ("共享文件夹", "shared folder"),
            ("SSO 单点登录", "SSO login"),
            ("MFA 令牌", "MFA token"),
            ("门禁卡", "badge"),
        ],
        "symptoms": [
            ("被锁定", "is locked"),
            ("已过期", "has expired"),
            ("忘记了", "is forgotten"),
            ("提示权限不足", "says access denied"),
            ("无法登录", "cannot log in"),
        ],
        "categories": ["Password reset", "Account locked", "Shared folder", "Application role"],
    },
    "email": {
        "systems": [
            ("Outlook", "Outlook"),
            ("邮箱", "mailbox"),
            ("Teams", "Teams"),
            ("企业微信", "WeCom"),
            ("日历", "calendar"),
            ("邮件组", "distribution list"),
        ],
        "symptoms": [
            ("无法发送邮件", "cannot send mail"),
            ("收不到邮件", "receives no mail"),
            ("空间已满", "is full"),
            ("同步失败", "fails to sync"),
            ("打不开", "will not open"),
        ],
        "categories": ["Mailbox full", "Cannot send"],
    },
    "erp": {
        "systems": [
            ("ERP", "ERP"),
            ("SAP", "SAP"),
            ("财务系统", "finance system"),
            ("OA 系统", "OA system"),
            ("CRM", "CRM"),
            ("报销系统", "expenses system"),
            ("HR 系统", "HR system"),
        ],
        "symptoms": [
            ("报表导出失败", "report export fails"),
            ("响应缓慢", "responds slowly"),
            ("数据不一致", "shows inconsistent data"),
            ("提交审批报错", "errors on approval"),
            ("页面打不开", "page will not load"),
        ],
        "categories": ["Report error", "Slow response", "Application role"],
    },
}
DOMAIN_NAMES = list(DOMAINS)

PLACES = [
    ("三楼东侧", "on the 3rd floor (east)"),
    ("五楼会议室", "in the 5th floor meeting room"),
    ("前台", "at reception"),
    ("二号仓库", "in warehouse 2"),
    ("北京分公司", "at the Beijing office"),
    ("深圳研发中心", "at the Shenzhen R&D centre"),
    ("财务部", "in Finance"),
    ("培训室", "in the training room"),
    ("12楼开放办公区", "on the 12th floor open space"),
    ("家里", "at home"),
]
WHEN = [
    ("今天上午", "this morning"),
    ("昨天下午", "yesterday afternoon"),
    ("上周五", "last Friday"),
    ("系统更新后", "after the update"),
    ("换了新电脑后", "since I got a new PC"),
    ("刚才", "a few minutes ago"),
]
SOFTWARE = [
    "Visio",
    "Python",
    "AutoCAD",
    "Power BI",
    "钉钉",
    "WPS Office",
    "Chrome",
    "Adobe Acrobat",
    "7-Zip",
]
ZH_EXTRA = [
    "已经试过重启，问题仍然存在。",
    "同事那边也有同样的问题。",
    "请尽快处理，谢谢！",
    "影响到整个部门的工作。",
    "错误代码：0x{code:04X}。",
    "下午有客户演示，比较急。",
    "附件是截图。",
    "电话分机 {ext}。",
]
EN_EXTRA = [
    "I already tried restarting, no luck.",
    "Colleagues see the same thing.",
    "Please help asap, thanks!",
    "The whole team is blocked.",
    "Error code 0x{code:04X}.",
    "I have a customer demo this afternoon.",
    "Screenshot attached.",
    "Call me on extension {ext}.",
]
STAFF_REPLIES = [
    "已受理，我们会尽快处理。 We have your request and are on it.",
    "请问问题是否仍然存在？能否提供截图？ Is it still happening? A screenshot helps.",
    "Could you tell us your computer name (on the sticker under the laptop)?",
    "已远程处理，请确认是否恢复正常。",
    "We have reset it on our side; please try again.",
    "已修复，请确认。 Fixed; please confirm it works for you.",
    "The engineer will come by {place_en} this afternoon.",
    "工程师今天下午会到{place_zh}处理。",
]
INTERNAL_NOTES = [
    "Checked the logs; looking into the cause.",
    "与供应商确认中，供应商单号 {code}。",
    "Probably related to last weekend's change.",
    "需要二线支持，已转派。",
    "Known error, see the problem record.",
    "Waiting for the spare part; ETA two days.",
    "重启服务后恢复，继续观察。",
]
CUSTOMER_REPLIES = [
    "还在发生。 Still happening.",
    "谢谢，已经好了！",
    "Thanks, it works now.",
    "截图见邮件。",
    "I am in the office until 6pm.",
    "请尽快，谢谢。",
    "It happened again this morning.",
]

TYPES = ["incident", "service_request", "complaint", "problem", "change_request"]
TYPE_WEIGHTS = [55, 30, 3, 5, 7]
STATUSES = ["new", "acknowledged", "assigned", "in_progress", "pending", "resolved", "closed"]
# Most of a mature desk's tickets are closed; the open ones are recent (see _timeline).
STATUS_WEIGHTS = [0.6, 0.6, 2.2, 3.0, 2.6, 3.0, 88.0]
CHANNELS = ["portal", "email", "phone", "monitoring", "api", "console"]
CHANNEL_WEIGHTS = [45, 25, 15, 5, 5, 5]
STAFF_CHANNELS = {"phone", "console"}

# name, kind, tier, share of the routed tickets, bench members, lead, domains (None: all)
GROUPS = [
    ("Service Desk (1st line)", "team", 1, 40, 11, "lead1", None),
    ("VIP Support (1st line)", "team", 1, 6, 4, None, None),
    ("Network and Infrastructure (2nd line)", "team", 2, 10, 5, "lead1", ["network"]),
    ("Desktop Support (2nd line)", "team", 2, 10, 6, None, ["computers", "printing"]),
    ("Identity and Access (2nd line)", "team", 2, 8, 4, None, ["accounts"]),
    ("Email and Collaboration (2nd line)", "team", 2, 6, 4, None, ["email"]),
    ("Applications (3rd line)", "department", 3, 6, 4, "manager", ["erp", "email"]),
    ("ERP Team (3rd line)", "department", 3, 5, 4, None, ["erp"]),
    ("Database Team (3rd line)", "department", 3, 2, 3, None, ["erp"]),
    ("Security Operations (3rd line)", "team", 3, 3, 3, None, ["accounts", "network"]),
    ("Hardware supplier", "supplier", 3, 2, 2, None, ["computers", "printing"]),
    ("Telecom supplier", "supplier", 3, 2, 2, None, ["network"]),
]
ORGANISATIONS = [
    "Organisation A",
    "Organisation B",
    "上海总部 Shanghai HQ",
    "北京分公司 Beijing Branch",
    "深圳研发中心 Shenzhen R&D",
    "Contoso Trading Ltd",
    "华东物流 East China Logistics",
]
SURNAMES = [
    "王",
    "李",
    "张",
    "刘",
    "陈",
    "杨",
    "黄",
    "赵",
    "吴",
    "周",
    "Smith",
    "Müller",
    "Tanaka",
    "García",
    "Kim",
]
GIVEN = [
    "伟",
    "芳",
    "娜",
    "敏",
    "静",
    "磊",
    "洋",
    "艳",
    "勇",
    "军",
    "Anna",
    "Ben",
    "Chloe",
    "David",
    "Emma",
    "Feng",
]


# ---------------------------------------------------------------------------------------------
# People and groups


def _setup_django() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "servicedesk.settings")
    import django

    django.setup()


def ensure_people(rng: random.Random, agents: int, customers: int) -> dict:
    """Create the bench agents, customers, organisations and groups (idempotent); return the cast."""
    from django.core.management import call_command
    from django.db import transaction

    from servicedesk.accounts.models import Desk, Group, Organisation, Role, User

    if not User.objects.filter(username="agent1").exists():
        call_command("demo", no_tickets=True, verbosity=0)
    unusable = "!bench-user-no-password"
    with transaction.atomic():
        orgs = [Organisation.objects.get_or_create(name=name)[0] for name in ORGANISATIONS]
        existing = set(User.objects.filter(username__startswith="bench_").values_list("username", flat=True))
        new = []
        for i in range(1, agents + 1):
            name = f"bench_agent{i:03d}"
            if name not in existing:
                new.append(
                    User(
                        username=name,
                        role=Role.AGENT,
                        first_name=rng.choice(GIVEN),
                        last_name=rng.choice(SURNAMES),
                        email=f"{name}@example.com",
                        password=unusable,
                        language=rng.choice(["en", "zh-hans"]),
                        time_zone="Asia/Shanghai",
                    )
                )
        for i in range(1, customers + 1):
            name = f"bench_customer{i:05d}"
            if name not in existing:
                new.append(
                    User(
                        username=name,
                        role=Role.CUSTOMER,
                        first_name=rng.choice(GIVEN),
                        last_name=rng.choice(SURNAMES),
                        email=f"{name}@example.com",
                        password=unusable,
                        organisation=orgs[min(int(rng.paretovariate(1.2)) - 1, len(orgs) - 1)],
                        language=rng.choice(["en", "zh-hans", "zh-hans"]),
                    )
                )
        User.objects.bulk_create(new, batch_size=1000)
        desk = Desk.objects.filter(is_default=True).first() or Desk.objects.order_by("id").first()
        bench_agents = list(User.objects.filter(username__startswith="bench_agent").order_by("username"))
        demo = {
            u.username: u for u in User.objects.filter(username__in=["lead1", "agent1", "agent2", "manager"])
        }
        groups = []
        pool = itertools.cycle(bench_agents)
        membership = Group.members.through
        for name, kind, tier, weight, n_members, lead, domains in GROUPS:
            group, created = Group.objects.get_or_create(
                name=name, defaults={"kind": kind, "tier": tier, "desk": desk, "lead": demo.get(lead)}
            )
            if not group.members.filter(username__startswith="bench_agent").exists() and bench_agents:
                membership.objects.bulk_create(
                    [membership(group_id=group.pk, user_id=next(pool).pk) for _ in range(n_members)],
                    ignore_conflicts=True,
                )
            members = list(group.members.filter(is_active=True).order_by("id").values_list("id", flat=True))
            groups.append(
                {
                    "id": group.pk,
                    "name": group.name,
                    "tier": group.tier,
                    "kind": group.kind,
                    "weight": weight,
                    "members": members,
                    "domains": domains or DOMAIN_NAMES,
                }
            )
    customers_qs = User.objects.filter(role=Role.CUSTOMER, is_active=True).order_by("id")
    cust = list(customers_qs.values_list("id", "organisation_id"))
    first_line = [g for g in groups if g["tier"] == 1]
    front = sorted({m for g in first_line for m in g["members"]})
    return {
        "desk": desk,
        "groups": groups,
        "customers": cust,
        "front": front,
        "usernames": dict(
            User.objects.filter(role__in=["agent", "lead", "manager", "admin"]).values_list("id", "username")
        ),
    }


def _categories() -> dict[str, list[int]]:
    from servicedesk.tickets.models import Category

    by_name: dict[str, list[int]] = {}
    for pk, name in Category.objects.filter(parent__isnull=False).values_list("id", "name"):
        by_name.setdefault(name, []).append(pk)
    return {
        d: [pk for name in spec["categories"] for pk in by_name.get(name, [])] for d, spec in DOMAINS.items()
    }


# ---------------------------------------------------------------------------------------------
# Text


class Text:
    def __init__(self, rng: random.Random):
        self.rng = rng

    def _extra(self, pool) -> str:
        return self.rng.choice(pool).format(
            code=self.rng.randrange(65536), ext=self.rng.randrange(2000, 8999)
        )

    def ticket(self, domain: str, kind: str) -> tuple[str, str]:
        r = self.rng
        spec = DOMAINS[domain]
        sys_zh, sys_en = r.choice(spec["systems"])
        sym_zh, sym_en = r.choice(spec["symptoms"])
        place_zh, place_en = r.choice(PLACES)
        when_zh, when_en = r.choice(WHEN)
        lang = r.random()  # < .5 Chinese, < .85 English, else mixed
        if kind == "service_request":
            soft = r.choice(SOFTWARE)
            zh = r.choice(
                [
                    f"申请开通{sys_zh}权限",
                    f"新员工入职：申请{sys_zh}账号",
                    f"申请安装 {soft}",
                    f"申请新的{sys_zh}",
                ]
            )
            en = r.choice(
                [
                    f"Request access to the {sys_en}",
                    f"New {sys_en} for a new hire",
                    f"Please install {soft} on my laptop",
                    f"Move my {sys_en} to {place_en.split(' ', 1)[-1]}",
                ]
            )
        elif kind == "complaint":
            zh = r.choice(
                [
                    f"投诉：{sys_zh}问题反复出现",
                    "服务态度投诉：电话等待时间过长",
                    f"投诉：{sys_zh}{sym_zh}一周未解决",
                ]
            )
            en = r.choice(
                [
                    f"Complaint: the {sys_en} issue keeps coming back",
                    "Complaint: waited 30 minutes on the phone",
                    f"Complaint: {sys_en} still broken after a week",
                ]
            )
        elif kind == "problem":
            zh = f"问题调查：{sys_zh}{sym_zh}（多次发生）"
            en = f"Recurring: {sys_en} {sym_en}"
        elif kind == "change_request":
            zh = r.choice([f"{sys_zh}版本升级", f"更换{place_zh}的{sys_zh}", f"{sys_zh}计划维护（周六晚）"])
            en = r.choice(
                [
                    f"Upgrade the {sys_en} to version {r.randrange(2, 12)}.{r.randrange(10)}",
                    f"Replace the {sys_en} {place_en}",
                    f"Planned maintenance of the {sys_en} on Saturday",
                ]
            )
        else:
            zh = r.choice(
                [
                    f"{sys_zh}{sym_zh}",
                    f"{place_zh}的{sys_zh}{sym_zh}",
                    f"【紧急】{sys_zh}{sym_zh}",
                    f"{sys_zh}{sym_zh}，影响{r.randrange(2, 40)}人",
                ]
            )
            en = r.choice(
                [
                    f"{sys_en[0].upper()}{sys_en[1:]} {sym_en}",
                    f"{sys_en[0].upper()}{sys_en[1:]} {place_en} {sym_en}",
                    f"URGENT: {sys_en} {sym_en} for the whole team",
                ]
            )
        body_zh = f"{when_zh}开始，{place_zh}的{sys_zh}{sym_zh}。" + "".join(
            self._extra(ZH_EXTRA) for _ in range(r.randrange(1, 3))
        )
        body_en = f"Since {when_en} the {sys_en} {place_en} {sym_en}. " + " ".join(
            self._extra(EN_EXTRA) for _ in range(r.randrange(1, 3))
        )
        if lang < 0.5:
            return zh, body_zh
        if lang < 0.85:
            return en, body_en
        return f"{zh} / {en}" if r.random() < 0.5 else f"{sys_en} {sym_zh}", f"{body_zh}\n\n{body_en}"

    def comment(self, pool) -> str:
        place_zh, place_en = self.rng.choice(PLACES)
        return self.rng.choice(pool).format(
            place_zh=place_zh, place_en=place_en, code=self.rng.randrange(10**6)
        )


# ---------------------------------------------------------------------------------------------
# Tickets


class Generator:
    """Yields, per ticket, a ticket row (dict by attname) plus its comment and history rows."""

    POOL = 3000  # distinct texts per (domain, type), drawn lazily; picking from a pool is cheaper
    STATUS_WEIGHTS = STATUS_WEIGHTS
    COMMENTS = ((1, 2, 3, 4), (35, 35, 20, 10))  # comments per ticket, weights
    TEXT = Text

    def __init__(self, rng: random.Random, cast: dict, categories: dict, priority: dict, now: float):
        self.rng = rng
        self.text = self.TEXT(rng)
        self.texts: dict[tuple[str, str], list] = {}
        self.cast = cast
        self.categories = categories
        self.priority = priority
        self.now = now
        self.span = 3 * 365 * DAY
        groups = cast["groups"]
        self.groups = groups
        self.group_cum = list(itertools.accumulate(g["weight"] for g in groups))
        self.status_cum = list(itertools.accumulate(self.STATUS_WEIGHTS))
        self.type_cum = list(itertools.accumulate(TYPE_WEIGHTS))
        self.channel_cum = list(itertools.accumulate(CHANNEL_WEIGHTS))
        customers = cast["customers"]
        self.customers = customers
        # A few customers file far more than others (a Zipf-like spread).
        self.customer_cum = list(itertools.accumulate(1.0 / (i + 1) ** 0.7 for i in range(len(customers))))
        self.front = cast["front"]
        self.usernames = cast["usernames"]

    def _pick(self, cum):
        return bisect.bisect(cum, self.rng.random() * cum[-1])

    def ticket(self, ticket_id: int, number: str, comment_ids, history_ids):
        r = self.rng
        status = STATUSES[self._pick(self.status_cum)]
        kind = TYPES[self._pick(self.type_cum)]
        channel = CHANNELS[self._pick(self.channel_cum)]
        if channel == "monitoring":
            kind = "incident"
        requester, organisation = self.customers[self._pick(self.customer_cum)]
        created_by_staff = channel in STAFF_CHANNELS
        front_agent = r.choice(self.front)
        group = None
        if status not in ("new", "acknowledged"):
            group = self.groups[self._pick(self.group_cum)]
        domain = r.choice(group["domains"]) if group else r.choice(DOMAIN_NAMES)
        pool = self.texts.setdefault((domain, kind), [])
        if len(pool) < self.POOL:
            pool.append(self.text.ticket(domain, kind))
            title, description = pool[-1]
        else:
            title, description = pool[int(r.random() * self.POOL)]
        cats = self.categories.get(domain)
        category = r.choice(cats) if cats and r.random() < 0.85 else None
        impact = r.choices((1, 2, 3), (1, 5, 3))[0]
        urgency = r.choices((1, 2, 3), (1, 5, 3))[0]
        priority = self.priority.get((impact, urgency), 3)
        overridden = False
        if created_by_staff and r.random() < 0.03:
            priority, overridden = max(1, priority - 1), True
        assignee = None
        if group and group["members"] and (status != "assigned" or r.random() < 0.6):
            members = group["members"]
            assignee = r.choice(members)

        # The timeline: (offset seconds from creation, actor, event, field changes)
        steps = []  # (offset, actor, event, [(field, old, new)])
        t = 0.0
        if status != "new":
            t += r.expovariate(1 / (0.5 * HOUR))
            steps.append(
                (
                    t,
                    front_agent,
                    "acknowledge",
                    [("status", "new", "acknowledged")]
                    + ([] if created_by_staff else [("owner", "", self.usernames.get(front_agent, ""))]),
                )
            )
        acknowledged_at = t if status != "new" else None
        prev = "acknowledged"
        if group:
            t += r.expovariate(1 / (2 * HOUR))
            changes = [("group", "", group["name"]), ("status", prev, "assigned")]
            if assignee and status == "assigned":
                changes.append(("assignee", "", self.usernames.get(assignee, "")))
            steps.append((t, front_agent, "assigned", changes))
            prev = "assigned"
        worker = assignee or front_agent
        if status in ("in_progress", "pending", "resolved", "closed"):
            t += r.expovariate(1 / (4 * HOUR))
            steps.append(
                (
                    t,
                    worker,
                    "start",
                    [("status", prev, "in_progress")]
                    + ([("assignee", "", self.usernames.get(worker, ""))] if status != "assigned" else []),
                )
            )
            prev = "in_progress"
        pending_reason = ""
        if status == "pending" or (status in ("resolved", "closed") and r.random() < 0.2):
            reason = (
                "supplier"
                if group and group["kind"] == "supplier"
                else r.choice(["customer", "customer", "customer", "supplier", "change"])
            )
            t += r.expovariate(1 / (6 * HOUR))
            steps.append(
                (t, worker, "pend", [("status", "in_progress", "pending"), ("pending_reason", "", reason)])
            )
            prev = "pending"
            if status == "pending":
                pending_reason = reason
            else:
                t += r.expovariate(1 / DAY)
                steps.append(
                    (
                        t,
                        worker,
                        "resume",
                        [("status", "pending", "in_progress"), ("pending_reason", reason, "")],
                    )
                )
                prev = "in_progress"
        resolved_at = closed_at = None
        if status in ("resolved", "closed"):
            t += r.expovariate(1 / (1.5 * DAY))
            steps.append((t, worker, "resolve", [("status", prev, "resolved")]))
            resolved_at = t
        if status == "closed":
            t += r.uniform(0.2 * DAY, 5 * DAY)
            confirm = r.random() < 0.4
            steps.append(
                (
                    t,
                    requester if confirm else worker,
                    "confirm" if confirm else "close",
                    [("status", "resolved", "closed")],
                )
            )
            closed_at = t
        last_step = t

        # Comments: between creation and the last step (or a bit after, for open tickets).
        n_comments = r.choices(*self.COMMENTS)[0]
        comments = []  # (offset, author, body, internal)
        open_end = last_step + r.expovariate(1 / (0.5 * DAY))
        end = last_step if status in ("resolved", "closed") else open_end
        for _ in range(n_comments):
            at = r.uniform(0, end) if end > 0 else 0.0
            if status == "new" or r.random() < 0.3:
                comments.append((at, requester, self.text.comment(CUSTOMER_REPLIES), False))
            elif r.random() < 0.5:
                comments.append((at, worker, self.text.comment(STAFF_REPLIES), False))
            else:
                comments.append((at, worker, self.text.comment(INTERNAL_NOTES), True))
        comments.sort(key=lambda c: c[0])
        first_response = next((c[0] for c in comments if not c[3] and c[1] != requester), None)
        last_activity = max(last_step, comments[-1][0] if comments else 0.0)

        # Place the timeline in time: closed tickets anywhere in the last years, the rest recent.
        if status == "closed":
            age = last_activity + r.uniform(0, self.span)
        elif status == "resolved":
            age = last_activity + r.uniform(0, 3 * DAY)
        elif status == "pending":
            age = last_activity + min(r.expovariate(1 / (12 * DAY)), 200 * DAY)
        else:
            age = last_activity + min(r.expovariate(1 / (3 * DAY)), 120 * DAY)
        created = self.now - age - 60.0

        def ts(offset):
            return None if offset is None else datetime.datetime.fromtimestamp(created + offset, UTC)

        # History and comments, in time order, each change a version.
        history = []
        version = 1
        history.append(
            (
                next(history_ids),
                ticket_id,
                requester if not created_by_staff else front_agent,
                ts(0.0),
                channel,
                "created",
                "",
                "",
                number,
                "",
                False,
                1,
            )
        )
        events = [(s[0], 0, s) for s in steps] + [(c[0], 1, c) for c in comments]
        events.sort(key=lambda e: (e[0], e[1]))
        comment_rows = []
        for offset, is_comment, item in events:
            version += 1
            at = ts(offset)
            if is_comment:
                _, author, body, internal = item
                cid = next(comment_ids)
                ch = "portal" if author == requester else "console"
                comment_rows.append((cid, ticket_id, author, body, internal, ch, at))
                history.append(
                    (
                        next(history_ids),
                        ticket_id,
                        author,
                        at,
                        ch,
                        "internal_note" if internal else "public_reply",
                        "",
                        "",
                        str(cid),
                        body[:200],
                        internal,
                        version,
                    )
                )
            else:
                _, actor, event, changes = item
                ch = "portal" if actor == requester else "console"
                for field, old, new in changes:
                    history.append(
                        (
                            next(history_ids),
                            ticket_id,
                            actor,
                            at,
                            ch,
                            event,
                            field,
                            old,
                            new,
                            "",
                            False,
                            version,
                        )
                    )

        owner = front_agent if (created_by_staff or status != "new") else None
        row = {
            "id": ticket_id,
            "desk_id": self.cast["desk"].pk,
            "number": number,
            "type": kind,
            "title": title[:255],
            "description": description,
            "status": status,
            "pending_reason": pending_reason,
            "impact": impact,
            "urgency": urgency,
            "priority": priority,
            "priority_overridden": overridden,
            "requester_id": requester,
            "organisation_id": organisation,
            "channel": channel,
            "owner_id": owner,
            "group_id": group["id"] if group else None,
            "assignee_id": assignee if status != "new" else None,
            "category_id": category,
            "merged_into_id": None,
            "created_at": ts(0.0),
            "updated_at": ts(last_activity),
            "acknowledged_at": ts(acknowledged_at),
            "first_response_at": ts(first_response),
            "resolved_at": ts(resolved_at),
            "closed_at": ts(closed_at),
            "version": version,
        }
        if group is None:
            row["assignee_id"] = None
        return row, comment_rows, history


# The peer's workload (django-helpdesk's bench.py, ../shared/peer-bench): the same words, a rare word in
# 1 % of the descriptions, two comments per ticket, 80 % of the tickets open.
PEER_WORDS = (
    "printer network email password reset laptop monitor vpn access account "
    "login error crash slow install update license server backup disk phone "
    "meeting room projector keyboard mouse wifi outlook calendar share drive "
    "permission folder invoice payroll badge camera headset driver browser "
    "certificate firewall ticket request urgent broken missing cannot open"
).split()
PEER_RARE_WORD = "zeppelin"
PEER_COMMON_WORD = "network"


class PeerText(Text):
    """The peer's texts: a six-word title, sixty words of description (the rare word in every hundredth,
    as the peer's ticket 7, 107, …), thirty-word comments."""

    def __init__(self, rng: random.Random):
        super().__init__(rng)
        self.made = 0

    def _words(self, n: int) -> str:
        return " ".join(self.rng.choice(PEER_WORDS) for _ in range(n))

    def ticket(self, domain: str, kind: str) -> tuple[str, str]:
        title, description = self._words(6).capitalize(), self._words(60)
        if self.made % 100 == 7:
            description += " " + PEER_RARE_WORD
        self.made += 1
        return title, description

    def comment(self, pool) -> str:
        return self._words(30)


class PeerGenerator(Generator):
    """Our desk's tickets (groups, timelines, history) with the peer's texts, comment count and status
    shares (peer: 70 % open, 10 % reopened, 10 % resolved, 10 % closed; ours: the 80 % spread over the
    open statuses)."""

    POOL = 10**9  # every ticket its own text, so the rare word lands in exactly 1 %
    STATUS_WEIGHTS = [10, 10, 20, 30, 10, 10, 10]
    COMMENTS = ((2,), (1,))
    TEXT = PeerText


GENERATORS = {"desk": Generator, "peer": PeerGenerator}


# ---------------------------------------------------------------------------------------------
# Loading


def _columns(model, names=None):
    fields = model._meta.concrete_fields
    return model._meta.db_table, [f.column for f in fields], [f.attname for f in fields]


HISTORY_ORDER = [
    "id",
    "ticket_id",
    "actor_id",
    "at",
    "channel",
    "event",
    "field",
    "old_value",
    "new_value",
    "note",
    "internal",
    "version",
]
COMMENT_ORDER = ["id", "ticket_id", "author_id", "body", "internal", "channel", "created_at"]


def _reorder(attnames: list[str], generated: list[str]):
    """Index map from the generator's tuple order to the table's column order (from _meta)."""
    if sorted(attnames) != sorted(generated):
        raise SystemExit(f"The model changed: columns {sorted(attnames)} vs generated {sorted(generated)}")
    idx = [generated.index(a) for a in attnames]
    return lambda row: tuple(row[i] for i in idx)


def _next_id(cursor, table: str) -> int:
    cursor.execute(f"SELECT COALESCE(MAX(id), 0) + 1 FROM {table}")
    return cursor.fetchone()[0]


def generate(
    tickets: int,
    *,
    seed: int = 2026,
    agents: int = 50,
    customers: int = 5000,
    chunk: int = 20000,
    vacuum: bool = True,
    shape: str = "desk",
    log=print,
) -> dict:
    _setup_django()
    from django.db import connection, transaction

    from servicedesk.accounts.models import Desk
    from servicedesk.tickets.models import Comment, HistoryEntry, PriorityRule, Ticket

    rng = random.Random(seed)
    t0 = time.monotonic()
    cast = ensure_people(rng, agents, customers)
    log(
        f"people: {len(cast['customers'])} customers, {len(cast['front'])} 1st-line agents, "
        f"{len(cast['groups'])} groups ({time.monotonic() - t0:.1f}s)"
    )
    priority = {(p.impact, p.urgency): p.priority for p in PriorityRule.objects.all()}
    now = time.time()
    gen = GENERATORS[shape](rng, cast, _categories(), priority, now)

    t_table, t_cols, t_attnames = _columns(Ticket)
    c_table, c_cols, c_attnames = _columns(Comment)
    h_table, h_cols, h_attnames = _columns(HistoryEntry)
    c_order = _reorder(c_attnames, COMMENT_ORDER)
    h_order = _reorder(h_attnames, HISTORY_ORDER)
    postgres = connection.vendor == "postgresql"
    counts = {"tickets": 0, "comments": 0, "history": 0}
    from servicedesk.search import index as search_index

    search_table = search_index.PG_TABLE if postgres else search_index.FTS_TABLE
    if search_table not in connection.introspection.table_names():
        log(f"no {search_table} table (servicedesk.search not migrated): the search index is not filled")
        search_table = None

    with transaction.atomic():
        with connection.cursor() as cur:
            ticket_start = _next_id(cur, t_table)
            comment_ids = itertools.count(_next_id(cur, c_table))
            history_ids = itertools.count(_next_id(cur, h_table))
        desk = Desk.objects.select_for_update().get(pk=cast["desk"].pk)
        first_number = desk.next_number
        dropped = []
        if postgres:
            raw = connection.connection  # the psycopg connection, inside Django's transaction
            with raw.cursor() as cur:
                cur.execute("SET LOCAL session_replication_role = replica")  # no FK triggers during the load
                cur.execute("SET LOCAL maintenance_work_mem = '1GB'")
                cur.execute("SET LOCAL synchronous_commit = off")
                for table in (t_table, c_table, h_table, *([search_table] if search_table else [])):
                    cur.execute(
                        "SELECT i.relname, pg_get_indexdef(i.oid) FROM pg_index x JOIN pg_class i"
                        " ON i.oid = x.indexrelid WHERE x.indrelid = %s::regclass AND NOT EXISTS"
                        " (SELECT 1 FROM pg_constraint c"
                        " WHERE c.conindid = x.indexrelid AND c.conrelid = x.indrelid)",
                        (table,),
                    )
                    for name, definition in cur.fetchall():
                        dropped.append(definition)
                        cur.execute(f'DROP INDEX "{name}"')
            log(f"dropped {len(dropped)} secondary indexes for the load")

        def search_rows(trows, comments_by_ticket):
            """The tickets' search documents, as the app's index would write them."""
            vendor = connection.vendor
            out = []
            for row in trows:
                ticket_id, title, description = row[t_id], row[t_title], row[t_description]
                body = search_index._body(description, comments_by_ticket.get(ticket_id, ()))
                out.append(search_index.document_row(ticket_id, title, body, vendor))
            return out

        search_cols = ["ticket_id", "document"] if postgres else ["rowid", "title", "body"]

        def flush(trows, crows, hrows, srows):
            if postgres:
                with raw.cursor() as cur:
                    for table, cols, rows in (
                        (t_table, t_cols, trows),
                        (c_table, c_cols, crows),
                        (h_table, h_cols, hrows),
                        *([(search_table, search_cols, srows)] if search_table else []),
                    ):
                        with cur.copy(f"COPY {table} ({', '.join(cols)}) FROM STDIN") as copy:
                            for row in rows:
                                copy.write_row(row)
            else:
                with connection.cursor() as cur:
                    for table, cols, rows in (
                        (t_table, t_cols, trows),
                        (c_table, c_cols, crows),
                        (h_table, h_cols, hrows),
                        *([(search_table, search_cols, srows)] if search_table else []),
                    ):
                        marks = ", ".join(["%s"] * len(cols))
                        sql = f"INSERT INTO {table} ({', '.join(cols)}) VALUES ({marks})"
                        cur.executemany(sql, [tuple(_sqlite_value(v) for v in row) for row in rows])

        tget = [a for a in t_attnames]
        t_id, t_title, t_description = (tget.index(a) for a in ("id", "title", "description"))
        c_ticket, c_body, c_internal = (COMMENT_ORDER.index(a) for a in ("ticket_id", "body", "internal"))
        trows, crows, hrows, replies = [], [], [], {}
        t1 = time.monotonic()
        for i in range(tickets):
            number = f"{desk.prefix}-{first_number + i:06d}"
            row, comments, history = gen.ticket(ticket_start + i, number, comment_ids, history_ids)
            trows.append(tuple(row[a] for a in tget))
            crows.extend(c_order(c) for c in comments)
            hrows.extend(h_order(h) for h in history)
            if search_table:
                for c in comments:  # in the conversation's order
                    if not c[c_internal]:
                        replies.setdefault(c[c_ticket], []).append(c[c_body])
            if len(trows) >= chunk:
                flush(trows, crows, hrows, search_rows(trows, replies) if search_table else [])
                counts["tickets"] += len(trows)
                counts["comments"] += len(crows)
                counts["history"] += len(hrows)
                trows, crows, hrows, replies = [], [], [], {}
                elapsed = time.monotonic() - t1
                log(f"  {counts['tickets']:>9,} tickets  {counts['tickets'] / elapsed:,.0f}/s")
        if trows:
            flush(trows, crows, hrows, search_rows(trows, replies) if search_table else [])
            counts["tickets"] += len(trows)
            counts["comments"] += len(crows)
            counts["history"] += len(hrows)
        log(f"rows loaded: {counts} in {time.monotonic() - t1:.1f}s")
        Desk.objects.filter(pk=desk.pk).update(next_number=first_number + tickets)
        with connection.cursor() as cur:
            if postgres:
                t2 = time.monotonic()
                for definition in dropped:
                    cur.execute(definition)
                log(f"rebuilt {len(dropped)} indexes in {time.monotonic() - t2:.1f}s")
                for table in (t_table, c_table, h_table):
                    cur.execute(
                        f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                        f"(SELECT COALESCE(MAX(id), 1) FROM {table}))"
                    )
    with connection.cursor() as cur:
        t3 = time.monotonic()
        if postgres:
            tables = ", ".join([t_table, c_table, h_table, *([search_table] if search_table else [])])
            cur.execute(f"{'VACUUM (ANALYZE)' if vacuum else 'ANALYZE'} {tables}")
        else:
            cur.execute("ANALYZE")
        log(f"{'vacuum + ' if vacuum and postgres else ''}analyze in {time.monotonic() - t3:.1f}s")
    counts["seconds"] = round(time.monotonic() - t0, 1)
    counts["first_number"] = f"{desk.prefix}-{first_number:06d}"
    return counts


def _sqlite_value(value):
    # Django stores SQLite datetimes as naive UTC text.
    if isinstance(value, datetime.datetime):
        return value.astimezone(UTC).replace(tzinfo=None).isoformat(" ")
    return value


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(
        description=__doc__.split("\n\n")[0], formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--tickets", type=int, default=10000)
    parser.add_argument("--agents", type=int, default=50, help="extra agents (bench_agentNNN)")
    parser.add_argument("--customers", type=int, default=5000, help="extra customers (bench_customerNNNNN)")
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument("--chunk", type=int, default=20000, help="tickets per COPY / executemany batch")
    parser.add_argument("--no-vacuum", action="store_true", help="PostgreSQL: ANALYZE only, no VACUUM")
    parser.add_argument("--shape", choices=sorted(GENERATORS), default="desk",
                        help="peer: django-helpdesk's benchmark workload (its words, 2 comments, 80 %% open)")
    args = parser.parse_args(argv)
    counts = generate(
        args.tickets,
        seed=args.seed,
        agents=args.agents,
        customers=args.customers,
        chunk=args.chunk,
        vacuum=not args.no_vacuum,
        shape=args.shape,
        log=lambda m: print(m, file=sys.stderr, flush=True),
    )
    print(counts)


if __name__ == "__main__":
    main()
