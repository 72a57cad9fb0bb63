"""The KPIs read from the ticket record, its clocks, SLA events, history and time log, each with its
definition (docs/kpis.md says the same, with the formula and the timestamps).

What a KPI reads of one ticket (its dimensions, moments, clocks' verdicts, routing, reopening, logged time) is
read from the ticket's facts row (facts.py holds those definitions, models.TicketFacts the row): one narrow
indexed table, no look beside it per ticket.

Times are wall-clock minutes between two stored instants unless a definition says otherwise; whether a
target was met is the SLA engine's own verdict (its clock rows count business time on the policy's calendar).
"""

from __future__ import annotations

import datetime
from dataclasses import replace

from django.db.models import Case, Count, F, FloatField, Q, Sum, When
from django.db.models import Value as V
from django.utils.translation import gettext as _g
from django.utils.translation import gettext_lazy as _

from servicedesk.sla.models import SlaEvent, SlaTarget, TargetKind
from servicedesk.tickets.models import Channel, PendingReason, Ticket

from . import dimensions, rollup
from .facts import ROLE_MINUTES
from .filters import Filters
from .kpis import Kpi, Row, Value, register
from .measures import in_range, measure, minutes_between
from .models import RESOLVE_COLUMNS, CostRate, Resolution, TicketFacts

# --- volume ---------------------------------------------------------------------------------------------

measure("tickets_created", _("Tickets created"),
        _("Tickets recorded in the period (by their creation time), whatever their type, channel or state now."),
        unit="count", section="volume", better=None, moment="created_at", source=TicketFacts,
        rolled={"n": "created"})
measure("tickets_resolved", _("Tickets resolved"),
        _("Tickets whose latest resolution falls in the period (a ticket reopened and resolved again counts "
          "once, in the period of its last resolution)."),
        unit="count", section="volume", better=None, moment="resolved_at", source=TicketFacts,
        rolled={"n": "resolved"})
measure("tickets_closed", _("Tickets closed"),
        _("Tickets closed in the period (confirmed by the customer, closed by an agent or closed without "
          "confirmation)."),
        unit="count", section="volume", better=None, moment="closed_at", source=TicketFacts,
        rolled={"n": "closed"})
CHANNEL_LABELS = {
    Channel.PORTAL: (_("Contacts by web portal"), _("Tickets created in the period through the web portal.")),
    Channel.EMAIL: (_("Contacts by e-mail"), _("Tickets created in the period from an e-mail.")),
    Channel.PHONE: (_("Contacts by phone"), _("Tickets created in the period from a phone call.")),
    Channel.MONITORING: (_("Contacts by monitoring"), _("Tickets created in the period by a monitoring alert.")),
    Channel.API: (_("Contacts by API"), _("Tickets created in the period through the REST API.")),
    Channel.CONSOLE: (_("Contacts by agent console"),
                      _("Tickets created in the period by an agent in the console (walk-ins, chat, other).")),
    Channel.SYSTEM: (_("Contacts by the system"), _("Tickets the desk created by itself in the period.")),
}
for _channel, (_label, _definition) in CHANNEL_LABELS.items():
    measure(f"contacts_{_channel.value}", _label, _definition, unit="count", section="volume", better=None,
            moment="created_at", source=TicketFacts, counted=Q(channel=_channel.value),
            rolled={"n": rollup.CHANNELS[_channel.value]})

# --- service levels -------------------------------------------------------------------------------------


FIRST_RESPONSE_BUCKETS = ((15, _("< 15 min")), (30, _("15–30 min")), (60, _("30–60 min")), (240, _("1–4 h")),
                          (480, _("4–8 h")), (None, _("> 8 h")))


def first_response_distribution(user, key: str, filters: Filters) -> list[tuple[str, int]]:
    """Tickets created in the period by the wall-clock time from creation to the first public reply."""
    waited = minutes_between("created_at", "first_response_at")
    aggregates = {"none": Count("pk", filter=Q(first_response_at__isnull=True))}
    lower = 0
    for index, (upper, _label) in enumerate(FIRST_RESPONSE_BUCKETS):
        within = Q(first_response_at__isnull=False, _waited__gte=lower)
        if upper is not None:
            within &= Q(_waited__lt=upper)
        aggregates[f"b{index}"] = Count("pk", filter=within)
        lower = upper
    found = (Ticket.objects.filter(dimensions.ticket_q(filters), in_range("created_at", *filters.utc_range()))
             .annotate(_waited=waited).aggregate(**aggregates))
    buckets = [(str(label), found[f"b{index}"]) for index, (_upper, label) in enumerate(FIRST_RESPONSE_BUCKETS)]
    return [*buckets, (_g("none yet"), found["none"])]


