"""Routing rules: each condition, each action, order and "stop", on creation and on demand."""

import pytest
from django.core.exceptions import ValidationError

from servicedesk.accounts.identity import system_user
from servicedesk.accounts.models import Desk, Organisation, User
from servicedesk.routing import engine
from servicedesk.routing.models import TicketTag
from servicedesk.tickets import actions
from servicedesk.tickets.models import Channel, Priority, Status, TicketType

from .conftest import category, fresh, history


def open_as(d, who="customer1", title="Something is wrong", **kwargs):
    user = User.objects.get(username=who)
    return actions.create_ticket(actor=user, requester=kwargs.pop("requester", user), title=title, **kwargs)


# ---------------------------------------------------------------------------------------------
# Conditions: one matching and one not matching ticket for each


def _other_desk():
    return Desk.objects.create(name="Beijing desk", prefix="BJ", time_zone="Asia/Shanghai")


CONDITIONS = {
    "channel": (
        lambda desk: {"channels": [Channel.EMAIL]},
        lambda desk: {"channel": Channel.EMAIL},
        lambda desk: {"channel": Channel.PORTAL},
    ),
    "type": (
        lambda desk: {"ticket_types": [TicketType.SERVICE_REQUEST, TicketType.CHANGE_REQUEST]},
        lambda desk: {"type": TicketType.SERVICE_REQUEST},
        lambda desk: {"type": TicketType.INCIDENT},
    ),
    "category itself": (
        lambda desk: {"categories": [category("VPN")]},
        lambda desk: {"category": category("VPN")},
        lambda desk: {"category": category("Wi-Fi")},
    ),
    "category's subcategory": (
        lambda desk: {"categories": [category("VPN")]},
        lambda desk: {"category": category("Cannot connect")},
        lambda desk: {"category": category("Office Wi-Fi")},
    ),
    "no category": (
        lambda desk: {"categories": [category("VPN")]},
        lambda desk: {"category": category("New VPN access")},
        lambda desk: {},
    ),
    "organisation": (
        lambda desk: {"organisations": [Organisation.objects.get(name="Organisation B")]},
        lambda desk: {"who": "customer3"},
        lambda desk: {"who": "customer2"},
    ),
    "language from the profile": (
        lambda desk: {"languages": ["en"]},
        lambda desk: {"who": "customer2", "title": "打印机坏了"},  # Grace's profile says English
        lambda desk: {"who": "customer1", "title": "Printer broken"},  # 刘伟's says Chinese
    ),
    "language from the text when the profile has none": (
        lambda desk: {"languages": ["zh-hans"]},
        lambda desk: {"who": "nolang", "title": "打印机坏了"},
        lambda desk: {"who": "nolang", "title": "Printer broken"},
    ),
    "English word, any case, inside a word": (
        lambda desk: {"keywords": "printer\nvpn"},
        lambda desk: {"title": "My VPNs are down"},
        lambda desk: {"title": "Screen flickers"},
    ),
    "word in the description": (
        lambda desk: {"keywords": "VPN"},
        lambda desk: {"title": "Cannot work from home", "description": "The vpn client says no."},
        lambda desk: {"title": "Cannot work from home", "description": "The screen stays black."},
    ),
    "Chinese word inside a sentence": (
        lambda desk: {"keywords": "打印机，网络、无线"},
        lambda desk: {"title": "三楼的无线网络经常断线"},
        lambda desk: {"title": "三楼的投影仪坏了"},
    ),
    "desk": (
        lambda desk: {"desks": [_other_desk()]},
        lambda desk: {"desk": Desk.objects.get(prefix="BJ")},
        lambda desk: {},
    ),
}


@pytest.mark.parametrize("name", list(CONDITIONS))
def test_each_condition_routes_only_the_tickets_it_matches(desk, make_rule, name):
    condition, matching, other = CONDITIONS[name]
    User.objects.create(username="nolang", role="customer")
    make_rule("Condition under test", set_group=desk.second_line, **condition(desk))

    def open_with(spec):
        spec = dict(spec)
        return open_as(desk, spec.pop("who", "customer1"), **spec)

    hit = open_with(matching(desk))
    miss = open_with(other(desk))
    assert hit.group == desk.second_line and hit.status == Status.ASSIGNED
    assert miss.group is None and miss.status == Status.NEW


