"""The phone KPIs, from the call records (servicedesk.telephony's Call): inbound calls by the time they were
offered to the desk's queue. A call's group is the queue it came in on, its agent the person who answered (or
took it over), its organisation the caller's; it has no service or category, so a report narrowed by those (or
by a channel other than the phone) has no call figures. docs/kpis.md says the same as the definitions below."""

from __future__ import annotations

from django.db.models import Count, Q, Sum
from django.utils.translation import gettext_lazy as _

from servicedesk.reports.filters import Filters
from servicedesk.reports.kpis import Kpi, Value, register
from servicedesk.telephony.models import Call, Direction, State
from servicedesk.tickets.models import Channel

from . import figures

CALLS_OFFERED = Kpi(
    key="calls_offered", label=_("Calls offered"),
    definition=_("Inbound calls that reached the desk's queue in the period, answered or not (a call an agent "
                 "logged by hand in the quick log counts as offered and answered)."),
    unit="count", section="volume", better=None, drill=False)
CALLS_ANSWERED = Kpi(
    key="calls_answered", label=_("Calls answered"),
    definition=_("Inbound calls offered in the period that an agent answered."),
    unit="count", section="volume", better="up", drill=False)
CALLS_ABANDONED_RATE = Kpi(
    key="calls_abandoned_rate", label=_("Abandoned-call rate"),
    definition=_("The share of the inbound calls offered in the period that the caller hung up before an agent "
                 "answered (呼损率): abandoned calls ÷ calls offered."),
    unit="percent", section="volume", better="down", drill=False)
CALLS_ANSWER_TIME = Kpi(
    key="calls_answer_time", label=_("Average answer time (seconds)"),
    definition=_("The average time, in seconds, that the answered inbound calls offered in the period waited in "
                 "the queue until an agent answered (calls logged by hand, which no telephone system timed, are "
                 "left out)."),
    unit="number", section="volume", better="down", drill=False)
KPIS = (CALLS_OFFERED, CALLS_ANSWERED, CALLS_ABANDONED_RATE, CALLS_ANSWER_TIME)

_FIGURES = {
    "calls_offered": figures.count("offered"),
    "calls_answered": figures.count("answered"),
    "calls_abandoned_rate": figures.share("abandoned", "offered"),
    "calls_answer_time": figures.average("wait_sum", "timed"),
}


def _calls(filters: Filters):
    """The inbound calls within the report's dimensions, or None when it is narrowed by one calls do not carry."""
    if filters.service is not None or filters.category is not None or filters.channel not in (None, Channel.PHONE):
        return None
    q = Q(direction=Direction.INBOUND)
    for name, field in (("desk", "queue_group__desk_id"), ("group", "queue_group_id"), ("agent", "agent_id"),
                        ("organisation", "person__organisation_id")):
        if getattr(filters, name) is not None:
            q &= Q(**{field: getattr(filters, name)})
    if filters.scope_groups is not None:
        q &= Q(queue_group_id__in=filters.scope_groups) | Q(agent_id=filters.scope_agent)
    return Call.objects.filter(q)


def compute(user, filters: Filters, keys: list[str]) -> dict[str, Value]:
    calls = _calls(filters)
    if calls is None:
        return {key: figures.empty(key, filters) for key in keys}
    answered = Q(answered_at__isnull=False)
    per_bucket, total = figures.by_period(calls, "offered_at", filters, {
        "offered": Count("id"), "answered": Count("id", filter=answered),
        "abandoned": Count("id", filter=Q(state=State.ABANDONED)),
        "timed": Count("id", filter=answered & Q(wait_seconds__isnull=False)),
        "wait_sum": Sum("wait_seconds", filter=answered),
    })
    return {key: figures.value(key, filters, per_bucket, total, _FIGURES[key]) for key in keys}


def register_all() -> None:
    for kpi in KPIS:
        register(kpi, compute=compute)
