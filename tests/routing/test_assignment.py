"""Auto-assignment inside a group: round-robin, least open work, skill; away and inactive people skipped."""

import threading
from collections import Counter

import pytest
from django.db import connection, connections

from servicedesk.routing.models import GroupAssignment, Skill, Strategy
from servicedesk.tickets import actions
from servicedesk.tickets.models import Status

from .conftest import category, fresh, history


def new_ticket(desk, title="Something is wrong", **kwargs):
    return actions.create_ticket(actor=desk.customer1, title=title, **kwargs)


def route(desk, team, ticket=None, **kwargs):
    """desk.manager routes a new (or the given) ticket to the team without naming a person."""
    ticket = ticket or new_ticket(desk, **kwargs)
    return actions.assign(ticket, actor=desk.manager, group=team.group)


def test_no_strategy_leaves_the_ticket_in_the_group_queue(desk, team):
    assert route(desk, team).assignee is None
    team.strategy(Strategy.NONE)
    ticket = route(desk, team)
    assert ticket.assignee is None and ticket.status == Status.ASSIGNED
    assert history(ticket, event="auto_assignment") == []


def test_round_robin_rotates_and_says_so(desk, team):
    team.strategy(Strategy.ROUND_ROBIN)
    chosen = [route(desk, team).assignee for _ in range(7)]
    assert chosen == [team.r1, team.r2, team.r3, team.r1, team.r2, team.r3, team.r1]
    ticket = route(desk, team)
    entry = history(ticket, field="assignee")[0]
    assert entry.actor == desk.manager and entry.new_value == "r2"
    assert entry.note == "auto-assignment (round robin) in Routing team"
    assert GroupAssignment.objects.get(group=team.group).last_assignee == team.r2


def test_round_robin_skips_away_and_inactive_people_and_continues_fairly(desk, team):
    team.strategy(Strategy.ROUND_ROBIN)
    assert route(desk, team).assignee == team.r1
    team.r2.is_away = True
    team.r2.save()
    assert [route(desk, team).assignee for _ in range(3)] == [team.r3, team.r1, team.r3]
    team.r2.is_away = False
    team.r2.save()
    team.r3.is_active = False
    team.r3.save()
    assert [route(desk, team).assignee for _ in range(3)] == [team.r1, team.r2, team.r1]


def test_the_group_lead_and_customers_are_not_candidates(desk, team):
    team.strategy(Strategy.ROUND_ROBIN)
    team.group.lead = desk.lead1
    team.group.save()
    team.group.members.set([team.r1, desk.customer2])
    assert {route(desk, team).assignee for _ in range(3)} == {team.r1}


def test_nobody_available_leaves_it_in_the_queue_with_the_reason(desk, team):
    team.strategy(Strategy.ROUND_ROBIN)
    for person in team.people:
        person.is_away = True
        person.save()
    ticket = route(desk, team)
    assert ticket.assignee is None and ticket.group == team.group and ticket.status == Status.ASSIGNED
    entry = history(ticket, event="auto_assignment")[0]
    assert entry.internal
    assert entry.note == "auto-assignment (round robin): nobody in Routing team is available (all away or inactive)"


def test_least_open_work(desk, team):
    team.strategy(Strategy.NONE)
    # r1 has two open tickets, r2 one open and three closed, r3 one open.
    for person, open_count in ((team.r1, 2), (team.r2, 1), (team.r3, 1)):
        for _ in range(open_count):
            actions.assign(new_ticket(desk), actor=desk.manager, group=team.group, assignee=person)
    for _ in range(3):
        done = actions.assign(new_ticket(desk), actor=desk.manager, group=team.group, assignee=team.r2)
        actions.transition(done, "resolve", actor=team.r2, comment="Fixed.")
    team.strategy(Strategy.LEAST_OPEN)
    # r2 and r3 tie at one: r2 comes first in the round; then r3 is least busy; then all three tie at two.
    assert [route(desk, team).assignee for _ in range(4)] == [team.r2, team.r3, team.r1, team.r2]
    entry = history(route(desk, team), field="assignee")[0]
    assert entry.note == "auto-assignment (least open) in Routing team: 2 open tickets"


def test_skill_matches_the_category_and_its_parent_and_ties_go_to_the_least_busy(desk, team):
    team.strategy(Strategy.SKILL)
    vpn = category("VPN")
    Skill.objects.create(user=team.r1, category=vpn, level=2)  # parent category: covers "Cannot connect"
    Skill.objects.create(user=team.r2, category=category("Cannot connect"), level=5)
    Skill.objects.create(user=team.r3, category=category("ERP"), level=5)
    # r1 and r2 both idle: the higher level wins the tie.
    first = route(desk, team, category=category("Cannot connect"))
    assert first.assignee == team.r2
    assert history(first, field="assignee")[0].note == (
        "auto-assignment (skill) in Routing team: skill in Cannot connect level 5, 0 open tickets")
    # Now r2 has one open ticket: r1 is less busy.
    assert route(desk, team, category=category("Cannot connect")).assignee == team.r1
    # Equal load again: level decides; r3's ERP skill never counts for VPN.
    assert route(desk, team, category=category("Cannot connect")).assignee == team.r2
    assert route(desk, team, category=vpn).assignee == team.r1
    assert route(desk, team, category=category("Report error")).assignee == team.r3


