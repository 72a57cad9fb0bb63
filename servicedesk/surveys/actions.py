"""Every change to satisfaction surveys: asking when a ticket is resolved, answering (portal, e-mail link, API),
closing resolved tickets nobody confirmed, the follow-up of a low rating, and the survey's texts.

An answer to the ticket's current resolution while it waits for confirmation also confirms it (one click from
the resolution mail: "solved, and this is how we did"); a resolution that was reopened is not rated any more
(the ticket asks again when it is resolved again). Each resolution is answered once.
"""

from __future__ import annotations

import datetime

from django.conf import settings
from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from servicedesk.accounts.identity import system_user
from servicedesk.accounts.models import User
from servicedesk.core import audit
from servicedesk.core.errors import ActionError, Conflict, NotAllowed, NotFound
from servicedesk.notify.context import language_for
from servicedesk.tickets import actions as tickets
from servicedesk.tickets import history_notes
from servicedesk.tickets.models import Channel, LinkKind, Status, Ticket, TicketType

from . import closing
from . import links as survey_links
from .models import RATINGS, SurveyResponse, SurveyText

COMMENT_MAX = 2000

audit.register_events([
    ("survey_answered", gettext_lazy("survey answered")),
    ("survey_follow_up", gettext_lazy("follow-up ticket opened")),
])


def _low_rating_announce(survey: SurveyResponse) -> None:
    from .tasks import tell_low_rating

    transaction.on_commit(lambda: tell_low_rating.delay(survey.pk))


# ---------------------------------------------------------------------------------------------
# Asking


def ask(ticket_id: int) -> SurveyResponse | None:
    """Record the survey of the ticket's current resolution (once), if it still waits for confirmation: a ticket
    closed in the change that resolved it (solved on the spot, merged) is not surveyed, nor one the desk
    itself requested (monitoring)."""
    ticket = Ticket.objects.select_related("requester").filter(pk=ticket_id).first()
    if ticket is None or ticket.status != Status.RESOLVED or ticket.requester.is_system_identity:
        return None
    resolution = survey_links.resolution_number(ticket.pk)
    if resolution < 1:
        return None
    return record_asked(ticket, resolution, ticket.resolved_at or timezone.now())


def record_asked(ticket: Ticket, resolution: int, asked_at: datetime.datetime) -> SurveyResponse:
    """The survey of the ticket's `resolution`-th resolution, asked at `asked_at` (once)."""
    survey, _created = SurveyResponse.objects.get_or_create(ticket=ticket, resolution=resolution,
                                                            defaults={"asked_at": asked_at})
    return survey


# ---------------------------------------------------------------------------------------------
# Answering


def check_rating(rating) -> int:
    if isinstance(rating, bool) or not isinstance(rating, int) or rating not in RATINGS:
        raise ActionError(_("Choose a rating from 1 (very dissatisfied) to 5 (very satisfied)."))
    return rating


def _check_comment(comment: str) -> str:
    comment = (comment or "").strip()
    if len(comment) > COMMENT_MAX:
        raise ActionError(_("The comment is too long (%(length)s characters); it can have at most %(limit)s "
                            "characters.") % {"length": len(comment), "limit": COMMENT_MAX})
    return comment


def open_survey(ticket: Ticket) -> SurveyResponse | None:
    """The survey the requester may answer now: the current resolution's, unanswered, on a ticket that is resolved
    or closed (not reopened)."""
    if ticket.status not in (Status.RESOLVED, Status.CLOSED) or ticket.merged_into_id:
        return None
    resolution = survey_links.resolution_number(ticket.pk)
    if resolution < 1:
        return None
    survey = SurveyResponse.objects.filter(ticket=ticket, resolution=resolution).first()
    if survey is None:
        return SurveyResponse(ticket=ticket, resolution=resolution)
    return None if survey.is_answered else survey


def reopened_message(ticket: Ticket) -> str:
    return _("%(number)s was reopened since this was asked: you will be asked again once it is resolved.") % {
        "number": ticket.number}


@transaction.atomic
def answer(ticket: Ticket | int, *, actor: User, rating: int, comment: str = "", channel: str,
           resolution: int | None = None) -> SurveyResponse:
    """The requester rates the ticket's resolution (`resolution`: the one a link names; None: the current one)."""
    rating = check_rating(rating)
    comment = _check_comment(comment)
    ticket = tickets.lock_ticket(ticket, actor)
    if actor.pk != ticket.requester_id:
        raise NotAllowed(_("Only the requester can rate how their ticket was solved."))
    current = survey_links.resolution_number(ticket.pk)
    if current < 1:
        raise ActionError(_("%(number)s has not been resolved yet: there is nothing to rate.")
                          % {"number": ticket.number})
    resolution = current if resolution is None else resolution
    reopened = resolution != current or ticket.status not in (Status.RESOLVED, Status.CLOSED)
    if reopened or ticket.merged_into_id:
        raise ActionError(reopened_message(ticket))
    survey = SurveyResponse.objects.select_for_update().filter(ticket=ticket, resolution=resolution).first()
    if survey is None:
        survey = SurveyResponse.objects.create(ticket=ticket, resolution=resolution,
                                               asked_at=ticket.resolved_at or timezone.now())
    if survey.is_answered:
        raise Conflict(_("This resolution of %(number)s has already been rated. Thank you!")
                       % {"number": ticket.number})
    if ticket.status == Status.RESOLVED:
        tickets.transition(ticket, "confirm", actor=actor, channel=channel)
    survey.rating, survey.comment, survey.channel = rating, comment, channel
    survey.answered_at, survey.answered_by = timezone.now(), actor
    survey.save(update_fields=["rating", "comment", "channel", "answered_at", "answered_by"])
    audit.record_event(survey, "survey_answered", actor=actor, channel=channel, note=comment[:200],
                       changes={"rating": ("", str(rating))})
    if survey.is_low:
        _low_rating_announce(survey)
    return survey


