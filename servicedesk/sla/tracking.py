"""The watcher's derived tables: each ticket's clocks (SlaTarget) and its thresholds still to come
(PendingThreshold), kept from the ticket's history, and the evaluator that fires what is due.

Rows are *derived*: :func:`recompute_ticket` rewrites one ticket's rows from its history (run after
every committed change through ``ticket_changed``) and :func:`rebuild` rewrites them all (``servicedesk
recompute-sla``), giving exactly what live tracking gave. The only input besides history and
configuration is which thresholds have fired already (SlaEvent), which neither path changes.

A clock's thresholds are the policy's (or OLA target's) warning percentages, the percentages of the
active escalation rules for that target, and 100 (the breach). A PendingThreshold row exists for each
one not fired yet of a running or paused clock, whose instant is known: for a running clock every
one (in the future, or just past and not yet evaluated), for a paused clock those already reached.
A stopped clock (met, resolved, handed on) has none: a recomputation after a policy change never
fires warnings about tickets already dealt with.

The evaluator (:func:`evaluate`) claims due rows by deleting them (``DELETE … RETURNING``, with
``SKIP LOCKED`` on PostgreSQL) and records each as an SlaEvent with ``INSERT … ON CONFLICT DO
NOTHING RETURNING``; only the events this statement inserted are escalated and announced, after
commit. Whatever the retries or the number of workers, each (ticket, clock, clock start, threshold)
is recorded and announced once. Its cost follows the number of rows due, not the number of open
tickets (an index on ``at``).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from django.conf import settings
from django.db import connection, transaction
from django.db.models import F, OuterRef, Q, Subquery
from django.utils import timezone, translation
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext as _

from servicedesk.accounts.models import Group
from servicedesk.sla.calendars import business_calendar
from servicedesk.sla.clocks import Clock, reach_instant, sla_state
from servicedesk.sla.models import (
    Calendar,
    ClockRebuild,
    ClockState,
    ClockSync,
    EscalationRule,
    OlaTarget,
    PendingThreshold,
    SlaEvent,
    SlaPolicy,
    SlaTarget,
    TargetKind,
)
from servicedesk.sla.ola import ola_state
from servicedesk.sla.signals import clocks_written, events_recorded
from servicedesk.tickets.models import OPEN_STATUSES, HistoryEntry, Ticket

log = logging.getLogger("servicedesk.sla")

RESPONSE, RESOLUTION = TargetKind.RESPONSE.value, TargetKind.RESOLUTION.value


def ola_key(group_id: int) -> str:
    return f"ola:{group_id}"


@dataclass
class Config:
    """Configuration read once for many tickets."""

    policies: list[SlaPolicy]
    ola_targets: dict[str, OlaTarget]
    default_calendar: Calendar | None
    rule_thresholds: dict[str, set[int]] = field(default_factory=dict)

    @classmethod
    def load(cls) -> Config:
        policies = list(SlaPolicy.objects.filter(is_active=True).select_related("calendar").order_by("order", "id"))
        targets = {t.group.name: t for t in
                   OlaTarget.objects.filter(is_active=True).select_related("group", "calendar")}
        thresholds: dict[str, set[int]] = {kind: set() for kind in TargetKind.values}
        for target, threshold in EscalationRule.objects.filter(is_active=True).values_list("target", "threshold"):
            for kind in ([target] if target else TargetKind.values):
                thresholds[kind].add(threshold)
        return cls(policies, targets, Calendar.objects.filter(is_default=True).order_by("id").first(), thresholds)

    def thresholds(self, kind: str, own: list[int]) -> list[int]:
        return sorted({p for p in own if 1 <= p <= 99} | {p for p in self.rule_thresholds[kind] if 1 <= p <= 100}
                      | {100})


def _rows_for(ticket: Ticket, key: str, kind: str, group: Group | None, policy: SlaPolicy | None, clock: Clock,
              calendar, thresholds: list[int], fired: set) -> tuple[SlaTarget, list[PendingThreshold]]:
    state = ClockState.RUNNING if clock.running else ClockState.PAUSED if clock.paused else ClockState.STOPPED
    row = SlaTarget(
        ticket=ticket, key=key, kind=kind, group=group, policy=policy, started_at=clock.started_at,
        target_minutes=clock.target_minutes, state=state,
        due_at=None if state == ClockState.PAUSED else clock.due_at,
        stopped_at=clock.met_at, used_minutes=None if state == ClockState.RUNNING else clock.elapsed_minutes,
        breached=state != ClockState.RUNNING and clock.breached,
    )
    pending = []
    if state != ClockState.STOPPED:
        target = timedelta(minutes=clock.target_minutes)
        for percent in thresholds:
            if (key, clock.started_at, percent) in fired:
                continue
            at = reach_instant(calendar, clock.periods, target * percent / 100)
            if at is None:
                break  # not reached and not running: neither is any higher threshold
            pending.append(PendingThreshold(
                ticket=ticket, key=key, kind=kind, group=group, started_at=clock.started_at, percent=percent,
                at=at, due_at=clock.due_at, target_minutes=clock.target_minutes,
            ))
    return row, pending


HISTORY_FIELDS = ("status", "pending_reason", "first_response_at", "group")


def load_history(ticket_ids) -> tuple[dict[int, list], dict[int, set]]:
    """The history rows the clocks read and the fired thresholds, for many tickets in two queries."""
    history: dict[int, list] = {pk: [] for pk in ticket_ids}
    for entry in (HistoryEntry.objects.filter(ticket_id__in=ticket_ids, field__in=HISTORY_FIELDS)
                  .only("ticket_id", "at", "field", "old_value", "new_value").order_by("at", "id")):
        history[entry.ticket_id].append(entry)
    fired: dict[int, set] = {pk: set() for pk in ticket_ids}
    for ticket_id, key, started_at, percent in SlaEvent.objects.filter(ticket_id__in=ticket_ids).values_list(
            "ticket_id", "key", "started_at", "percent"):
        fired[ticket_id].add((key, started_at, percent))
    return history, fired


def derive(ticket: Ticket, config: Config, now: datetime | None = None, *, history=None,
           fired: set | None = None) -> tuple[list[SlaTarget], list[PendingThreshold]]:
    """The rows the ticket's history gives (unsaved). ``history`` and ``fired`` may come from
    :func:`load_history` for many tickets at once."""
    now = now or timezone.now()
    if fired is None:
        fired = set(SlaEvent.objects.filter(ticket=ticket).values_list("key", "started_at", "percent"))
    targets: list[SlaTarget] = []
    pending: list[PendingThreshold] = []
    state = sla_state(ticket, now, policies=config.policies, history=history)
    policy = state.policy if state else None
    if state is not None:
        calendar = business_calendar(policy.calendar)
        for key, clock in ((RESPONSE, state.first_response), (RESOLUTION, state.resolution)):
            row, more = _rows_for(ticket, key, key, None, policy, clock, calendar,
                                  config.thresholds(key, policy.thresholds), fired)
            targets.append(row)
            pending.extend(more)
    for ola in ola_state(ticket, now, policy=policy, policies=config.policies, targets=config.ola_targets,
                         default_calendar=config.default_calendar, history=history):
        calendar = business_calendar(ola.target.calendar or config.default_calendar)
        row, more = _rows_for(ticket, ola_key(ola.group.pk), TargetKind.OLA, ola.group, None, ola.clock, calendar,
                              config.thresholds(TargetKind.OLA, ola.target.thresholds), fired)
        targets.append(row)
        pending.extend(more)
    return targets, pending


def _locked_tickets():
    # of=("self",): PostgreSQL cannot lock the nullable side of the outer joins (group, category).
    return Ticket.objects.select_for_update(of=("self",)).select_related("group", "category")


def recompute_ticket(ticket_id: int, config: Config | None = None, now: datetime | None = None) -> int:
    """Rewrite one ticket's clock rows from its history; returns the number of clocks. Takes the
    ticket's row lock, so it runs after any action on the ticket in progress and never beside another
    recomputation of the same ticket."""
    config = config or Config.load()
    with transaction.atomic():
        ticket = _locked_tickets().filter(pk=ticket_id).first()
        if ticket is None:
            return 0
        history, fired = load_history([ticket.pk])
        targets, pending = derive(ticket, config, now, history=history[ticket.pk], fired=fired[ticket.pk])
        replaced = _delete_clocks([ticket.pk])
        PendingThreshold.objects.filter(ticket=ticket).delete()
        SlaTarget.objects.bulk_create(targets)
        PendingThreshold.objects.bulk_create(pending)
        _mark_synced({ticket.pk: ticket.version})
        clocks_written.send(sender=SlaTarget, ticket_ids=[ticket.pk], rows=targets, replaced=replaced)
    return len(targets)


def _delete_clocks(ticket_ids) -> list[SlaTarget]:
    """Delete the tickets' clock rows in one statement and return them: they go to clocks_written (`replaced`)
    with the rows replacing them, so what is derived from both moves once (the per-row delete signals of an ORM
    delete are for the deletions no such signal follows)."""
    rows = list(SlaTarget.objects.filter(ticket_id__in=ticket_ids))
    if rows:
        SlaTarget.objects.filter(pk__in=[row.pk for row in rows])._raw_delete(SlaTarget.objects.db)
    return rows


def _mark_synced(versions: dict[int, int]) -> None:
    ClockSync.objects.filter(ticket_id__in=versions).delete()
    ClockSync.objects.bulk_create([ClockSync(ticket_id=pk, version=v) for pk, v in versions.items()])


def catch_up(*, lookback: timedelta = timedelta(days=1), limit: int = 2000, now: datetime | None = None) -> int:
    """Recompute the tickets changed (within `lookback`) since their clocks were last derived; returns
    how many. Cheap when nothing changed: one query over the recently updated tickets (updated_at
    index). This is what keeps the clocks current in the embedded mode, and what repairs a
    recomputation lost with a worker elsewhere."""
    now = now or timezone.now()
    synced = ClockSync.objects.filter(ticket_id=OuterRef("pk")).values("version")[:1]
    stale = list(
        Ticket.objects.filter(updated_at__gte=now - lookback)
        .annotate(synced=Subquery(synced))
        .filter(Q(synced__isnull=True) | Q(synced__lt=F("version")))
        .order_by("updated_at", "id").values_list("pk", flat=True)[:limit]
    )
    if stale:
        config = Config.load()
        for pk in stale:
            recompute_ticket(pk, config=config)
    return len(stale)


def rebuild(*, batch: int = 500, progress=None, open_only: bool = False) -> int:
    """Rewrite every ticket's rows (or only the open tickets') from history, after a calendar, policy or
    OLA change, or to repair. Returns the number of tickets."""
    config = Config.load()
    now = timezone.now()
    last = 0
    count = 0
    tickets_ = Ticket.objects.filter(status__in=OPEN_STATUSES) if open_only else Ticket.objects.all()
    while True:
        ids = list(tickets_.filter(pk__gt=last).order_by("pk").values_list("pk", flat=True)[:batch])
        if not ids:
            break
        with transaction.atomic():
            tickets = list(_locked_tickets().filter(pk__in=ids))
            replaced = _delete_clocks(ids)
            PendingThreshold.objects.filter(ticket_id__in=ids).delete()
            history, fired = load_history(ids)
            targets, pending = [], []
            for ticket in tickets:
                rows, more = derive(ticket, config, now, history=history[ticket.pk], fired=fired[ticket.pk])
                targets.extend(rows)
                pending.extend(more)
            SlaTarget.objects.bulk_create(targets)
            PendingThreshold.objects.bulk_create(pending)
            _mark_synced({t.pk: t.version for t in tickets})
            clocks_written.send(sender=SlaTarget, ticket_ids=ids, rows=targets, replaced=replaced)
        count += len(ids)
        last = ids[-1]
        if progress:
            progress(count)
    # Rows of tickets that no longer exist go with their ticket (CASCADE).
    return count


def rebuild_if_requested() -> int:
    """Recompute the open tickets if a configuration change asked for it (ClockRebuild rows); the
    requests are claimed by deleting them, so one evaluator does it. Returns the tickets recomputed."""
    with transaction.atomic():
        ids = list(ClockRebuild.objects.select_for_update(**_skip_locked()).values_list("pk", flat=True))
        if not ids:
            return 0
        ClockRebuild.objects.filter(pk__in=ids).delete()
    return rebuild(open_only=True)


def _skip_locked() -> dict:
    return {"skip_locked": True} if connection.features.has_select_for_update_skip_locked else {}


# -- the evaluator ----------------------------------------------------------------------------------


def _aware(value) -> datetime:
    if isinstance(value, str):
        value = parse_datetime(value)
    if timezone.is_naive(value):
        value = value.replace(tzinfo=UTC)
    return value


def _cause_templates() -> dict:
    """The cause texts in the active language, looked up once per batch of events."""
    return {
        (RESPONSE, True): _("No first response within the target of %(minutes)s business minutes (due %(due)s)."),
        (RESOLUTION, True): _("Not resolved within the target of %(minutes)s business minutes (due %(due)s)."),
        (TargetKind.OLA.value, True): _(
            "%(group)s held the ticket beyond its OLA of %(minutes)s business minutes (due %(due)s)."),
        "warning": _("%(percent)s%% of the %(target)s target of %(minutes)s business minutes used (due %(due)s)."),
        "labels": {kind: str(label) for kind, label in TargetKind.choices},
    }


def _cause(kind: str, percent: int, minutes: int, group_name: str, due_at: datetime, zone=None,
           templates: dict | None = None) -> str:
    templates = templates or _cause_templates()
    due = due_at.astimezone(zone or timezone.get_current_timezone()).strftime("%Y-%m-%d %H:%M")
    if percent >= 100:
        return templates[(kind, True)] % {"minutes": minutes, "due": due, "group": group_name}
    return templates["warning"] % {"percent": percent, "target": templates["labels"][kind], "minutes": minutes,
                                   "due": due}


_CLAIM_COLUMNS = ("id", "ticket_id", "key", "kind", "group_id", "started_at", "percent", "at", "due_at",
                  "target_minutes")


def _names(columns) -> str:
    return ", ".join(connection.ops.quote_name(c) for c in columns)


def _cursor():
    """On PostgreSQL a server-side-binding psycopg cursor on Django's connection (same transaction): the
    event arrays go as parameters instead of being quoted into the SQL text client-side."""
    if connection.vendor == "postgresql":
        import psycopg

        connection.ensure_connection()
        return psycopg.Cursor(connection.connection)
    return connection.cursor()


def _claim(now: datetime, limit: int) -> list[tuple]:
    table = connection.ops.quote_name(PendingThreshold._meta.db_table)
    lock = " FOR UPDATE SKIP LOCKED" if connection.vendor == "postgresql" else ""
    at = connection.ops.quote_name("at")
    sql = (f"DELETE FROM {table} WHERE id IN (SELECT id FROM {table} WHERE {at} <= %s ORDER BY {at} LIMIT %s{lock}) "
           f"RETURNING {_names(_CLAIM_COLUMNS)}")
    with connection.cursor() as cursor:
        cursor.execute(sql, [connection.ops.adapt_datetimefield_value(now), limit])
        return cursor.fetchall()


_EVENT_COLUMNS = ("ticket_id", "key", "kind", "group_id", "started_at", "percent", "due_at", "reached_at",
                  "recorded_at", "cause", "escalation")
# PostgreSQL: one array per column (a handful of parameters however many events, cheap to bind).
_PG_TYPES = ("bigint", "varchar", "varchar", "bigint", "timestamptz", "smallint", "timestamptz", "timestamptz",
             "timestamptz", "varchar", "varchar")


def _record(claimed: list[tuple], now: datetime, group_names: dict[int, str]) -> list[SlaEvent]:
    """Insert an SlaEvent per claimed threshold unless one exists; the events this statement inserted."""
    if not claimed:
        return []
    events = []
    zone = timezone.get_current_timezone()
    with translation.override(settings.LANGUAGE_CODE):
        templates = _cause_templates()
        for _id, ticket_id, key, kind, group_id, started_at, percent, at, due_at, minutes in claimed:
            due_at = _aware(due_at)
            events.append(SlaEvent(
                ticket_id=ticket_id, key=key, kind=kind, group_id=group_id, started_at=_aware(started_at),
                percent=percent, due_at=due_at, reached_at=_aware(at), recorded_at=now, escalation="",
                cause=_cause(kind, percent, minutes, group_names.get(group_id, ""), due_at, zone, templates)[:500],
            ))
    table = connection.ops.quote_name(SlaEvent._meta.db_table)
    conflict = _names(("ticket_id", "key", "started_at", "percent"))
    returning = _names(("id", "ticket_id", "key", "started_at", "percent"))
    rows = [[getattr(e, c) for c in _EVENT_COLUMNS] for e in events]
    if connection.vendor == "postgresql":
        arrays = ", ".join(f"%s::{t}[]" for t in _PG_TYPES)
        sql = (f"INSERT INTO {table} ({_names(_EVENT_COLUMNS)}) SELECT * FROM unnest({arrays}) "
               f"ON CONFLICT ({conflict}) DO NOTHING RETURNING {returning}")
        params = [list(column) for column in zip(*rows, strict=True)]
    else:
        adapt = connection.ops.adapt_datetimefield_value
        one = "(" + ", ".join(["%s"] * len(_EVENT_COLUMNS)) + ")"
        sql = (f"INSERT INTO {table} ({_names(_EVENT_COLUMNS)}) VALUES {', '.join([one] * len(rows))} "
               f"ON CONFLICT ({conflict}) DO NOTHING RETURNING {returning}")
        params = [adapt(v) if isinstance(v, datetime) else v for row in rows for v in row]
    with _cursor() as cursor:
        cursor.execute(sql, params)
        inserted = {(ticket_id, key, _aware(started_at), percent): pk
                    for pk, ticket_id, key, started_at, percent in cursor.fetchall()}
    fresh = []
    for event in events:
        pk = inserted.pop((event.ticket_id, event.key, event.started_at, event.percent), None)
        if pk is not None:
            event.pk = pk
            event._state.adding = False
            fresh.append(event)
    if fresh:
        events_recorded.send(sender=SlaEvent, events=fresh)
    return fresh


@dataclass
class Pass:
    claimed: int = 0
    recorded: int = 0
    events: list[SlaEvent] = field(default_factory=list)


def evaluate(now: datetime | None = None, *, batch: int = 1000, escalate: bool = True) -> Pass:
    """One pass of the evaluator: fire every threshold whose instant has come (see the module docstring)."""
    from servicedesk.sla.escalation import run_escalations

    now = now or timezone.now()
    result = Pass()
    group_names = dict(Group.objects.values_list("pk", "name"))
    while True:
        with transaction.atomic():
            claimed = _claim(now, batch)
            events = _record(claimed, now, group_names)
        result.claimed += len(claimed)
        result.recorded += len(events)
        result.events += events
        if len(claimed) < batch:
            break
    if escalate and result.events:
        run_escalations(result.events)
    return result


# -- for screens: what the console and notifications read ------------------------------------------


def ticket_clocks(ticket) -> list[SlaTarget]:
    """A ticket's clocks as last derived: response, resolution, then the OLAs in the order groups had it."""
    order = {RESPONSE: 0, RESOLUTION: 1}
    rows = SlaTarget.objects.filter(ticket=ticket).select_related("group", "policy")
    return sorted(rows, key=lambda r: (order.get(r.key, 2), r.started_at))