measure("first_response_in_time", _("First response within the committed time"),
        _("Of the tickets created in the period whose first-response clock is decided (answered, or overdue), "
          "the share answered by desk staff within the SLA's first-response target (business time on the "
          "policy's calendar)."),
        unit="percent", section="service", better="up", moment="created_at", kind="percent",
        source=TicketFacts, counted=Q(response_decided=True), hit=Q(responded_in_time=True),
        distribution=first_response_distribution, rolled={"n": "response_decided", "hit": "responded_in_time"})
measure("resolution_in_sla", _("Resolution within SLA"),
        _("Of the tickets resolved in the period (latest resolution) that have a resolution target, the share "
          "whose resolution clock never breached."),
        unit="percent", section="service", better="up", moment="resolved_at", kind="percent",
        source=TicketFacts, counted=Q(has_resolution_target=True), hit=Q(resolved_in_time=True),
        rolled={"n": "resolution_target", "hit": "resolved_in_time"})


def breach_causes(user, key: str, filters: Filters) -> list[tuple[str, int]]:
    """Breaches in the period by the clock that breached, and for the tickets pending at the time of
    asking, why they wait."""
    found = (SlaEvent.objects.filter(dimensions.ticket_q(filters, "ticket__"), percent__gte=100)
             .filter(in_range("reached_at", *filters.utc_range()))
             .order_by().values("kind", "ticket__pending_reason", "ticket__status")
             .annotate(n=Count("pk")))
    counts: dict[str, int] = {}
    for row in found:
        label = str(TargetKind(row["kind"]).label)
        if row["ticket__status"] == "pending" and row["ticket__pending_reason"] in PendingReason.values:
            label = _g("%(clock)s — %(reason)s") % {"clock": label,
                                                     "reason": PendingReason(row["ticket__pending_reason"]).label}
        counts[label] = counts.get(label, 0) + row["n"]
    return sorted(counts.items(), key=lambda item: (-item[1], item[0]))


measure("sla_breaches", _("SLA breaches"),
        _("Clocks that reached their target in the period without being met (first response, resolution, or "
          "a group's OLA), by the instant the breach was reached; the distribution gives the breached clock and, "
          "for tickets pending now, why they wait."),
        unit="count", section="service", better="down", moment="reached_at", source=SlaEvent,
        counted=Q(percent__gte=100), distribution=breach_causes, rolled={"n": "breaches"})
measure("ola_met", _("OLA performance"),
        _("Of the resolver groups' OLA clocks that stopped in the period (the group resolved the ticket or "
          "handed it on), the share within the group's OLA target. Broken down by group, it is each group's "
          "performance; the group is the clock's, not the ticket's current one."),
        unit="percent", section="service", better="up", moment="stopped_at", source=SlaTarget, kind="percent",
        counted=Q(state="stopped"), hit=Q(breached=False), own=(("group", "group_id"),), where=Q(kind=TargetKind.OLA),
        rolled={"n": "ola_stopped", "hit": "ola_met"})

# --- quality --------------------------------------------------------------------------------------------

measure("first_contact_resolution", _("First-contact resolution rate"),
        _("Of the tickets resolved in the period, the share resolved by the 1st line without transfer: never "
          "routed to a 2nd- or 3rd-line group and never reopened (e.g. a call solved on the spot)."),
        unit="percent", section="quality", better="up", moment="resolved_at", kind="percent",
        source=TicketFacts, hit=Q(beyond_first_line=False, reopened=False),
        rolled={"n": "resolved", "hit": "first_contact"})
measure("reopen_rate", _("Reopen rate"),
        _("Reopenings in the period as a share of resolutions in the period (both read from the tickets' "
          "history: each resolution and each reopening counts, so a ticket resolved twice counts twice)."),
        unit="percent", section="quality", better="down", moment="at", source=Resolution, kind="percent",
        hit=Q(reopened=True), counted=Q(reopened=False), ratio=True, listed=Q(reopened=True),
        rolled={"n": "resolutions", "hit": "reopenings"})