def test_all_given_conditions_must_hold(desk, make_rule):
    make_rule("VPN from organisation B", keywords="VPN",
              organisations=[Organisation.objects.get(name="Organisation B")], set_group=desk.second_line)
    assert open_as(desk, "customer3", title="VPN down").group == desk.second_line
    assert open_as(desk, "customer1", title="VPN down").group is None
    assert open_as(desk, "customer3", title="Printer jam").group is None


def test_rule_conditions_are_validated(desk, make_rule):
    with pytest.raises(ValidationError) as failed:
        make_rule("bad", channels=["fax"], ticket_types=["wish"], languages=["fr"])
    assert set(failed.value.message_dict) == {"channels", "ticket_types", "languages"}


def test_inactive_rules_are_ignored(desk, make_rule):
    make_rule("Off", keywords="VPN", set_group=desk.second_line, is_active=False)
    assert open_as(desk, title="VPN down").group is None


# ---------------------------------------------------------------------------------------------
# Actions, and what the history says


def test_set_group_on_creation_is_recorded_as_the_system_with_the_rule(desk, make_rule):
    make_rule("VPN to 2nd line", keywords="vpn", set_group=desk.second_line)
    ticket = open_as(desk, title="VPN 连接不上")
    assert (ticket.group, ticket.assignee, ticket.status) == (desk.second_line, None, Status.ASSIGNED)
    assert ticket.owner is None  # the system routed it; nobody took the contact yet
    entry = history(ticket, field="group")[0]
    assert entry.actor.is_system_identity and entry.channel == Channel.SYSTEM and entry.event == "assigned"
    assert entry.new_value == desk.second_line.name
    assert entry.note == "routing rule: VPN to 2nd line"
    assert fresh(ticket).version == ticket.version == 2


def test_set_category(desk, make_rule):
    make_rule("Mail words", keywords="mailbox", set_category=category("Mailbox full"))
    ticket = open_as(desk, title="Mailbox is full", category=category("Password reset"))
    assert ticket.category == category("Mailbox full")
    entry = history(ticket, field="category")[0]
    assert entry.old_value.endswith("Password reset") and entry.new_value.endswith("Mailbox full")
    assert entry.note == "routing rule: Mail words"


def test_set_impact_and_urgency_gives_the_matrix_priority(desk, make_rule):
    make_rule("Outage words", keywords="outage", set_impact=1, set_urgency=1)
    ticket = open_as(desk, title="Total outage")
    assert (ticket.impact, ticket.urgency, ticket.priority) == (1, 1, Priority.CRITICAL)
    assert not ticket.priority_overridden
    assert {e.field for e in history(ticket, note="routing rule: Outage words")} == {"impact", "urgency", "priority"}


def test_set_priority_overrides_the_matrix_and_says_so(desk, make_rule):
    make_rule("Planning", ticket_types=[TicketType.CHANGE_REQUEST], set_priority=Priority.PLANNING)
    ticket = open_as(desk, "agent1", title="Upgrade the switch", type=TicketType.CHANGE_REQUEST)
    assert ticket.priority == Priority.PLANNING and ticket.priority_overridden
    entry = history(ticket, field="priority")[0]
    assert entry.note.startswith("routing rule: Planning; override: impact 2 × urgency 2 gives 3")


def test_set_owner(desk, make_rule):
    make_rule("Complaints", ticket_types=[TicketType.COMPLAINT], set_owner=desk.manager)
    ticket = open_as(desk, title="Waited 20 minutes on the phone", type=TicketType.COMPLAINT)
    assert ticket.owner == desk.manager
    assert history(ticket, field="owner")[0].note == "routing rule: Complaints"


def test_owner_must_be_desk_staff(desk, make_rule):
    with pytest.raises(ValidationError):
        make_rule("bad", set_owner=desk.customer1)


def test_add_tags_once_and_recorded(desk, make_rule):
    make_rule("Tag network", keywords="network", add_tags=["network", "vip"])
    make_rule("Tag again", order=5, keywords="network", add_tags=["network"])
    ticket = open_as(desk, title="No network")
    assert [t.name for t in engine.tags_of(ticket)] == ["network", "vip"]
    assert TicketTag.objects.filter(ticket=ticket).count() == 2
    tagged = history(ticket, event="tagged")
    assert [(e.new_value, e.note, e.actor) for e in tagged] == [
        ("network, vip", "routing rule: Tag network", system_user())]


