"""What is affected if an item fails, and the tickets of an item.

`impact` walks the relations backwards from the failing item (whatever runs on it, depends on it or is part of
it is affected; see models.IMPACT_KINDS) in ONE recursive query with a depth limit: each item keeps the lowest
level it was reached at, and a cycle (A depends on B depends on A) ends at the depth limit instead of running
forever. The index cmdb_relation_impact (target, kind, source) answers each step.
"""

from __future__ import annotations

import dataclasses

from django.db import connection
from django.db.models import QuerySet

from servicedesk.accounts.models import User
from servicedesk.tickets.models import OPEN_STATUSES, Ticket
from servicedesk.tickets.permissions import visible_tickets

from .models import IMPACT_KINDS, ConfigItem, Relation

DEFAULT_DEPTH = 5
MAX_DEPTH = 10
# The graph draws at most this many items (the nearest levels first); the list by level names them all.
GRAPH_LIMIT = 300


@dataclasses.dataclass
class Impact:
    item: ConfigItem
    depth: int
    levels: dict[int, list[ConfigItem]]  # 1: directly affected, 2: through one more item …
    services: list[ConfigItem]  # the service items among the affected (the item itself included)
    people: list[User]  # whose devices are affected, and who has open tickets on the affected items
    edges: list[tuple[int, int, str]]  # (source, target, kind) among the item and the affected ones

    @property
    def affected(self) -> list[ConfigItem]:
        return [item for level in sorted(self.levels) for item in self.levels[level]]

    @property
    def count(self) -> int:
        return sum(len(items) for items in self.levels.values())


def affected_levels(item_id: int, depth: int = DEFAULT_DEPTH) -> dict[int, int]:
    """{item id: the lowest level it is affected at} for everything a failure of `item_id` reaches within
    `depth` steps (the item itself not included)."""
    quote = connection.ops.quote_name
    table = quote(Relation._meta.db_table)
    kinds = ", ".join(["%s"] * len(IMPACT_KINDS))
    sql = (
        f"WITH RECURSIVE affected(item, level) AS ("
        f" SELECT %s, 0"
        f" UNION"
        f" SELECT r.{quote('source_id')}, a.level + 1 FROM {table} r JOIN affected a ON r.{quote('target_id')} = a.item"
        f" WHERE a.level < %s AND r.{quote('kind')} IN ({kinds})"
        f") SELECT item, MIN(level) FROM affected WHERE item <> %s GROUP BY item"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [item_id, depth, *[str(kind) for kind in IMPACT_KINDS], item_id])
        return dict(cursor.fetchall())


def impact(item_or_id: ConfigItem | int, *, depth: int = DEFAULT_DEPTH) -> Impact:
    """Everything affected if the item fails, by level; the services among them; the people who use them."""
    depth = max(1, min(int(depth), MAX_DEPTH))
    item = item_or_id if isinstance(item_or_id, ConfigItem) else ConfigItem.objects.select_related("type").get(
        pk=item_or_id)
    found = affected_levels(item.pk, depth)
    items = {i.pk: i for i in ConfigItem.objects.filter(pk__in=found).select_related("type", "user")}
    levels: dict[int, list[ConfigItem]] = {}
    for pk, level in sorted(found.items(), key=lambda pair: (pair[1], items[pair[0]].name, pair[0])):
        levels.setdefault(level, []).append(items[pk])
    services = [i for i in [item, *items.values()] if i.type.is_service]
    services.sort(key=lambda i: (found.get(i.pk, 0), i.name))
    drawn = [item.pk, *[i.pk for i in sum((levels[level] for level in sorted(levels)), [])][:GRAPH_LIMIT - 1]]
    edges = list(Relation.objects.filter(source_id__in=drawn, target_id__in=drawn, kind__in=IMPACT_KINDS)
                 .values_list("source_id", "target_id", "kind"))
    return Impact(item=item, depth=depth, levels=levels, services=services,
                  people=_people([item.pk, *found]), edges=edges)


def _people(item_ids: list[int]) -> list[User]:
    users = User.objects.filter(is_active=True).filter(
        pk__in=ConfigItem.objects.filter(pk__in=item_ids, user__isnull=False).values("user_id"))
    requesters = User.objects.filter(is_active=True).filter(
        pk__in=Ticket.objects.filter(item_links__item_id__in=item_ids, status__in=OPEN_STATUSES)
        .values("requester_id"))
    return sorted({*users, *requesters}, key=lambda u: (u.display_name.lower(), u.pk))


def items_for_ticket(ticket: Ticket) -> list[ConfigItem]:
    return list(ConfigItem.objects.filter(ticket_links__ticket=ticket).select_related("type", "user")
                .order_by("name", "id"))


def tickets_for_item(item: ConfigItem, *, user) -> QuerySet:
    """The tickets linked to the item that `user` may see, newest first."""
    return visible_tickets(user, Ticket.objects.filter(item_links__item=item)).order_by("-created_at", "-id")
