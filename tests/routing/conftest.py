"""Routing test helpers: rules, a resolver group of our own, and reading a ticket's history back."""

import pytest

from servicedesk.accounts.models import Group, GroupKind, Role, User
from servicedesk.routing.models import GroupAssignment, RoutingRule, Tag
from servicedesk.tickets.models import Category, HistoryEntry, Ticket


def fresh(ticket) -> Ticket:
    return Ticket.objects.get(pk=ticket.pk)


def history(ticket, **filters) -> list[HistoryEntry]:
    return list(HistoryEntry.objects.filter(ticket_id=ticket.pk, **filters).order_by("id"))


def category(name: str) -> Category:
    return Category.objects.get(name=name)


@pytest.fixture
def make_rule(desk):
    """make_rule(name, order=..., categories=[...], add_tags=["x"], **fields) → a saved, validated rule."""

    def make(name="rule", *, categories=(), organisations=(), desks=(), add_tags=(), **fields):
        rule = RoutingRule(name=name, **fields)
        rule.full_clean()
        rule.save()
        rule.categories.set(categories)
        rule.organisations.set(organisations)
        rule.desks.set(desks)
        rule.add_tags.set([Tag.objects.get_or_create(name=t)[0] for t in add_tags])
        return rule

    return make


@pytest.fixture
def team(desk):
    """A resolver group "Routing team" with three agents r1, r2, r3 (ids in that order)."""
    people = [User.objects.create(username=f"r{n}", role=Role.AGENT, first_name=f"R{n}") for n in (1, 2, 3)]
    group = Group.objects.create(name="Routing team", kind=GroupKind.TEAM, tier=2)
    group.members.set(people)

    class Team:
        pass

    t = Team()
    t.group, t.people = group, people
    t.r1, t.r2, t.r3 = people

    def strategy(name):
        GroupAssignment.objects.update_or_create(group=group, defaults={"strategy": name})

    t.strategy = strategy
    return t
