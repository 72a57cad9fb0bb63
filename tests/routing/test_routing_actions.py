"""routing.actions: the tags routing puts on a ticket (once, in the ticket's history, under the system
identity when a rule did it) and the round-robin pointer, written by actions the engine calls."""

from servicedesk.accounts.identity import system_user
from servicedesk.routing import actions as routing_actions
from servicedesk.routing import engine
from servicedesk.routing.models import GroupAssignment, RoutingRule, Strategy, Tag, TicketTag
from servicedesk.tickets import actions
from servicedesk.tickets.models import Channel, HistoryEntry

from .conftest import fresh, team  # noqa: F401  (team: a fixture)


def new_ticket(desk, title="Printer jam"):
    return actions.create_ticket(actor=desk.customer1, requester=desk.customer1, title=title)


def test_tags_are_added_once_and_recorded_in_the_history(desk):
    ticket = new_ticket(desk)
    vip, network = Tag.objects.create(name="vip"), Tag.objects.create(name="network")
    rule = RoutingRule.objects.create(name="Tagger")
    tagged, added = routing_actions.tag_ticket(ticket, [vip, network], rule=rule, actor=system_user(),
                                               channel=Channel.SYSTEM)
    assert added == [vip, network] and tagged.version == fresh(ticket).version == ticket.version + 1
    again, added_again = routing_actions.tag_ticket(tagged, [vip], rule=rule, actor=system_user(),
                                                    channel=Channel.SYSTEM)
    assert added_again == [] and fresh(ticket).version == tagged.version
    assert {(t.tag.name, t.rule_id) for t in TicketTag.objects.filter(ticket=ticket)} == {("vip", rule.pk),
                                                                                           ("network", rule.pk)}
    entry = HistoryEntry.objects.get(ticket=ticket, event="tagged")
    assert (entry.new_value, entry.note, entry.actor) == ("vip, network", "routing rule: Tagger", system_user())
    assert [t.name for t in engine.tags_of(ticket)] == ["network", "vip"]


def test_a_rule_s_tags_go_through_the_action(desk):
    rule = RoutingRule.objects.create(name="Printers", keywords="printer")
    rule.add_tags.set([Tag.objects.create(name="hardware")])
    ticket = new_ticket(desk)
    entry = HistoryEntry.objects.get(ticket=ticket, event="tagged")
    assert entry.actor == system_user() and entry.channel == Channel.SYSTEM and entry.new_value == "hardware"


def test_round_robin_moves_the_pointer_through_the_action(desk, team):  # noqa: F811
    team.strategy(Strategy.ROUND_ROBIN)
    setting = GroupAssignment.objects.get(group=team.group)
    routing_actions.advance_round_robin(setting, team.r2)
    stored = GroupAssignment.objects.get(group=team.group)
    assert stored.last_assignee == team.r2 and stored.last_assigned_at is not None
    # The next ticket routed into the group goes to the one after the pointer.
    ticket = actions.assign(new_ticket(desk), actor=desk.agent1, group=team.group)
    assert ticket.assignee == team.r3
    assert GroupAssignment.objects.get(group=team.group).last_assignee == team.r3
