"""The per-ticket facts row (models.TicketFacts): what the ticket KPIs read beside the ticket row, worked out
once per ticket from the raw tables with the KPIs' definitions (below), and rewritten by `refresh` whenever
one of its inputs changes (receivers.py), in the writing transaction.
"""

from __future__ import annotations

import functools

from django.db import connections, router
from django.db.models import BooleanField, Exists, ExpressionWrapper, FilteredRelation, OuterRef, Q, Subquery, Sum

from servicedesk.accounts.models import Group, Tier
from servicedesk.sla.models import TargetKind
from servicedesk.tickets.models import HistoryEntry, Ticket, TimeEntry

from . import rollup
from .models import ROLE_MINUTES, Resolution, TicketFacts, resolve_bucket

# A response clock is decided once it stopped (the first public reply) or breached (late, answered or not).
RESPONSE_DECIDED = Q(response_clock__state="stopped") | Q(response_clock__breached=True)
RESPONDED_IN_TIME = Q(response_clock__state="stopped", response_clock__breached=False)
# Routed beyond the 1st line at any time: a history line giving the ticket to a 2nd- or 3rd-line group
# (history keeps a group's stable English name).
_BEYOND = HistoryEntry.objects.filter(
    ticket=OuterRef("pk"), field="group", new_value__in=Group.objects.filter(tier__gt=Tier.FIRST).values("name"))
BEYOND_FIRST_LINE = Exists(_BEYOND)
FIRST_TRANSFER = Subquery(_BEYOND.order_by("at", "id").values("at")[:1])
REOPENING = Q(event="reopen", field="status")
REOPENED = Exists(HistoryEntry.objects.filter(REOPENING, ticket=OuterRef("pk")))
# The history lines the reopen rate counts (models.Resolution): each resolution and each reopening.
RESOLUTION_LINES = (Q(field="resolved_at") & ~Q(new_value="")) | REOPENING

DIMENSIONS = ("desk_id", "group_id", "assignee_id", "organisation_id", "category_id", "channel", "type",
              "created_at", "resolved_at", "closed_at")


def _flag(q: Q) -> ExpressionWrapper:
    return ExpressionWrapper(q, output_field=BooleanField())


def _clock(key: str) -> FilteredRelation:
    return FilteredRelation("sla_targets", condition=Q(sla_targets__key=key))


def ended(resolved_at, closed_at):
    """When a ticket stopped being open: the earlier of its resolution and its closing, None while open."""
    return min((moment for moment in (resolved_at, closed_at) if moment is not None), default=None)


