"""The rating page a resolution mail's link opens (no sign-in: the signed token names the ticket, its
resolution and the rating clicked). GET shows the rating chosen and a comment box with one button; only the POST
stores (and confirms the resolution), so a mail scanner following links rates nothing. A forged, altered,
expired or used link gets a clear page and stores nothing."""

from __future__ import annotations

import zoneinfo

from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_http_methods

from servicedesk.core.errors import ActionError
from servicedesk.notify.context import time_zone_for
from servicedesk.tickets.models import Ticket

from . import actions, texts
from . import links as survey_links
from .forms import RateForm
from .models import SurveyResponse


def _page(request, context: dict, status: int = 200):
    ticket = context.get("ticket")
    zone = time_zone_for(ticket.requester, ticket.desk) if ticket is not None else None
    with timezone.override(zoneinfo.ZoneInfo(zone) if zone else None):
        return render(request, "surveys/rate.html", {"texts": texts.current(), **context}, status=status)


@require_http_methods(["GET", "POST"])
def rate(request, token: str):
    found = survey_links.read(token)
    ticket = (Ticket.objects.select_related("requester", "desk").filter(pk=found[0]).first()
              if found is not None else None)
    if ticket is None:
        return _page(request, {"invalid": True}, status=404)
    _ticket_id, resolution, clicked = found
    answered = SurveyResponse.objects.filter(ticket=ticket, resolution=resolution, rating__isnull=False).first()
    if answered is not None:
        return _page(request, {"ticket": ticket, "answered": answered}, status=409 if request.method == "POST" else 200)
    if request.method == "GET":
        asked_now = actions.open_survey(ticket)
        if asked_now is None or asked_now.resolution != resolution:
            # Reopened since the mail was sent: said at once rather than after the customer wrote a comment.
            return _page(request, {"ticket": ticket, "refused": actions.reopened_message(ticket)})
        return _page(request, {"ticket": ticket, "form": RateForm(initial={"rating": clicked})})
    form = RateForm(request.POST)
    if not form.is_valid():
        return _page(request, {"ticket": ticket, "form": form}, status=400)
    try:
        survey = actions.answer_by_link(token, rating=form.cleaned_data["rating"],
                                        comment=form.cleaned_data["comment"])
    except ActionError as error:
        return _page(request, {"ticket": ticket, "refused": error.message}, status=error.status_code)
    return _page(request, {"ticket": ticket, "done": survey})
