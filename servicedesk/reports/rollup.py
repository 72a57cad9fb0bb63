"""The hourly rollup (models.HourlyFigures): the ticket facts added up per UTC hour and resolver group, so the
dashboard of the whole desk or of a group lead reads some 10 rows an hour instead of every ticket.

Kept exact, in the transaction that changes the facts: `apply` adds the new facts and resolution rows' figures
and subtracts the old ones' (a ticket moved to another group, reopened, resolved again, deleted), one upsert
statement for all the (hour, group) rows touched. `rebuild` rewrites it from the facts with the same arithmetic.

Read when a report's every period starts on a whole UTC hour (every whole-hour time zone) and it narrows by
nothing the rollup does not keep (only the group, and a lead's scope: their groups from the rollup, plus the
tickets assigned to them in other groups from the facts); otherwise the measures read the facts.
"""

from __future__ import annotations

import datetime
from collections import Counter
from collections.abc import Iterable

from django.db import connection, transaction
from django.db.models import ExpressionWrapper, F, FloatField, Q, Sum
from django.db.models import Value as V

from servicedesk.sla.models import ClockState, SlaEvent, SlaTarget, TargetKind
from servicedesk.tickets.models import Channel

from .models import RESOLVE_COLUMNS, ROLE_MINUTES, HourlyFigures, Resolution, TicketFacts

CHANNELS = {channel: f"channel_{channel}" for channel in Channel.values}
MICROSECOND = datetime.timedelta(microseconds=1)
FIELDS = [f.attname for f in HourlyFigures._meta.concrete_fields if f.attname not in ("id", "hour", "group_key")]
# What a facts row's figures are read from: the row as an instance or as values.
READ = ("group_id", "channel", "created_at", "resolved_at", "closed_at", "ended_at", "response_decided",
        "responded_in_time", "has_resolution_target", "resolved_in_time", "beyond_first_line", "first_transfer_at",
        "reopened", "logged_minutes", "resolve_bucket", *ROLE_MINUTES.values())


def _hour(moment: datetime.datetime) -> datetime.datetime:
    return moment.astimezone(datetime.UTC).replace(minute=0, second=0, microsecond=0)


def figures(row) -> dict[tuple[datetime.datetime, int], Counter]:
    """{(hour, group key): {column: amount}} that one facts row adds to the rollup."""
    out: dict[tuple[datetime.datetime, int], Counter] = {}
    group = row.group_id or 0

    def add(moment, **amounts):
        into = out.setdefault((_hour(moment), group), Counter())
        into.update({name: amount for name, amount in amounts.items() if amount})

    created = row.created_at
    add(created, created=1, **{CHANNELS[row.channel]: 1} if row.channel in CHANNELS else {},
        response_decided=int(row.response_decided), responded_in_time=int(row.response_decided and
                                                                           row.responded_in_time),
        beyond_first_line=int(row.beyond_first_line),
        transfer_us=(row.first_transfer_at - created) // MICROSECOND
        if row.beyond_first_line and row.first_transfer_at else 0)
    if row.resolved_at is not None:
        add(row.resolved_at, resolved=1, resolution_target=int(row.has_resolution_target),
            resolved_in_time=int(row.has_resolution_target and row.resolved_in_time),
            first_contact=int(not row.beyond_first_line and not row.reopened),
            resolve_us=(row.resolved_at - created) // MICROSECOND, logged_minutes=row.logged_minutes,
            **{column: getattr(row, column) for column in ROLE_MINUTES.values()},
            **{RESOLVE_COLUMNS[row.resolve_bucket]: 1} if row.resolve_bucket is not None else {})
    if row.closed_at is not None:
        add(row.closed_at, closed=1)
    if row.ended_at is not None:
        # Out of the backlog from the later of the two: "created before T and ended before T" is then one count.
        add(max(created, row.ended_at), ended=1)
    return out


def resolution_figures(at: datetime.datetime, reopened: bool, group_id) -> dict:
    """What one Resolution row (of a ticket in group `group_id`) adds to the rollup."""
    return {(_hour(at), group_id or 0): Counter({"reopenings" if reopened else "resolutions": 1})}


def breach_figures(reached_at: datetime.datetime, group_id) -> dict:
    """What one breach (an SlaEvent at 100 % of a ticket in group `group_id`) adds to the rollup."""
    return {(_hour(reached_at), group_id or 0): Counter({"breaches": 1})}