def refresh(ticket_ids, *, rolled: bool = True) -> int:
    """Rewrite the facts and resolutions of the given tickets from their current rows (tickets gone have lost
    theirs with them) and move the hourly rollup by the difference (not with `rolled=False`: a rebuild, which
    rebuilds the rollup after); returns how many facts rows were written."""
    ids = list(set(ticket_ids))
    if not ids:
        return 0
    old = list(TicketFacts.objects.filter(ticket_id__in=ids).only(*rollup.READ)) if rolled else []
    old_resolutions = rollup.resolutions_of(old, Resolution.objects.filter(ticket_id__in=ids)) if rolled else []
    found = (Ticket.objects.filter(pk__in=ids)
             .annotate(response_clock=_clock(TargetKind.RESPONSE), resolution_clock=_clock(TargetKind.RESOLUTION))
             .annotate(_decided=_flag(RESPONSE_DECIDED), _in_time=_flag(RESPONDED_IN_TIME),
                       _target=_flag(Q(resolution_clock__isnull=False)),
                       _resolved_in_time=_flag(Q(resolution_clock__breached=False)),
                       _beyond=BEYOND_FIRST_LINE, _transfer=FIRST_TRANSFER, _reopened=REOPENED)
             .values("pk", *DIMENSIONS, "_decided", "_in_time", "_target", "_resolved_in_time", "_beyond",
                     "_transfer", "_reopened"))
    logged: dict[int, dict[str, int]] = {}
    for ticket_id, role, minutes in (TimeEntry.objects.filter(ticket_id__in=ids).order_by()
                                     .values("ticket_id", "agent__role").annotate(minutes=Sum("minutes"))
                                     .values_list("ticket_id", "agent__role", "minutes")):
        logged.setdefault(ticket_id, {})[role] = minutes or 0
    rows = []
    for row in found:
        by_role = logged.get(row["pk"], {})
        rows.append(TicketFacts(
            ticket_id=row["pk"], **{name: row[name] for name in DIMENSIONS},
            ended_at=ended(row["resolved_at"], row["closed_at"]),
            resolve_bucket=resolve_bucket(row["resolved_at"], row["created_at"]),
            response_decided=bool(row["_decided"]), responded_in_time=bool(row["_in_time"]),
            has_resolution_target=bool(row["_target"]), resolved_in_time=bool(row["_resolved_in_time"]),
            beyond_first_line=bool(row["_beyond"]), first_transfer_at=row["_transfer"],
            reopened=bool(row["_reopened"]), logged_minutes=sum(by_role.values()),
            **{column: by_role.get(role, 0) for role, column in ROLE_MINUTES.items()}))
    fields = [f.attname for f in TicketFacts._meta.concrete_fields if not f.primary_key]
    TicketFacts.objects.bulk_create(rows, update_conflicts=True, unique_fields=["ticket"], update_fields=fields)
    Resolution.objects.filter(ticket_id__in=ids).delete()
    resolutions = Resolution.objects.bulk_create(
        Resolution(history_id=pk, ticket_id=ticket_id, at=at, reopened=event == "reopen")
        for pk, ticket_id, at, event in HistoryEntry.objects.filter(RESOLUTION_LINES, ticket_id__in=ids)
        .order_by().values_list("pk", "ticket_id", "at", "event"))
    if rolled:
        # A ticket's breaches are counted in its facts row's group: a ticket moved (or whose row appears or
        # goes) takes them along.
        before = {row.ticket_id: row.group_id for row in old}
        after = {row.ticket_id: row.group_id for row in rows}
        moved = [pk for pk in before.keys() | after.keys() if before.get(pk, -1) != after.get(pk, -1)]
        breaches = rollup.breaches_of(moved) if moved else []
        rollup.apply(old, rows, old_resolutions, rollup.resolutions_of(rows, resolutions),
                     old_breaches=[(at, before[pk]) for pk, at in breaches if pk in before],
                     new_breaches=[(at, after[pk]) for pk, at in breaches if pk in after])
    return len(rows)


def created(ticket: Ticket) -> None:
    """The facts of a ticket just inserted, from its instance: it has no history, time log or clocks yet (the
    clocks announce themselves through sla.signals.clocks_written), so nothing needs reading back (a new
    ticket has no facts row before this one: the rollup only gains)."""
    row = TicketFacts(ticket_id=ticket.pk, **{name: getattr(ticket, name) for name in DIMENSIONS},
                      ended_at=ended(ticket.resolved_at, ticket.closed_at),
                      resolve_bucket=resolve_bucket(ticket.resolved_at, ticket.created_at))
    # What bulk_create(update_conflicts=True) writes, by a statement built once: its compilation was most of
    # the row's cost on every create (bench/README.md, `bench.peer`).
    using = router.db_for_write(TicketFacts)
    connection = connections[using]
    sql, fields = _upsert_plan(using)
    with connection.cursor() as cursor:
        cursor.execute(sql, [f.get_db_prep_save(f.pre_save(row, True), connection=connection) for f in fields])
    rollup.apply([], [row])


@functools.cache
def _upsert_plan(using: str) -> tuple[str, tuple]:
    """INSERT … ON CONFLICT (ticket) DO UPDATE of every column: one facts row, as `bulk_create` with
    `update_conflicts=True, unique_fields=["ticket"]` and every other column to update writes it."""
    quote = connections[using].ops.quote_name
    fields = tuple(TicketFacts._meta.concrete_fields)
    key = TicketFacts._meta.pk.column
    sets = ", ".join(f"{quote(f.column)} = EXCLUDED.{quote(f.column)}" for f in fields if not f.primary_key)
    sql = (f"INSERT INTO {quote(TicketFacts._meta.db_table)} ({', '.join(quote(f.column) for f in fields)}) "
           f"VALUES ({', '.join(['%s'] * len(fields))}) ON CONFLICT ({quote(key)}) DO UPDATE SET {sets}")
    return sql, fields


def rebuild(*, batch: int = 2000, progress=None) -> int:
    """Rewrite every ticket's facts (after a bulk load, or to repair; the hourly rollup is not touched:
    rebuild it after, rollup.rebuild); returns the number of tickets."""
    last, count = 0, 0
    while True:
        ids = list(Ticket.objects.filter(pk__gt=last).order_by("pk").values_list("pk", flat=True)[:batch])
        if not ids:
            return count
        refresh(ids, rolled=False)
        count += len(ids)
        last = ids[-1]
        if progress:
            progress(count)
