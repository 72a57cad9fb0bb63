"""/api/v1/tickets/{id}/survey: the requester rates a resolution (as from the portal or the mail's link), and the
survey answers a ticket's detail shows its staff (and its requester)."""

import datetime

from django.utils.translation import gettext as _
from ninja import Router
from pydantic import Field, StrictInt

from servicedesk.core.errors import NotFound
from servicedesk.core.inputs import Id
from servicedesk.surveys import actions
from servicedesk.surveys.actions import COMMENT_MAX
from servicedesk.surveys.models import SurveyResponse
from servicedesk.tickets import permissions
from servicedesk.tickets.models import Channel

from .schemas import Input, Message, Out, TicketOut

router = Router(tags=["satisfaction surveys"])


class SurveyIn(Input):
    # Strict: pydantic's lax mode reads `true` as 1, a "very dissatisfied" nobody gave.
    rating: StrictInt = Field(..., description="1 (very dissatisfied) to 5 (very satisfied).")
    comment: str = Field("", max_length=COMMENT_MAX)


class SurveyOut(Out):
    resolution: int = Field(description="1 for the ticket's first resolution, 2 after it was reopened and resolved "
                                        "again, …")
    rating: int
    comment: str
    channel: str
    asked_at: datetime.datetime
    answered_at: datetime.datetime
    follow_up: str | None = Field(description="The number of the follow-up ticket opened from a low rating (staff "
                                              "only).")


class TicketDetailOut(TicketOut):
    surveys: list[SurveyOut] = Field(description="The satisfaction survey answers of each resolution (desk staff "
                                                 "and the requester).")


def _out(survey: SurveyResponse, staff: bool) -> dict:
    return {"resolution": survey.resolution, "rating": survey.rating, "comment": survey.comment,
            "channel": survey.channel, "asked_at": survey.asked_at, "answered_at": survey.answered_at,
            "follow_up": survey.follow_up.number if staff and survey.follow_up_id else None}


def answers(ticket, user) -> list[dict]:
    """The ticket's survey answers as its detail shows them (one query)."""
    staff = user.is_desk_staff
    if not staff and ticket.requester_id != user.pk:
        return []
    found = SurveyResponse.objects.filter(ticket=ticket, rating__isnull=False).select_related("follow_up")
    return [_out(survey, staff) for survey in found.order_by("resolution")]


@router.post("/{int:ticket_id}/survey", response={200: SurveyOut, 400: Message, 403: Message, 404: Message,
                                                  409: Message, 422: Message}, summary="Rate a resolution")
def answer_survey(request, ticket_id: Id, payload: SurveyIn):
    """The requester rates the ticket's current resolution, once; a ticket waiting for confirmation is confirmed
    with it (closed), as with the resolution mail's links."""
    ticket = permissions.visible_tickets(request.user).filter(pk=ticket_id).first()
    if ticket is None:
        raise NotFound(_("Ticket not found."))
    survey = actions.answer(ticket, actor=request.user, rating=payload.rating, comment=payload.comment,
                            channel=Channel.API)
    return _out(survey, request.user.is_desk_staff)