def ola_figures(stopped_at: datetime.datetime | None, breached: bool, group_id) -> dict:
    """What one OLA clock (stopped at `stopped_at`, None while it runs, of group `group_id`) adds."""
    if stopped_at is None:
        return {}
    return {(_hour(stopped_at), group_id or 0): Counter({"ola_stopped": 1, "ola_met": int(not breached)})}


def _total(rows: Iterable, sign: int, into: dict, resolutions: Iterable = (), breaches: Iterable = (),
           olas: Iterable = ()) -> None:
    """Add `sign` × the figures of facts rows, of (at, reopened, group) resolutions, of (reached at, group)
    breaches and of (stopped at, breached, group) stopped OLA clocks into `into`."""
    found = [figures(row) for row in rows]
    found += [resolution_figures(*resolution) for resolution in resolutions]
    found += [breach_figures(*breach) for breach in breaches]
    found += [ola_figures(*ola) for ola in olas]
    for row_figures in found:
        for key, amounts in row_figures.items():
            total = into.setdefault(key, Counter())
            for name, amount in amounts.items():
                total[name] += sign * amount


def resolutions_of(facts_rows: Iterable, rows: Iterable) -> list[tuple]:
    """(at, reopened, group) of Resolution rows, their group that of their ticket's facts row."""
    groups = {row.ticket_id: row.group_id for row in facts_rows}
    return [(row.at, row.reopened, groups.get(row.ticket_id)) for row in rows]


def apply(old: Iterable, new: Iterable, old_resolutions: Iterable = (), new_resolutions: Iterable = (), *,
          old_breaches: Iterable = (), new_breaches: Iterable = (), old_olas: Iterable = (),
          new_olas: Iterable = ()) -> int:
    """Move the rollup from the figures of the `old` facts rows, (at, reopened, group) resolutions, (reached at,
    group) breaches and (stopped at, breached, group) OLA clocks to those of the `new` ones (any may be empty);
    returns the number of (hour, group) rows touched, in one statement."""
    delta: dict = {}
    _total(old, -1, delta, old_resolutions, old_breaches, old_olas)
    _total(new, 1, delta, new_resolutions, new_breaches, new_olas)
    changes = {key: {name: amount for name, amount in amounts.items() if amount}
               for key, amounts in delta.items()}
    changes = {key: amounts for key, amounts in changes.items() if amounts}
    if not changes:
        return 0
    touched = sorted({name for amounts in changes.values() for name in amounts})
    quote = connection.ops.quote_name
    table = quote(HourlyFigures._meta.db_table)
    # A new row is written whole (the columns' defaults are Django's, not the database's); a row already there
    # gains only the touched columns' amounts.
    names = ", ".join(quote(name) for name in ["hour", "group_key", *FIELDS])
    row = "(" + ", ".join(["%s"] * (len(FIELDS) + 2)) + ")"
    params: list = []
    # In key order: two transactions touching the same rows lock them in the same order (no deadlock).
    for (hour, group), amounts in sorted(changes.items()):
        params += [connection.ops.adapt_datetimefield_value(hour), group, *(amounts.get(c, 0) for c in FIELDS)]
    sets = ", ".join(f"{quote(c)} = {table}.{quote(c)} + excluded.{quote(c)}" for c in touched)
    with connection.cursor() as cursor:
        cursor.execute(f"INSERT INTO {table} ({names}) VALUES {', '.join([row] * len(changes))} "
                       f"ON CONFLICT (hour, group_key) DO UPDATE SET {sets}", params)
    return len(changes)


def breaches_of(ticket_ids) -> list[tuple]:
    """(ticket, reached at) of the breaches of these tickets."""
    return list(SlaEvent.objects.filter(ticket_id__in=list(ticket_ids), percent__gte=100).order_by()
                .values_list("ticket_id", "reached_at"))


def facts_groups(ticket_ids) -> dict[int, int | None]:
    """{ticket: its facts row's group} of those of these tickets that have a facts row."""
    return dict(TicketFacts.objects.filter(ticket_id__in=list(ticket_ids)).values_list("ticket_id", "group_id"))


def stopped_olas(rows: Iterable) -> list[tuple]:
    """(stopped at, breached, group) of the stopped OLA clocks among clock rows (sla.SlaTarget)."""
    return [(row.stopped_at, row.breached, row.group_id) for row in rows
            if row.kind == TargetKind.OLA and row.state == ClockState.STOPPED and row.stopped_at is not None]


