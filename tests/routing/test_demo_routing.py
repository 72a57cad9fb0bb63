"""The demo's routing: loaded with the full demo only, idempotent, and doing what its names say."""

import io

from django.core.management import call_command

from servicedesk.routing.demo import ensure_demo_routing
from servicedesk.routing.models import GroupAssignment, RoutingRule, Skill, Strategy
from servicedesk.tickets import actions
from servicedesk.tickets.models import Channel, Priority, Ticket, TicketType

from .conftest import category


def test_the_bare_desk_has_no_rules(desk):
    assert not RoutingRule.objects.exists() and not GroupAssignment.objects.exists()


def test_demo_routing_is_idempotent_and_routes(desk):
    assert ensure_demo_routing() == 4
    assert ensure_demo_routing() == 0
    assert RoutingRule.objects.count() == 4 and Skill.objects.count() == 2
    assert GroupAssignment.objects.get(group=desk.second_line).strategy == Strategy.ROUND_ROBIN

    vpn = actions.create_ticket(actor=desk.customer1, title="VPN 连接不上", channel=Channel.PORTAL)
    wifi = actions.create_ticket(actor=desk.customer2, title="Office wifi drops")
    assert vpn.group == wifi.group == desk.second_line
    assert {vpn.assignee, wifi.assignee} == {desk.agent2, desk.lead1}  # round-robin over the two members

    complaint = actions.create_ticket(actor=desk.customer3, title="网络太慢，投诉", type=TicketType.COMPLAINT)
    assert complaint.owner == desk.manager and complaint.priority == Priority.HIGH
    assert complaint.group is None  # "stop": the network rule was not tried

    printer = actions.create_ticket(actor=desk.customer1, title="卡纸", category=category("Printer fault"))
    assert printer.group == desk.supplier and printer.assignee is None

    erp = actions.create_ticket(actor=desk.agent1, requester=desk.customer1, title="ERP report",
                                group=desk.third_line, category=category("Report error"))
    assert erp.assignee == desk.agent2  # skill in ERP


def test_full_demo_loads_the_routing_after_its_tickets(db):
    call_command("demo", stdout=io.StringIO())
    assert RoutingRule.objects.count() == 4
    assert 40 <= Ticket.objects.count() <= 60
    call_command("demo", stdout=io.StringIO())
    assert RoutingRule.objects.count() == 4
