"""The demo desk's people, organisations, desk and groups (`servicedesk demo`)."""

from .models import Desk, Group, GroupKind, Organisation, Role, User

PASSWORD = "demo-pass-123"

FIRST_LINE = "Service Desk (1st line)"
SECOND_LINE = "Network and Infrastructure (2nd line)"
THIRD_LINE = "Applications (3rd line)"
SUPPLIER = "Hardware supplier"

# Chinese names are written whole, family name first, in first_name. The language is left empty (the
# browser decides) except for customer2, who saved English: she sees English even in a Chinese browser,
# which shows what the switcher in the top menu keeps.
PEOPLE = [
    # username, role, first, last, organisation, language
    ("admin", Role.ADMIN, "Ada", "Admin", None, ""),
    ("manager", Role.MANAGER, "王明", "", None, ""),
    ("lead1", Role.LEAD, "李娜", "", None, ""),
    ("agent1", Role.AGENT, "Alex", "Chen", None, ""),
    ("agent2", Role.AGENT, "张芳", "", None, ""),
    ("customer1", Role.CUSTOMER, "刘伟", "", "A", ""),
    ("customer2", Role.CUSTOMER, "Grace", "Hopper", "A", "en"),
    ("customer3", Role.CUSTOMER, "赵强", "", "B", ""),
]

# Loaded with the tickets only (tests load the bare desk and rely on its people and an empty supplier):
# more requesters, and the hardware supplier's engineer, with the supplier's contact address.
MORE_PEOPLE = [
    ("chenjing", Role.CUSTOMER, "陈静", "", "A", ""),
    ("dmiller", Role.CUSTOMER, "David", "Miller", "B", ""),
    ("sunli", Role.CUSTOMER, "孙丽", "", "B", ""),
    ("ewong", Role.CUSTOMER, "Emma", "Wong", "A", ""),
    ("vendor1", Role.AGENT, "吴凯", "", None, ""),
]
SUPPLIER_EMAIL = "service@printcare.example.com"


def load(demo) -> None:
    listed = PEOPLE + MORE_PEOPLE if demo.full else PEOPLE
    demo.people = _people(listed)
    demo.groups = _groups(demo.people)
    if demo.full:
        _supplier(demo.groups[SUPPLIER], demo.people["vendor1"])
    demo.password = PASSWORD
    demo.logins = [(username, role.label) for username, role, *_ in listed]


def _people(listed) -> dict[str, User]:
    organisations = {
        "A": Organisation.objects.get_or_create(name="Organisation A")[0],
        "B": Organisation.objects.get_or_create(name="Organisation B")[0],
    }
    people = {}
    for username, role, first, last, org, language in listed:
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


def _groups(people) -> dict[str, Group]:
    desk, _ = Desk.objects.get_or_create(
        prefix="SD",
        defaults={"name": "上海服务台 Shanghai Service Desk", "site": "Shanghai", "time_zone": "Asia/Shanghai",
                  "language": "zh-hans", "is_default": True},
    )
    specs = [
        (FIRST_LINE, "服务台（一线）", GroupKind.TEAM, 1, "lead1", ["agent1", "agent2", "lead1"]),
        (SECOND_LINE, "网络与基础设施（二线）", GroupKind.TEAM, 2, "lead1", ["agent2", "lead1"]),
        (THIRD_LINE, "应用系统（三线）", GroupKind.DEPARTMENT, 3, "manager", ["agent2"]),
        (SUPPLIER, "硬件供应商", GroupKind.SUPPLIER, 3, None, []),
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


def _supplier(supplier: Group, engineer: User) -> None:
    """The supplier's engineer works its queue; its address is where the desk reaches it."""
    supplier.members.add(engineer)
    if not supplier.email:
        supplier.email = SUPPLIER_EMAIL
        supplier.save(update_fields=["email"])
