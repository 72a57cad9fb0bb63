"""The low-rating mail through notify's outbox: to the rated ticket's owner and its group's lead, each in their
language, once per survey answer."""

from __future__ import annotations

from django.conf import settings
from django.urls import reverse

from servicedesk.notify import context as ctx
from servicedesk.notify.models import Event
from servicedesk.notify.planning import Notice, queue, recipient_for

from .models import SurveyResponse


def plan_low_rating(survey_id: int) -> list[int]:
    survey = (SurveyResponse.objects.select_related("ticket__desk", "ticket__owner", "ticket__group__lead",
                                                    "ticket__assignee", "ticket__requester")
              .filter(pk=survey_id, rating__isnull=False).first())
    if survey is None or not survey.is_low:
        return []
    ticket = survey.ticket
    people = [ticket.owner, ticket.group.lead if ticket.group_id else None]
    notices, seen = [], set()
    for person in people:
        if person is None or person.pk in seen or person.is_system_identity:
            continue
        seen.add(person.pk)
        recipient = recipient_for(person, ticket.desk)
        if recipient is not None:
            notices.append(Notice(Event.SURVEY_LOW_RATING, recipient, f"survey:{survey.pk}"))

    def build(notice: Notice) -> dict:
        page = settings.SERVICEDESK_BASE_URL + reverse("console:ticket", args=[ticket.number])
        return {"ticket": ctx.ticket_context(ticket, staff=True),
                "survey": {"rating": survey.rating, "comment": survey.comment, "resolution": survey.resolution,
                           "follow_up_url": page + "#survey"}}

    return queue(notices, ticket, build)