# --- flow -----------------------------------------------------------------------------------------------

measure("time_to_second_line", _("Time to transfer to the 2nd line"),
        _("For the tickets created in the period that were routed beyond the 1st line, the mean time in "
          "minutes from creation to the first assignment to a 2nd- or 3rd-line group."),
        unit="minutes", section="flow", better="down", moment="created_at", kind="average",
        source=TicketFacts, counted=Q(beyond_first_line=True),
        minutes=minutes_between("created_at", "first_transfer_at"),
        rolled={"n": "beyond_first_line", "sum": rollup.minutes("transfer_us")})
measure("time_to_resolve_mean", _("Mean time to resolve"),
        _("For the tickets resolved in the period, the mean time in minutes from creation to the latest "
          "resolution (wall-clock, pauses included)."),
        unit="minutes", section="flow", better="down", moment="resolved_at", kind="average",
        source=TicketFacts, minutes=minutes_between("created_at", "resolved_at"),
        rolled={"n": "resolved", "sum": rollup.minutes("resolve_us")})
measure("time_to_resolve_median", _("Median time to resolve"),
        _("For the tickets resolved in the period, the median time in minutes from creation to the latest "
          "resolution: half were resolved faster."),
        unit="minutes", section="flow", better="down", moment="resolved_at", kind="median",
        source=TicketFacts, minutes=minutes_between("created_at", "resolved_at"), octaves="resolve_bucket",
        octave_columns=tuple(RESOLVE_COLUMNS))
measure("tickets_per_agent", _("Tickets per agent"),
        _("Tickets resolved in the period divided by the number of agents they were assigned to when resolved "
          "(tickets resolved without an assignee are left out)."),
        unit="number", section="flow", better=None, moment="resolved_at", kind="per",
        source=TicketFacts, counted=Q(assignee_id__isnull=False), per="assignee_id")


# Backlog: not a timestamp within the period but a state at its end, so its own query: one conditional
# count per period end.
AGEING_BUCKETS = ((1, _("< 1 day")), (3, _("1–3 days")), (7, _("3–7 days")), (30, _("7–30 days")),
                  (None, _("> 30 days")))


def open_at(instant: datetime.datetime) -> Q:
    """Open at `instant` by the current record: created before it, not resolved or closed by then (a ticket
    reopened later counts as open since its creation: the record keeps only its latest resolution)."""
    return Q(created_at__lt=instant) & (Q(ended_at__isnull=True) | Q(ended_at__gte=instant))


def _period_ends(filters: Filters) -> list[datetime.datetime]:
    return [*filters.boundaries(), filters.utc_range()[1]]


def _backlog_rows(filters: Filters, first_end: datetime.datetime | None = None):
    first_end = first_end or _period_ends(filters)[0]
    # Resolved before the first period ended: in no backlog of this report (this bound uses the indexes).
    return TicketFacts.objects.filter(
        dimensions.ticket_q(filters), created_at__lt=filters.utc_range()[1],
    ).filter(Q(ended_at__isnull=True) | Q(ended_at__gte=first_end))


def _facts_open(filters: Filters, ends: list[datetime.datetime], narrowed: Q | None = None) -> list[int]:
    found = _backlog_rows(filters, ends[0]).filter(narrowed or Q()).aggregate(
        **{f"p{i}": Count("pk", filter=open_at(end)) for i, end in enumerate(ends)})
    return [found[f"p{i}"] for i in range(len(ends))]


def _open_counts(filters: Filters, ends: list[datetime.datetime], ranges: list[Filters]) -> list[int]:
    """The tickets open at each of `ends` (ascending): from the hourly rollup where the filters allow (a lead's
    own tickets beyond their groups from the facts), else one conditional count per end over the facts."""
    if not rollup.readable(filters, ranges):
        return _facts_open(filters, ends)
    counts = rollup.backlog(filters, ends)
    beside = rollup.beside(filters)
    if beside is None:
        return counts
    mine = _facts_open(replace(filters, scope_groups=None, scope_agent=None), ends, beside)
    return [rolled + own for rolled, own in zip(counts, mine, strict=True)]