def test_skill_ties_without_levels_take_turns(desk, team):
    team.strategy(Strategy.SKILL)
    for person in team.people:
        Skill.objects.create(user=person, category=category("ERP"))
    chosen = [route(desk, team, category=category("ERP")).assignee for _ in range(3)]
    assert sorted(p.username for p in chosen) == ["r1", "r2", "r3"]


def test_skill_without_a_match_or_a_category_leaves_it_in_the_queue(desk, team):
    team.strategy(Strategy.SKILL)
    Skill.objects.create(user=team.r1, category=category("ERP"))
    no_match = route(desk, team, category=category("Laptop"))
    assert no_match.assignee is None
    assert history(no_match, event="auto_assignment")[0].note.endswith("has a skill in Laptop")
    no_category = route(desk, team)
    assert no_category.assignee is None
    assert "no category" in history(no_category, event="auto_assignment")[0].note
    team.r1.is_away = True
    team.r1.save()
    assert route(desk, team, category=category("ERP")).assignee is None


def test_an_agent_naming_a_person_or_keeping_the_group_does_not_trigger_it(desk, team):
    team.strategy(Strategy.ROUND_ROBIN)
    ticket = actions.assign(new_ticket(desk), actor=desk.manager, group=team.group, assignee=team.r3)
    assert ticket.assignee == team.r3
    handed_back = actions.update_ticket(ticket, actor=desk.manager, changes={"assignee": None})
    assert handed_back.assignee is None  # handing work back to the group's queue stays so
    assert GroupAssignment.objects.get(group=team.group).last_assignee is None


def test_transition_assign_and_rerouting_auto_assign(desk, team):
    team.strategy(Strategy.ROUND_ROBIN)
    ticket = actions.transition(new_ticket(desk), "assign", actor=desk.manager, group=team.group)
    assert ticket.assignee == team.r1
    moved = actions.assign(ticket, actor=desk.manager, group=desk.second_line)
    assert moved.assignee is None  # r1 is not in the 2nd line; the 2nd line has no auto-assignment
    back = actions.assign(moved, actor=desk.manager, group=team.group)
    assert back.assignee == team.r2


def test_creation_into_a_group_auto_assigns(desk, team):
    team.strategy(Strategy.ROUND_ROBIN)
    by_agent = actions.create_ticket(actor=desk.agent1, requester=desk.customer1, title="Call", group=team.group)
    assert by_agent.assignee == team.r1 and fresh(by_agent).assignee == team.r1
    entry = history(by_agent, field="assignee")[0]
    assert entry.actor.is_system_identity and entry.channel == "system"
    chosen = actions.create_ticket(actor=desk.agent1, requester=desk.customer1, title="Call", group=team.group,
                                   assignee=team.r3)
    assert chosen.assignee == team.r3


def test_a_rule_routing_to_a_group_auto_assigns_once(desk, team, make_rule):
    team.strategy(Strategy.ROUND_ROBIN)
    make_rule("VPN", keywords="VPN", set_group=team.group)
    ticket = new_ticket(desk, title="VPN down")
    assert ticket.assignee == team.r1
    entry = history(ticket, field="assignee")[0]
    assert entry.note == "routing rule: VPN; auto-assignment (round robin) in Routing team"
    assert entry.version == history(ticket, field="group")[0].version
    assert GroupAssignment.objects.get(group=team.group).last_assignee == team.r1
    assert new_ticket(desk, title="VPN again").assignee == team.r2


def test_category_default_group_at_creation_auto_assigns(desk, team):
    team.strategy(Strategy.LEAST_OPEN)
    erp = category("ERP")
    erp.default_group = team.group
    erp.save()
    ticket = actions.create_ticket(actor=desk.agent1, requester=desk.customer1, title="ERP slow", category=erp)
    assert ticket.group == team.group and ticket.assignee == team.r1


# ---------------------------------------------------------------------------------------------
# Concurrency: the pointer row lock


@pytest.mark.django_db(transaction=True)
def test_round_robin_is_fair_under_concurrent_routing(desk, team):
    if connection.vendor != "postgresql":
        pytest.skip("SQLite serialises every writer; row locks are what this tests (run on PostgreSQL)")
    team.strategy(Strategy.ROUND_ROBIN)
    tickets = [new_ticket(desk, title=f"Parallel {n}") for n in range(9)]
    start = threading.Barrier(len(tickets))
    errors = []

    def work(ticket):
        try:
            start.wait(timeout=30)
            actions.assign(ticket.pk, actor=desk.manager, group=team.group)
        except Exception as exc:  # noqa: BLE001 — reported below
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=work, args=(t,)) for t in tickets]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert not errors
    counts = Counter(fresh(t).assignee.username for t in tickets)
    assert counts == {"r1": 3, "r2": 3, "r3": 3}