def test_one_rule_with_several_actions_is_one_change(desk, make_rule):
    make_rule("VPN", keywords="VPN", set_group=desk.second_line, set_category=category("Cannot connect"),
              set_urgency=1)
    ticket = open_as(desk, title="VPN down")
    assert (ticket.group, ticket.category, ticket.urgency, ticket.priority) == (
        desk.second_line, category("Cannot connect"), 1, Priority.HIGH)
    assert {e.version for e in history(ticket, note__startswith="routing rule")} == {2}


# ---------------------------------------------------------------------------------------------
# Order, stop, later rules see earlier changes


def test_rules_run_in_order_and_later_ones_win(desk, make_rule):
    first = make_rule("To 2nd line", order=10, keywords="VPN", set_group=desk.second_line)
    second = make_rule("To 3rd line", order=20, keywords="VPN", set_group=desk.third_line)
    ticket = open_as(desk, title="VPN down")
    assert ticket.group == desk.third_line
    assert [e.new_value for e in history(ticket, field="group")] == [desk.second_line.name, desk.third_line.name]
    first.order, second.order = 30, 5  # administrators reorder
    first.save()
    second.save()
    assert open_as(desk, title="VPN down again").group == desk.second_line


def test_stop_after_this_rule(desk, make_rule):
    make_rule("To 2nd line and stop", order=10, keywords="VPN", set_group=desk.second_line, stop=True)
    make_rule("To 3rd line", order=20, keywords="VPN", set_group=desk.third_line, add_tags=["late"])
    ticket = open_as(desk, title="VPN down")
    assert ticket.group == desk.second_line and engine.tags_of(ticket) == []
    # A rule that does not match does not stop anything.
    assert open_as(desk, title="Printer jam").group is None


def test_later_rules_see_what_earlier_rules_changed(desk, make_rule):
    make_rule("Classify", order=1, keywords="VPN", set_category=category("Cannot connect"))
    make_rule("Route the VPN category", order=2, categories=[category("VPN")], set_group=desk.second_line)
    ticket = open_as(desk, title="VPN down")
    assert ticket.group == desk.second_line


# ---------------------------------------------------------------------------------------------
# On creation: what staff chose stays; a refused rule never blocks a ticket


def test_staff_choices_at_creation_are_kept(desk, make_rule):
    make_rule("Everything", set_group=desk.third_line, set_priority=Priority.LOW, set_owner=desk.manager,
              set_category=category("ERP"), add_tags=["seen"])
    ticket = actions.create_ticket(actor=desk.agent1, requester=desk.customer1, title="Call: VPN",
                                   channel=Channel.PHONE, group=desk.second_line, priority=Priority.HIGH,
                                   category=category("VPN"))
    assert (ticket.group, ticket.priority, ticket.owner, ticket.category) == (
        desk.second_line, Priority.HIGH, desk.agent1, category("VPN"))
    assert [t.name for t in engine.tags_of(ticket)] == ["seen"]
    # What the agent left open, the rules fill in.
    other = actions.create_ticket(actor=desk.agent1, requester=desk.customer1, title="Call: ERP")
    assert (other.group, other.priority, other.owner, other.category) == (
        desk.third_line, Priority.LOW, desk.agent1, category("ERP"))


def test_a_customer_classification_can_be_corrected_by_rules(desk, make_rule):
    make_rule("VPN", keywords="VPN", set_category=category("Cannot connect"), set_impact=1)
    ticket = open_as(desk, title="VPN down", category=category("Laptop"), impact=3)
    assert (ticket.category, ticket.impact) == (category("Cannot connect"), 1)


def test_a_refused_rule_is_undone_recorded_and_the_next_rules_still_run(desk, make_rule):
    make_rule("To the old team", order=1, keywords="VPN", set_group=desk.supplier, set_urgency=1)
    make_rule("Tag", order=2, keywords="VPN", add_tags=["vpn"])
    desk.supplier.is_active = False  # retired after the rule was written
    desk.supplier.save()
    ticket = open_as(desk, title="VPN down")
    assert ticket.pk and ticket.group is None and ticket.urgency == 2  # nothing of the refused rule stayed
    failed = history(ticket, event="routing_failed")[0]
    assert failed.internal and failed.actor.is_system_identity
    assert failed.note.startswith("routing rule: To the old team: The group Hardware supplier is not active")
    assert [t.name for t in engine.tags_of(ticket)] == ["vpn"]


