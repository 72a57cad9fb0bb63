"""The survey's signed links (core.links): one per rating, naming the ticket and its resolution, so a link
rates only its own ticket's resolution, and a ticket reopened and resolved again asks with new links."""

from __future__ import annotations

import datetime

from django.conf import settings
from django.urls import reverse

from servicedesk.core import links
from servicedesk.tickets.models import HistoryEntry, Status

from . import texts
from .models import RATINGS

PURPOSE = "survey"


def max_age() -> datetime.timedelta:
    return datetime.timedelta(days=settings.SERVICEDESK_SURVEY_LINK_DAYS)


def resolution_number(ticket_id: int, version: int | None = None) -> int:
    """How many times the ticket had been resolved (by its version `version`, or by now): its history's
    changes of status to resolved."""
    entries = HistoryEntry.objects.filter(ticket_id=ticket_id, field="status", new_value=Status.RESOLVED)
    if version is not None:
        entries = entries.filter(version__lte=version)
    return entries.count()


def token(ticket_id: int, resolution: int, rating: int) -> str:
    return links.make(PURPOSE, ticket_id, resolution, rating)


def read(value: str) -> tuple[int, int, int] | None:
    """(ticket id, resolution, rating) of a valid, unexpired survey token, else None."""
    values = links.read(PURPOSE, value, max_age())
    if not values or len(values) != 3 or not all(v.isdigit() for v in values):
        return None
    ticket_id, resolution, rating = (int(v) for v in values)
    if rating not in RATINGS or resolution < 1:
        return None
    return ticket_id, resolution, rating


def rating_links(ticket_id: int, resolution: int) -> list[dict]:
    """The five links of a resolution mail, worst to best."""
    return [{"rating": rating,
             "url": settings.SERVICEDESK_BASE_URL + reverse("survey_rate", args=[token(ticket_id, resolution, rating)])}
            for rating in RATINGS]


def resolution_survey(ticket, version: int) -> dict | str:
    """What the resolution mail of the ticket's version `version` asks its requester: the question (in the active
    language) and the five links; empty when there is nothing to rate."""
    resolution = resolution_number(ticket.pk, version)
    if resolution < 1 or ticket.requester.is_system_identity:
        return ""
    return {"question": texts.current().question, "links": rating_links(ticket.pk, resolution)}
