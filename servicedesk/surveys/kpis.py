"""Customer satisfaction (满意度) KPIs, from the survey answers. A survey belongs to its ticket, so a report narrowed
by desk, group, agent (the ticket's assignee), service, category, channel or organisation counts the surveys of
those tickets. docs/kpis.md says the same as the definitions below."""

from __future__ import annotations

import datetime

from django.db.models import Count, Q, Sum
from django.utils.translation import gettext_lazy as _

from servicedesk.reports import dimensions
from servicedesk.reports.filters import Filters
from servicedesk.reports.kpis import Kpi, Value, register
from servicedesk.tickets.models import Ticket

from . import figures
from .models import SurveyResponse

SATISFIED = 4  # a rating of 4 or 5

CSAT_AVERAGE = Kpi(
    key="csat_average", label=_("Customer satisfaction (average)"),
    definition=_("The average rating, from 1 (very dissatisfied) to 5 (very satisfied), of the survey answers given "
                 "in the period (by the time of the answer)."),
    unit="rating", section="quality", better="up", drill=True)
CSAT_SATISFIED = Kpi(
    key="csat_satisfied_pct", label=_("Satisfied customers"),
    definition=_("The share of the survey answers given in the period that rated 4 or 5."),
    unit="percent", section="quality", better="up", drill=True)
CSAT_RESPONSE_RATE = Kpi(
    key="csat_response_rate", label=_("Survey response rate"),
    definition=_("The share of the surveys asked in the period (one per resolution a customer was asked to "
                 "confirm, by the time of the resolution) that the customer answered, at any time until now."),
    unit="percent", section="quality", better="up", drill=True)

# KPI → the timestamp that puts a survey in a period, and which surveys it is computed over.
_MOMENTS = {"csat_average": "answered_at", "csat_satisfied_pct": "answered_at", "csat_response_rate": "asked_at"}
_FIGURES = {
    "csat_average": figures.average("rating_sum", "answered"),
    "csat_satisfied_pct": figures.share("satisfied", "answered"),
    "csat_response_rate": figures.share("answered", "asked"),
}


def _surveys(filters: Filters):
    return SurveyResponse.objects.filter(dimensions.ticket_q(filters, prefix="ticket__"))


def compute(user, filters: Filters, keys: list[str]) -> dict[str, Value]:
    values = {}
    for moment in sorted({_MOMENTS[key] for key in keys}):
        answered = Q(rating__isnull=False)
        per_bucket, total = figures.by_period(_surveys(filters), moment, filters, {
            "asked": Count("id"), "answered": Count("id", filter=answered),
            "rating_sum": Sum("rating", filter=answered),
            "satisfied": Count("id", filter=Q(rating__gte=SATISFIED)),
        })
        for key in keys:
            if _MOMENTS[key] == moment:
                values[key] = figures.value(key, filters, per_bucket, total, _FIGURES[key])
    return values


def tickets(user, key: str, filters: Filters, period: datetime.date | None = None):
    """The tickets of the surveys behind the figure (answered ones for the average and the share satisfied)."""
    moment = _MOMENTS[key]
    start, end = filters.period_range(period) if period is not None else filters.utc_range()
    surveys = _surveys(filters).filter(**{f"{moment}__gte": start, f"{moment}__lt": end})
    if moment == "answered_at":
        surveys = surveys.filter(rating__isnull=False)
    return Ticket.objects.filter(pk__in=surveys.values("ticket_id"))


def register_all() -> None:
    for kpi in (CSAT_AVERAGE, CSAT_SATISFIED, CSAT_RESPONSE_RATE):
        register(kpi, compute=compute, tickets=tickets)
