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

from .models import IMPACT_KINDS, CiType, ConfigItem, Relation, TicketItem

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


def _walk_sql(extra_columns: str = "", join: str = "") -> str:
    quote = connection.ops.quote_name
    table = quote(Relation._meta.db_table)
    kinds = ", ".join(["%s"] * len(IMPACT_KINDS))
    # The kind is tested in the select list (a relation that spreads nothing yields NULL, which joins nothing
    # further) rather than in the WHERE: a condition on the relation there made SQLite build a Bloom filter
    # over the whole table at every step (15-30 ms for an item nothing depends on); this way each step is
    # one covering-index lookup.
    return (
        f"WITH RECURSIVE affected(item, level) AS ("
        f" SELECT CAST(%s AS BIGINT), 0"
        f" UNION"
        f" SELECT CASE WHEN r.{quote('kind')} IN ({kinds}) THEN r.{quote('source_id')} END, a.level + 1"
        f" FROM affected a JOIN {table} r ON r.{quote('target_id')} = a.item WHERE a.level < %s"
        f") SELECT a.item, MIN(a.level){extra_columns} FROM affected a{join}"
        f" WHERE a.item IS NOT NULL AND a.item <> %s GROUP BY a.item"
    )


def _walk(item_id: int, depth: int, sql: str) -> list[tuple]:
    with connection.cursor() as cursor:
        cursor.execute(sql, [item_id, *[str(kind) for kind in IMPACT_KINDS], depth, item_id])
        return cursor.fetchall()


def affected_levels(item_id: int, depth: int = DEFAULT_DEPTH) -> dict[int, int]:
    """{item id: the lowest level it is affected at} for everything a failure of `item_id` reaches within
    `depth` steps (the item itself not included)."""
    return dict(_walk(item_id, depth, _walk_sql()))


def impact(item_or_id: ConfigItem | int, *, depth: int = DEFAULT_DEPTH) -> Impact:
    """Everything affected if the item fails, by level; the services among them; the people who use them.
    One walk names every affected item with its type and user; only what is shown is loaded as objects."""
    depth = max(1, min(int(depth), MAX_DEPTH))
    item = item_or_id if isinstance(item_or_id, ConfigItem) else ConfigItem.objects.select_related("type").get(
        pk=item_or_id)
    quote = connection.ops.quote_name
    rows = _walk(item.pk, depth, _walk_sql(
        f", MIN(i.{quote('type_id')}), MIN(i.{quote('user_id')})",
        f" JOIN {quote(ConfigItem._meta.db_table)} i ON i.{quote('id')} = a.item"))
    counts: dict[int, int] = {}
    for _pk, level, _type, _user in rows:
        counts[level] = counts.get(level, 0) + 1
    nearest = sorted(rows, key=lambda row: (row[1], row[0]))[:LIST_LIMIT]
    service_types = set(CiType.objects.filter(is_service=True).values_list("pk", flat=True))
    services = {pk for pk, _level, type_id, _user in rows if type_id in service_types}
    loaded = {i.pk: i for i in ConfigItem.objects.filter(pk__in={row[0] for row in nearest} | services)
              .select_related("type", "user")}
    level_of = {pk: level for pk, level, _type, _user in rows}
    levels: dict[int, list[ConfigItem]] = {}
    for pk, level, _type, _user in nearest:
        levels.setdefault(level, []).append(loaded[pk])
    for listed in levels.values():
        listed.sort(key=lambda i: (i.name, i.pk))
    found_services = [loaded[pk] for pk in services] + ([item] if item.type.is_service else [])
    found_services.sort(key=lambda i: (level_of.get(i.pk, 0), i.name))
    drawn = [item.pk, *[pk for pk, _level, _type, _user in nearest[:GRAPH_LIMIT - 1]]]
    edges = list(Relation.objects.filter(source_id__in=drawn, target_id__in=drawn, kind__in=IMPACT_KINDS)
                 .values_list("source_id", "target_id", "kind"))
    user_ids = {user for _pk, _level, _type, user in rows if user is not None} | ({item.user_id} - {None})
    affected_ids = set(level_of) | {item.pk}
    user_ids |= {requester for item_id, requester in TicketItem.objects.filter(ticket__status__in=OPEN_STATUSES)
                 .values_list("item_id", "ticket__requester_id") if item_id in affected_ids}
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