def answer_by_link(token: str, *, rating: int, comment: str = "") -> SurveyResponse:
    """A rating sent from the resolution mail's link (no sign-in: the signed token names the ticket and its
    resolution; the requester answers)."""
    found = survey_links.read(token)
    ticket = Ticket.objects.select_related("requester").filter(pk=found[0]).first() if found else None
    if ticket is None:
        raise NotFound(_("This survey link is not valid, or it is too old."))
    if not ticket.requester.is_active:
        raise NotAllowed(_("This survey link is not valid, or it is too old."))
    return answer(ticket, actor=ticket.requester, rating=rating, comment=comment, channel=Channel.EMAIL,
                  resolution=found[1])


# ---------------------------------------------------------------------------------------------
# Closing what nobody confirmed


def close_unconfirmed(now: datetime.datetime | None = None) -> int:
    """Periodic: close each resolved ticket whose requester neither confirmed nor reopened it within
    SERVICEDESK_AUTO_CLOSE_WORKING_DAYS working days of the desk's calendar. Returns how many were closed."""
    now = now or timezone.now()
    days = settings.SERVICEDESK_AUTO_CLOSE_WORKING_DAYS
    if days <= 0:
        return 0
    calendar = closing.desk_calendar()
    # N working days are at least N calendar days: only those tickets are looked at one by one.
    candidates = (Ticket.objects.filter(status=Status.RESOLVED, resolved_at__lte=now - datetime.timedelta(days=days))
                  .order_by("resolved_at", "id").values_list("pk", "resolved_at"))
    closed = 0
    for pk, resolved_at in candidates:
        if closing.is_due(resolved_at, days, calendar, now) and _close_one(pk, days, calendar, now):
            closed += 1
    return closed


@transaction.atomic
def _close_one(pk: int, days: int, calendar, now: datetime.datetime) -> bool:
    actor = system_user()
    ticket = tickets.lock_ticket(pk, actor)
    # Read again under the lock: confirmed, reopened or resolved again since the list was read.
    if ticket.status != Status.RESOLVED or not closing.is_due(ticket.resolved_at, days, calendar, now):
        return False
    tickets.transition(ticket, "close", actor=actor, channel=Channel.SYSTEM,
                       note=history_notes.closed_unconfirmed_note(days))
    return True


# ---------------------------------------------------------------------------------------------
# Low ratings


def may_follow_up(user: User) -> bool:
    return user.is_desk_staff and not user.is_system_identity


@transaction.atomic
def open_follow_up(survey: SurveyResponse | int, *, actor: User, channel: str) -> Ticket:
    """A complaint ticket about a low rating, for the same requester, linked to the rated ticket (once)."""
    survey = SurveyResponse.objects.select_for_update().select_related("ticket").filter(
        pk=getattr(survey, "pk", survey)).first()
    if survey is None or not may_follow_up(actor):
        raise NotFound(_("Survey answer not found."))
    original = tickets.lock_ticket(survey.ticket, actor)
    if not survey.is_answered:
        raise ActionError(_("This survey has not been answered yet."))
    if survey.follow_up_id:
        raise ActionError(_("A follow-up ticket was already opened: %(number)s.")
                          % {"number": survey.follow_up.number})
    # Written in the requester's language, as the ticket is theirs.
    with translation.override(language_for(original.requester.language, original.desk)):
        title = _("Follow-up of %(number)s: rated %(rating)s of 5") % {"number": original.number,
                                                                       "rating": survey.rating}
        description = survey.comment or _("(no comment given)")
    follow_up = tickets.create_ticket(
        actor=actor, title=title, description=description, type=TicketType.COMPLAINT, channel=channel,
        requester=original.requester, category=original.category, group=original.group, desk=original.desk)
    tickets.link(follow_up, original, LinkKind.RELATED, actor=actor, channel=channel)
    survey.follow_up = follow_up
    survey.save(update_fields=["follow_up"])
    audit.record_event(survey, "survey_follow_up", actor=actor, channel=channel,
                       changes={"follow_up": ("", follow_up.number)})
    return follow_up


# ---------------------------------------------------------------------------------------------
# Texts


def may_edit_texts(user: User) -> bool:
    return user.sees_whole_desk and not user.is_system_identity


@transaction.atomic
def save_text(language: str, *, actor: User, channel: str, question: str, thanks: str,
              low_rating: str) -> SurveyText:
    """The survey's texts in one language (empty: the desk's default)."""
    if not may_edit_texts(actor):
        raise NotAllowed(_("Only desk managers and administrators may change the survey's texts."))
    if language not in dict(settings.LANGUAGES):
        raise ActionError(_("Unknown language: %(language)s") % {"language": language})
    row = SurveyText.objects.select_for_update().filter(language=language).first()
    before = audit.snapshot(row) if row is not None else None
    row = row or SurveyText(language=language)
    row.question, row.thanks, row.low_rating = question.strip(), thanks.strip(), low_rating.strip()
    for field in ("question", "thanks", "low_rating"):
        limit = SurveyText._meta.get_field(field).max_length
        if len(getattr(row, field)) > limit:
            raise ActionError(_("%(field)s can have at most %(limit)s characters.")
                              % {"field": SurveyText._meta.get_field(field).verbose_name, "limit": limit})
    row.save()
    if before is None:
        audit.record_created(row, actor=actor, channel=channel)
    else:
        audit.record_change(row, before, actor=actor, channel=channel)
    return row