def business_time_left(row: SlaTarget, now: datetime | None = None) -> timedelta | None:
    """Business time left on a clock (negative once overdue); None for a stopped clock.

    Running: the business time from now to the due time in the clock's calendar; paused: the target
    less what was used."""
    if row.state == ClockState.STOPPED:
        return None
    if row.state == ClockState.PAUSED:
        return timedelta(minutes=row.target_minutes - (row.used_minutes or 0))
    now = now or timezone.now()
    if row.policy_id is not None:
        calendar_row = row.policy.calendar
    else:
        target = OlaTarget.objects.filter(group_id=row.group_id).select_related("calendar").first()
        calendar_row = (target.calendar if target else None) or Calendar.objects.filter(is_default=True).first()
    if calendar_row is None:
        return row.due_at - now
    return business_calendar(calendar_row).business_time_between(now, row.due_at)


def breaching_soon(within: timedelta = timedelta(hours=1), now: datetime | None = None, kinds=None):
    """Running clocks due within ``within`` from now, overdue ones included, soonest first (indexed on
    state, due_at): the "breaching soon" queue. Filter further by ``ticket__group`` etc. as needed."""
    now = now or timezone.now()
    rows = SlaTarget.objects.filter(state=ClockState.RUNNING, due_at__lte=now + within)
    if kinds:
        rows = rows.filter(kind__in=kinds)
    return rows.select_related("ticket", "group").order_by("due_at", "id")