def backlog_compute(user, filters: Filters, keys: list[str], previous: Filters | None = None):
    """The backlog at each period end of the range (and of the previous range, in the same query)."""
    ranges = [previous, filters] if previous is not None else [filters]
    ends = [_period_ends(part) for part in ranges]
    flat = [end for part in ends for end in part]
    found = _open_counts(filters, flat, ranges)
    values, index = [], 0
    for part, part_ends in zip(ranges, ends, strict=True):
        counts = found[index:index + len(part_ends)]
        index += len(part_ends)
        series = [(period, float(count)) for period, count in zip(part.periods(), counts, strict=True)]
        values.append({"backlog": Value(key="backlog", total=float(counts[-1]), count=counts[-1], series=series)})
    return (values[1], values[0]) if previous is not None else values[0]


def backlog_breakdown(user, key: str, filters: Filters, by: str) -> list[Row]:
    column = dimensions.FIELDS[by]
    end = filters.utc_range()[1]
    found = (_backlog_rows(filters).filter(open_at(end)).order_by().values(column).annotate(n=Count("pk")))
    names = dimensions.labels(by, [row[column] for row in found])
    return [Row(id=row[column], label=names.get(row[column], dimensions.none_label()), total=float(row["n"]),
                count=row["n"]) for row in found]


def backlog_tickets(user, key: str, filters: Filters, period: datetime.date | None = None):
    end = filters.period_range(period)[1] if period is not None else filters.utc_range()[1]
    return Ticket.objects.filter(pk__in=_backlog_rows(filters).filter(open_at(end)).values("ticket_id"))


def backlog_ageing(user, key: str, filters: Filters) -> list[tuple[str, int]]:
    """The tickets open at the end of the range by how long they had been open then."""
    end = filters.utc_range()[1]
    aggregates, newer = {}, end
    for index, (days, _label) in enumerate(AGEING_BUCKETS):
        older = end - datetime.timedelta(days=days) if days is not None else None
        aggregates[f"b{index}"] = Count("pk", filter=Q(created_at__lte=newer) & (
            Q(created_at__gt=older) if older is not None else Q()))
        newer = older
    found = _backlog_rows(filters).filter(open_at(end)).aggregate(**aggregates)
    return [(str(label), found[f"b{index}"]) for index, (_days, label) in enumerate(AGEING_BUCKETS)]


BACKLOG = Kpi(key="backlog", label=_("Backlog"),
              definition=_("Tickets open at the end of each period (created before it and not resolved or closed "
                           "by then); the figure is the backlog at the end of the range, its ageing how long those "
                           "tickets had been open."),
              unit="count", section="flow", better="down", drill=True)
register(BACKLOG, compute=backlog_compute, tickets=backlog_tickets, breakdown=backlog_breakdown,
         distribution=backlog_ageing, compare=True)

# --- cost -----------------------------------------------------------------------------------------------


def ticket_cost(group: str = "group_id"):
    """What the time logged on a ticket cost, from its facts: every entry at the rate of the ticket's resolver
    group when it has one, else at the rate of the role of the agent who logged it, else 0 (rates read when
    the report runs: a handful of rows, written into the query as constants). The same of a rollup row (the
    sums of its tickets' minutes; its group in `group`): a cost adds up."""
    rates = list(CostRate.objects.values_list("group_id", "role", "hourly_rate"))
    by_role = V(0.0)
    for _group, role, rate in rates:
        if role:
            by_role = by_role + F(ROLE_MINUTES[role]) * V(float(rate))
    by_group = [When(**{group: group_id}, then=F("logged_minutes") * V(float(rate)))
                for group_id, _role, rate in rates if group_id]
    cost = Case(*by_group, default=by_role, output_field=FloatField()) if by_group else by_role
    return cost / V(60.0)


measure("cost_per_ticket", _("Average cost per ticket"),
        _("For the tickets resolved in the period, the time logged on them (at any date) times the hourly rate, "
          "divided by the number of those tickets (a ticket without logged time costs 0). The rate is the "
          "ticket's resolver group's when it has one, else the rate of the role of the agent who logged the time."),
        unit="money", section="cost", better="down", moment="resolved_at", kind="average", source=TicketFacts,
        minutes=ticket_cost,
        rolled={"n": "resolved", "sum": lambda: Sum(ticket_cost("group_key"), output_field=FloatField())})
