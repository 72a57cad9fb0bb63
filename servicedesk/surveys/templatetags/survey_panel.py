"""The ticket page's satisfaction panel: each resolution's survey answer, and a follow-up from a low one."""

from django import template

from servicedesk.surveys import actions
from servicedesk.surveys.models import SurveyResponse

register = template.Library()


@register.simple_tag
def ticket_surveys(ticket, user) -> dict:
    answered = list(SurveyResponse.objects.filter(ticket=ticket, rating__isnull=False)
                    .select_related("follow_up").order_by("resolution"))
    return {"answered": answered, "may_follow_up": actions.may_follow_up(user)}
