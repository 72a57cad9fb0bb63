"""What is affected if an item fails, and the tickets of an item.

`impact` walks the relations backwards from the failing item (whatever runs on it, depends on it or is part of
it is affected; see models.IMPACT_KINDS) level by level up to a depth limit, on the process's copy of the graph
(cmdb.graph, checked against the database's version first): each item keeps the lowest level it was reached at
and is never walked from twice, so a cycle (A depends on B depends on A) ends.
"""

from __future__ import annotations

import dataclasses
import json

from django.db import connection
from django.db.models import QuerySet
from django.db.models.expressions import RawSQL

from servicedesk.accounts.models import User
from servicedesk.tickets.models import OPEN_STATUSES, Ticket
from servicedesk.tickets.permissions import visible_tickets

from . import graph
from .models import IMPACT_KINDS, ConfigItem, Relation, TicketItem

DEFAULT_DEPTH = 5
MAX_DEPTH = 10
# The graph draws at most this many items, the list by level names at most LIST_LIMIT (the nearest levels
# first); the counts cover them all.
GRAPH_LIMIT = 300
LIST_LIMIT = 1000
PEOPLE_LIMIT = 500


@dataclasses.dataclass
class Impact:
    item: ConfigItem
    depth: int
    counts: dict[int, int]  # level → how many items are affected at it (1: directly, 2: through one more …)
    levels: dict[int, list[ConfigItem]]  # the first LIST_LIMIT of them, nearest levels first, by name
    services: list[ConfigItem]  # the service items among the affected (the item itself included)
    people: list[User]  # whose devices are affected, and who has open tickets on them (at most PEOPLE_LIMIT)
    people_count: int
    edges: list[tuple[int, int, str]]  # (source, target, kind) among the item and the first GRAPH_LIMIT affected

    @property
    def affected(self) -> list[ConfigItem]:
        return [item for level in sorted(self.levels) for item in self.levels[level]]

    @property
    def count(self) -> int:
        return sum(self.counts.values())

    @property
    def listed_all(self) -> bool:
        return len(self.affected) == self.count


def _ids_table() -> str:
    """A table of ids, its column `value`, from ONE parameter (see _ids_param): tens of thousands of ids would
    pass SQLite's limit of bound variables as `IN (%s, %s, …)`, and PostgreSQL plans an array literal of them
    for 15 ms."""
    return "unnest(%s::bigint[]) AS f(value)" if connection.vendor == "postgresql" else "json_each(%s) AS f"


def _ids_param(ids) -> list[int] | str:
    return list(ids) if connection.vendor == "postgresql" else json.dumps(list(ids))


def id_set(ids) -> RawSQL:
    """`ids` as a subquery for `pk__in=`, however many there are."""
    return RawSQL(f"SELECT f.value FROM {_ids_table()}", [_ids_param(ids)])


def affected_levels(item_id: int, depth: int = DEFAULT_DEPTH) -> dict[int, int]:
    """{item id: the lowest level it is affected at} for everything a failure of `item_id` reaches within
    `depth` steps (the item itself not included), walked on the process's copy of the graph (cmdb.graph)."""
    return graph.current(connection.alias).walk(item_id, depth)


def impact(item_or_id: ConfigItem | int, *, depth: int = DEFAULT_DEPTH) -> Impact:
    """Everything affected if the item fails, by level; the services among them; the people who use them.
    The walk names the affected items by id and level only; the nearest LIST_LIMIT are loaded as objects, the
    services and the people found by set queries over the rest."""
    depth = max(1, min(int(depth), MAX_DEPTH))
    item = item_or_id if isinstance(item_or_id, ConfigItem) else ConfigItem.objects.select_related("type").get(
        pk=item_or_id)
    level_of = affected_levels(item.pk, depth)
    counts: dict[int, int] = {}
    for level in level_of.values():
        counts[level] = counts.get(level, 0) + 1
    nearest = sorted(level_of, key=lambda pk: (level_of[pk], pk))[:LIST_LIMIT]
    # The whole affected set stays in the database's hands: only the services and the people come back.
    affected = id_set(level_of)
    found_services = [*ConfigItem.objects.filter(pk__in=affected, type__is_service=True).select_related("type"),
                      *([item] if item.type.is_service else [])]
    found_services.sort(key=lambda i: (level_of.get(i.pk, 0), i.name))
    loaded = {i.pk: i for i in ConfigItem.objects.filter(pk__in=nearest).select_related("type", "user")}
    levels: dict[int, list[ConfigItem]] = {}
    for pk in nearest:
        levels.setdefault(level_of[pk], []).append(loaded[pk])
    for listed in levels.values():
        listed.sort(key=lambda i: (i.name, i.pk))
    drawn = [item.pk, *nearest[:GRAPH_LIMIT - 1]]
    edges = list(Relation.objects.filter(source_id__in=drawn, target_id__in=drawn, kind__in=IMPACT_KINDS)
                 .values_list("source_id", "target_id", "kind"))
    user_ids = {item.user_id} - {None}
    user_ids |= set(ConfigItem.objects.filter(pk__in=affected, user__isnull=False)
                    .values_list("user_id", flat=True).distinct())
    user_ids |= set(TicketItem.objects.filter(ticket__status__in=OPEN_STATUSES,
                                              item_id__in=id_set([item.pk, *level_of]))
                    .values_list("ticket__requester_id", flat=True).distinct())
    people = sorted(User.objects.filter(pk__in=sorted(user_ids)[:PEOPLE_LIMIT], is_active=True),
                    key=lambda u: (u.display_name.lower(), u.pk))
    return Impact(item=item, depth=depth, counts=counts, levels=levels, services=found_services, people=people,
                  people_count=len(user_ids), edges=edges)


def items_for_ticket(ticket: Ticket) -> list[ConfigItem]:
    return list(ConfigItem.objects.filter(ticket_links__ticket=ticket).select_related("type", "user")
                .order_by("name", "id"))


def tickets_for_item(item: ConfigItem, *, user) -> QuerySet:
    """The tickets linked to the item that `user` may see, newest first."""
    return visible_tickets(user, Ticket.objects.filter(item_links__item=item)).order_by("-created_at", "-id")
