"""The phone KPIs, from the call records (servicedesk.telephony's Call), as measures of the reports engine: inbound
calls by the time they were offered to the desk's queue. A call's group is the queue it came in on (its desk, that
group's desk), its agent the person who answered (or took it over), its organisation the caller's; narrowed by
service, category or channel, the calls logged as tickets of it count. docs/kpis.md says the same as the
definitions below."""

from __future__ import annotations

from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from servicedesk.reports.measures import measure
from servicedesk.telephony.models import Call, Direction, State

INBOUND = Q(direction=Direction.INBOUND)
ANSWERED = Q(answered_at__isnull=False)
OWN = (("desk", "queue_group__desk_id"), ("group", "queue_group_id"), ("agent", "agent_id"),
       ("organisation", "person__organisation_id"))
CALLS = dict(source=Call, moment="offered_at", own=OWN, where=INBOUND)

measure("calls_offered", _("Calls offered"),
        _("Inbound calls that reached the desk's queue in the period, answered or not (a call an agent logged by "
          "hand in the quick log counts as offered and answered)."),
        unit="count", section="volume", better=None, **CALLS)
measure("calls_answered", _("Calls answered"),
        _("Inbound calls offered in the period that an agent answered."),
        unit="count", section="volume", better="up", counted=ANSWERED, **CALLS)
measure("calls_abandoned_rate", _("Abandoned-call rate"),
        _("The share of the inbound calls offered in the period that the caller hung up before an agent answered "
          "(呼损率): abandoned calls ÷ calls offered."),
        unit="percent", section="volume", better="down", kind="percent", hit=Q(state=State.ABANDONED), **CALLS)
measure("calls_answer_time", _("Average answer time (seconds)"),
        _("The average time, in seconds, that the answered inbound calls offered in the period waited in the queue "
          "until an agent answered (calls logged by hand, which no telephone system timed, are left out)."),
        unit="number", section="volume", better="down", kind="average",
        counted=ANSWERED & Q(wait_seconds__isnull=False), minutes=F("wait_seconds"), **CALLS)
