"""Customer satisfaction (满意度) KPIs, from the survey answers, as measures of the reports engine
(reports.measures): a survey belongs to its ticket, so a report narrowed by desk, group, agent (the ticket's
assignee), service, category, channel or organisation counts the surveys of those tickets. docs/kpis.md says the
same as the definitions below."""

from __future__ import annotations

from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from servicedesk.reports.measures import measure

from .models import SurveyResponse

SATISFIED = 4  # a rating of 4 or 5
ANSWERED = Q(rating__isnull=False)

measure("csat_average", _("Customer satisfaction (average)"),
        _("The average rating, from 1 (very dissatisfied) to 5 (very satisfied), of the survey answers given in the "
          "period (by the time of the answer)."),
        unit="rating", section="quality", better="up", kind="average", source=SurveyResponse, moment="answered_at",
        counted=ANSWERED, minutes=F("rating"), where=ANSWERED)
measure("csat_satisfied_pct", _("Satisfied customers"),
        _("The share of the survey answers given in the period that rated 4 or 5."),
        unit="percent", section="quality", better="up", kind="percent", source=SurveyResponse, moment="answered_at",
        counted=ANSWERED, hit=Q(rating__gte=SATISFIED), where=ANSWERED)
measure("csat_response_rate", _("Survey response rate"),
        _("The share of the surveys asked in the period (one per resolution a customer was asked to confirm, by the "
          "time of the resolution) that the customer answered, at any time until now."),
        unit="percent", section="quality", better="up", kind="percent", source=SurveyResponse, moment="asked_at",
        hit=ANSWERED)