def test_creation_through_the_api_returns_the_routed_ticket(desk, make_rule, api):
    make_rule("VPN", keywords="VPN", set_group=desk.second_line, add_tags=["network"])
    response = api("customer1").post("tickets", {"title": "VPN 连接不上", "type": "incident"})
    assert response.status_code == 201, response.json_body
    body = response.json_body
    assert body["group"]["id"] == desk.second_line.pk and body["status"] == "assigned"
    assert body["version"] == fresh_version(body["id"])
    assert api("customer1").get(f"tickets/{body['id']}/tags").json_body == ["network"]
    # Customers see the routing in the history, without the internal lines.
    notes = [h["note"] for h in api("customer1").get(f"tickets/{body['id']}/history").json_body]
    assert "routing rule: VPN" in notes


def fresh_version(pk):
    from servicedesk.tickets.models import Ticket
    return Ticket.objects.get(pk=pk).version


# ---------------------------------------------------------------------------------------------
# On demand


def test_route_on_demand_applies_the_current_rules_as_the_agent(desk, make_rule):
    ticket = open_as(desk, title="VPN down")
    assert ticket.group is None
    make_rule("VPN", keywords="VPN", set_group=desk.second_line)
    result = engine.route_ticket(ticket, actor=desk.agent1, channel=Channel.CONSOLE)
    assert [a.rule.name for a in result.applied] == ["VPN"] and result.applied[0].changed == ["group"]
    assert fresh(ticket).group == desk.second_line
    entry = history(ticket, field="group")[0]
    assert (entry.actor, entry.channel, entry.note) == (desk.agent1, Channel.CONSOLE, "routing rule: VPN")
    # Again: nothing left to do, nothing changes.
    version = fresh(ticket).version
    again = engine.route_ticket(ticket, actor=desk.manager)
    assert again.applied[0].changed == [] and fresh(ticket).version == version


def test_route_on_demand_refusals(desk, make_rule):
    ticket = open_as(desk, title="VPN down")
    with pytest.raises(actions.NotAllowed):
        engine.route_ticket(ticket, actor=desk.customer1)
    with pytest.raises(actions.NotFound):
        engine.route_ticket(ticket, actor=desk.customer3)
    actions.transition(ticket, "resolve", actor=desk.agent1, comment="Fixed.")
    with pytest.raises(actions.ActionError, match="Only open tickets"):
        engine.route_ticket(ticket, actor=desk.agent1)


def test_route_endpoint(desk, make_rule, api):
    ticket = open_as(desk, title="网络断了")
    make_rule("Network", keywords="网络", set_group=desk.second_line, add_tags=["network"])
    make_rule("Broken", order=9, keywords="网络", set_group=desk.supplier)
    desk.supplier.is_active = False
    desk.supplier.save()
    response = api("agent1").post(f"tickets/{ticket.pk}/route")
    assert response.status_code == 200, response.json_body
    body = response.json_body
    assert body["ticket"]["group"]["id"] == desk.second_line.pk
    assert [(a["rule"]["name"], a["changed"]) for a in body["applied"]] == [("Network", ["group", "tags"])]
    assert [f["rule"]["name"] for f in body["failed"]] == ["Broken"]
    assert "not active" in body["failed"][0]["message"]
    assert body["tags"] == ["network"]
    assert api("customer1").post(f"tickets/{ticket.pk}/route").status_code == 403
    assert api("customer3").post(f"tickets/{ticket.pk}/route").status_code == 404
    assert api("agent1").post("tickets/999999/route").status_code == 404



# ---------------------------------------------------------------------------------------------
# The rules are cached (core.refdata): every change to them, or to what they name, applies at once


def test_cached_rules_follow_each_change(desk, make_rule):
    def routed_group(title="Printer on fire"):
        return open_as(desk, title=title).group_id

    assert routed_group() is None
    rule = make_rule("printers", keywords="printer", set_group=desk.second_line)
    assert routed_group() == desk.second_line.pk
    rule.set_group = desk.third_line
    rule.save()
    assert routed_group() == desk.third_line.pk
    rule.desks.set([_other_desk()])  # a condition added through its many-to-many
    assert routed_group() is None
    rule.desks.clear()
    assert routed_group() == desk.third_line.pk
    desk.third_line.is_active = False  # what a rule names changes: the rule is refused, not applied
    desk.third_line.save()
    assert routed_group() is None
    rule.delete()
    desk.third_line.is_active = True
    desk.third_line.save()
    assert routed_group() is None
