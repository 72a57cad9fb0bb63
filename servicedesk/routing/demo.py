"""The demo desk's routing (loaded by `servicedesk demo` with its tickets): a few rules and
auto-assignment in the 2nd and 3rd line. Idempotent: what exists (by name) is left as it is."""

from servicedesk.accounts.models import Group, User
from servicedesk.tickets.models import Category, Channel, TicketType

from .models import GroupAssignment, RoutingRule, Skill, Strategy, Tag

SECOND_LINE = "Network and Infrastructure (2nd line)"
THIRD_LINE = "Applications (3rd line)"
SUPPLIER = "Hardware supplier"

# After the tickets walked their scripted journeys: the bare desk (--no-tickets, what tests load) keeps
# tickets where their callers put them, and the demo's own tickets are routed by hand.
AFTER = ("tickets",)


def load(demo) -> None:
    if demo.full:
        ensure_demo_routing()


def _category(name: str) -> Category | None:
    return Category.objects.filter(name=name).order_by("id").first()


def ensure_demo_routing() -> int:
    """Create the demo rules, skills and auto-assignment that are missing; returns how many rules were added."""
    groups = {g.name: g for g in Group.objects.filter(name__in=[SECOND_LINE, THIRD_LINE, SUPPLIER])}
    if len(groups) < 3:
        return 0
    manager = User.objects.filter(username="manager").first()
    tags = {name: Tag.objects.get_or_create(name=name)[0] for name in ("network", "complaint", "hardware")}
    specs = [
        # Seed 003: a complaint is recorded, owned by the desk manager, and not routed on.
        dict(name="Complaints: owned by the desk manager", order=10, stop=True,
             ticket_types=[TicketType.COMPLAINT], set_owner=manager, set_impact=2, set_urgency=1,
             tags=["complaint"]),
        dict(name="Network words → 2nd line", order=20,
             keywords="VPN\nnetwork\nWi-Fi\nwifi\n网络\n无线\n断网\n上不了网",
             set_group=groups[SECOND_LINE], tags=["network"]),
        dict(name="Printer faults → hardware supplier", order=30, categories=[_category("Printer fault")],
             set_group=groups[SUPPLIER], tags=["hardware"]),
        dict(name="Monitoring alerts are urgent", order=40, channels=[Channel.MONITORING], set_urgency=1),
    ]
    made = 0
    for spec in specs:
        spec = dict(spec)
        names = spec.pop("tags", [])
        categories = [c for c in spec.pop("categories", []) if c is not None]
        rule, created = RoutingRule.objects.get_or_create(name=spec.pop("name"), defaults=spec)
        if created:
            made += 1
            rule.add_tags.set([tags[n] for n in names])
            rule.categories.set(categories)
    GroupAssignment.objects.get_or_create(group=groups[SECOND_LINE], defaults={"strategy": Strategy.ROUND_ROBIN})
    GroupAssignment.objects.get_or_create(group=groups[THIRD_LINE], defaults={"strategy": Strategy.SKILL})
    agent2 = User.objects.filter(username="agent2").first()
    if agent2 is not None:
        for name, level in (("Email", 4), ("ERP", 3)):
            category = Category.objects.filter(name=name, parent=None).order_by("id").first()
            if category is not None:
                Skill.objects.get_or_create(user=agent2, category=category, defaults={"level": level})
    return made