def rebuild(*, batch: int = 20000) -> int:
    """Rewrite the whole rollup from the facts and the SLA rows (after a bulk load, or to repair); returns its
    rows."""
    totals: dict = {}
    with transaction.atomic():
        _total(TicketFacts.objects.only(*READ).order_by().iterator(chunk_size=batch), 1, totals,
               Resolution.objects.order_by().values_list("at", "reopened", "ticket__report_facts__group_id")
               .iterator(chunk_size=batch),
               SlaEvent.objects.filter(percent__gte=100, ticket__report_facts__isnull=False).order_by()
               .values_list("reached_at", "ticket__report_facts__group_id").iterator(chunk_size=batch),
               SlaTarget.objects.filter(kind=TargetKind.OLA, state=ClockState.STOPPED, stopped_at__isnull=False)
               .order_by().values_list("stopped_at", "breached", "group_id").iterator(chunk_size=batch))
        HourlyFigures.objects.all().delete()
        HourlyFigures.objects.bulk_create(
            (HourlyFigures(hour=hour, group_key=group, **amounts) for (hour, group), amounts in totals.items()),
            batch_size=2000)
    return len(totals)


def minutes(column: str):
    """A rollup sum of microseconds as minutes (the exact integer sum, divided once)."""
    return lambda: ExpressionWrapper(Sum(column) / V(60_000_000.0), output_field=FloatField())


# --- reading -----------------------------------------------------------------------------------------------

def _whole_hours(filters) -> bool:
    return all(moment.minute == 0 and moment.second == 0 and moment.microsecond == 0
               for moment in (*filters.utc_range(), *filters.boundaries()))


def readable(filters, ranges) -> bool:
    """Whether these filters' figures may be read from the rollup (the same numbers as from the facts)."""
    narrowed = [name for name in ("desk", "agent", "service", "category", "channel", "organisation")
                if getattr(filters, name) is not None]
    return not narrowed and all(_whole_hours(part) for part in ranges)


def rolled_q(filters) -> Q:
    """The rollup rows within the filters: their group, and a lead's groups."""
    q = Q()
    if filters.group is not None:
        q &= Q(group_key=filters.group)
    if filters.scope_groups is not None:
        q &= Q(group_key__in=filters.scope_groups)
    return q


def beside(filters, prefix: str = "", group: str | None = None) -> Q | None:
    """The rows a lead's scope takes beside their groups' rollup rows: of the tickets assigned to them in other
    groups (or in none), as a Q on the facts or (`prefix`) on a table reaching the ticket, whose group is the
    ticket's or (`group`) its own field (an OLA clock's); None without such a scope."""
    if filters.scope_groups is None:
        return None
    return (Q(**{f"{prefix}assignee_id": filters.scope_agent})
            & ~Q(**{f"{group or prefix + 'group_id'}__in": filters.scope_groups}))


def figures_by_bucket(aggregates: dict, filters, span, bucket) -> list[dict]:
    return list(HourlyFigures.objects.filter(rolled_q(filters), hour__gte=span[0], hour__lt=span[1])
                .annotate(_b=bucket).order_by().values("_b").annotate(**aggregates))


def backlog(filters, ends: list[datetime.datetime]) -> list[int]:
    """Created minus ended before each of `ends` (ascending whole hours), within the filters' groups. Every
    ticket adds 1 created and at most 1 ended, so all the rows add up to the tickets open now (one indexed
    count of the facts); the rollup is read backwards from now, which a report of recent months keeps short:
    the backlog at an end is the one at the next end less what was created and ended between them."""
    from .measures import Bucket

    groups = Q()
    if filters.group is not None:
        groups &= Q(group_id=filters.group)
    if filters.scope_groups is not None:
        groups &= Q(group_id__in=filters.scope_groups)
    open_now = TicketFacts.objects.filter(groups, ended_at__isnull=True).count()
    # Between ends[i] and ends[i + 1]: bucket i; from the last end on: bucket len(ends) - 1.
    steps = {row["_b"]: row["n"] or 0 for row in HourlyFigures.objects.filter(rolled_q(filters), hour__gte=ends[0])
             .annotate(_b=Bucket("hour", ends[1:])).order_by().values("_b")
             .annotate(n=Sum(F("created") - F("ended")))}
    counts = [open_now - steps.get(len(ends) - 1, 0)]
    for index in range(len(ends) - 2, -1, -1):
        counts.append(counts[-1] - steps.get(index, 0))
    return counts[::-1]
