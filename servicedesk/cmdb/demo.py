"""The demo desk's estate (`servicedesk demo`, with the tickets): types with their own fields; the e-mail,
payroll and VPN services and what they stand on; the demo customers' laptops; a few open tickets linked to the
items they are about. Built through the actions as the manager."""

from django.db.models import Q

from servicedesk.core.audit import Channel
from servicedesk.tickets.demo import _clock
from servicedesk.tickets.models import OPEN_STATUSES, Ticket

from . import actions
from .models import CiType, ConfigItem

AFTER = ("accounts", "tickets")

TYPES = [
    ("service", "Service", "服务", True, []),
    ("application", "Application", "应用", False, [
        {"key": "version", "label": "Version", "label_zh": "版本", "kind": "text"}]),
    ("server", "Server", "服务器", False, [
        {"key": "cpus", "label": "CPUs", "label_zh": "处理器数", "kind": "number", "required": True},
        {"key": "memory_gb", "label": "Memory (GB)", "label_zh": "内存（GB）", "kind": "number"},
        {"key": "os", "label": "Operating system", "label_zh": "操作系统", "kind": "choice",
         "choices": ["Linux", "Windows Server"]}]),
    ("laptop", "Laptop", "笔记本电脑", False, [
        {"key": "model", "label": "Model", "label_zh": "型号", "kind": "text"},
        {"key": "warranty_until", "label": "Warranty until", "label_zh": "保修截止", "kind": "date"}]),
    ("network_device", "Network device", "网络设备", False, []),
    ("licence", "Licence", "许可证", False, [
        {"key": "seats", "label": "Seats", "label_zh": "授权数", "kind": "number"}]),
]

INFRA, APPS, SUPPLIER = "Network and Infrastructure (2nd line)", "Applications (3rd line)", "Hardware supplier"

# (name, type, owner group, fields); services are critical where an outage stops the business.
ITEMS = [
    ("E-mail", "service", APPS, {"critical": True}),
    ("Payroll", "service", APPS, {"critical": True}),
    ("VPN", "service", INFRA, {}),
    ("Exchange", "application", APPS, {"attributes": {"version": "2019 CU14"}}),
    ("Payroll app", "application", APPS, {"attributes": {"version": "5.2"}}),
    ("Payroll database", "application", APPS, {"attributes": {"version": "PostgreSQL 15"}}),
    ("srv-mail-01", "server", INFRA, {"location": "Shanghai DC, rack A1", "serial": "SRV-0001",
                                      "attributes": {"cpus": 16, "memory_gb": 64, "os": "Windows Server"}}),
    ("srv-app-01", "server", INFRA, {"location": "Shanghai DC, rack A2", "serial": "SRV-0002",
                                     "attributes": {"cpus": 8, "memory_gb": 32, "os": "Linux"}}),
    ("srv-db-01", "server", INFRA, {"location": "Shanghai DC, rack A2", "serial": "SRV-0003",
                                    "attributes": {"cpus": 16, "memory_gb": 128, "os": "Linux"}}),
    ("vpn-gw-01", "network_device", INFRA, {"location": "Shanghai DC, rack B1", "serial": "NET-0001"}),
    ("core-switch-01", "network_device", INFRA, {"location": "Shanghai DC, rack B1", "serial": "NET-0002"}),
    ("Office 365 E3", "licence", APPS, {"supplier": "Microsoft", "contract": "EA-2026-118",
                                        "attributes": {"seats": 250}}),
]

# "source <kind> target"
RELATIONS = [
    ("E-mail", "depends_on", "Exchange"),
    ("Exchange", "runs_on", "srv-mail-01"),
    ("Payroll", "depends_on", "Payroll app"),
    ("Payroll app", "runs_on", "srv-app-01"),
    ("Payroll app", "depends_on", "Payroll database"),
    ("Payroll database", "runs_on", "srv-db-01"),
    ("VPN", "depends_on", "vpn-gw-01"),
    ("vpn-gw-01", "depends_on", "core-switch-01"),
    ("srv-mail-01", "depends_on", "core-switch-01"),
    ("srv-app-01", "depends_on", "core-switch-01"),
    ("srv-db-01", "depends_on", "core-switch-01"),
    ("srv-app-01", "connected_to", "srv-db-01"),
]

LAPTOPS = [("customer1", "ThinkPad X1 Carbon"), ("customer2", "MacBook Air 13"), ("customer3", "ThinkPad T14"),
           ("chenjing", "Dell Latitude 7450"), ("dmiller", "MacBook Pro 14"), ("sunli", "ThinkPad X1 Carbon"),
           ("ewong", "Surface Laptop 6")]

# Open tickets of these categories are about these items.
TICKETS = [("Email", "srv-mail-01"), ("VPN", "vpn-gw-01")]


def load(demo) -> None:
    if not demo.full or CiType.objects.exists():
        return
    manager, channel = demo.people["manager"], Channel.COMMAND
    types = {key: CiType.objects.create(key=key, name=name, name_zh=name_zh, is_service=service, fields=fields,
                                        order=order)
             for order, (key, name, name_zh, service, fields) in enumerate(TYPES)}
    items = {}
    for name, type_key, owner, extra in ITEMS:
        data = actions.ItemInput(type=types[type_key], name=name, owner=demo.groups.get(owner), **extra)
        items[name] = actions.create_item(actor=manager, channel=channel, data=data)
    for source, kind, target in RELATIONS:
        actions.add_relation(items[source], items[target], kind, actor=manager, channel=channel)
    for number, (username, model) in enumerate(LAPTOPS, start=1):
        person = demo.people.get(username)
        if person is None:
            continue
        data = actions.ItemInput(type=types["laptop"], name=f"LT-{number:04d}", user=person,
                                 organisation=person.organisation, owner=demo.groups.get(SUPPLIER),
                                 serial=f"PF{number:06d}", supplier="Lenovo" if "ThinkPad" in model else "",
                                 location="Shanghai office", attributes={"model": model,
                                                                         "warranty_until": "2028-06-30"})
        laptop = actions.create_item(actor=manager, channel=channel, data=data)
        actions.add_relation(laptop, items["Office 365 E3"], "depends_on", actor=manager, channel=channel)
    for category, item in TICKETS:
        tickets = Ticket.objects.filter(Q(category__name=category) | Q(category__parent__name=category),
                                        status__in=OPEN_STATUSES).order_by("id")[:2]
        for ticket in tickets:
            _link(ticket, items[item], manager)
    laptop_tickets = Ticket.objects.filter(category__name="Laptop").select_related("requester").order_by("id")[:3]
    for ticket in laptop_tickets:
        device = ConfigItem.objects.filter(user=ticket.requester, type=types["laptop"]).first()
        if device is not None:
            _link(ticket, device, manager)


def _link(ticket: Ticket, item: ConfigItem, manager) -> None:
    # At the ticket's last moment, on the demo's clock: its history stays in working hours and in order.
    with _clock(ticket.updated_at):
        actions.link_item(ticket, item, actor=manager, channel=Channel.COMMAND)
