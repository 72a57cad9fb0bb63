"""/api/v1/sla: business calendars and SLA policies. Desk staff read them (they explain a ticket's
clocks); administrators change them through `servicedesk.sla.actions`. Customers get 403: what they
are promised is on their own tickets (`clocks`: the response and resolution due times), while the
policies name other organisations and internal targets."""

import datetime
from typing import Annotated, Literal

from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import Query, Router
from ninja import Status as Reply
from ninja.errors import HttpError
from pydantic import Field

from servicedesk.accounts.models import Organisation
from servicedesk.core import audit
from servicedesk.core.errors import ActionError, NotAllowed, NotFound
from servicedesk.core.inputs import Id
from servicedesk.sla import actions
from servicedesk.sla.models import Calendar, SlaPolicy
from servicedesk.tickets.models import Category

from .schemas import (
    PRIORITY_MEANING,
    Input,
    Message,
    Out,
    PendingReasonName,
    PriorityIn,
    Ref,
    StatusName,
    TicketTypeName,
)

router = Router(tags=["sla"])

ERRORS = {400: Message, 403: Message, 404: Message, 409: Message}
# Targets and orders fit the databases' 32-bit integer columns with room to spare (a million minutes is
# about 2 years of round-the-clock time).
MINUTES_MAX = 1_000_000
MAX_YEARS = 20

Span = Annotated[list[Annotated[str, Field(max_length=8)]], Field(min_length=2, max_length=2)]
WEEKLY = ('Working hours per weekday, 0 = Monday … 6 = Sunday, in the calendar\'s local time, e.g. '
          '`{"0": [["09:00", "12:00"], ["13:00", "18:00"]]}`; a span whose end is not after its start runs past '
          'midnight.')


class CalendarSummaryOut(Out):
    id: int
    name: str
    time_zone: str
    weekly: dict[str, list[list[str]]] = Field(..., description=WEEKLY)
    is_default: bool
    updated_at: datetime.datetime


class CalendarDayOut(Out):
    date: datetime.date
    kind: Literal["holiday", "workday"] = Field(..., description="`holiday`: no work; `workday`: an adjusted "
                                                "working day (调休) with the hours of weekday `works_as`.")
    works_as: int = Field(..., description="For a `workday`: the weekday (0 = Monday) whose hours apply.")
    name: str
    source: Literal["manual", "official"]


class CalendarOut(CalendarSummaryOut):
    year_from: int
    year_to: int
    days: list[CalendarDayOut] = Field(..., description="Holidays and adjusted working days of the years asked.")


class CalendarIn(Input):
    name: str = Field(..., min_length=1, max_length=200)
    time_zone: str = Field("Asia/Shanghai", min_length=1, max_length=64, description="An IANA time zone.")
    weekly: dict[str, list[Span]] | None = Field(None, description=WEEKLY + " Default: Monday to Friday, "
                                                 "09:00–12:00 and 13:00–18:00.")
    is_default: bool = False


class CalendarPatch(Input):
    name: str = Field(None, min_length=1, max_length=200)
    time_zone: str = Field(None, min_length=1, max_length=64)
    weekly: dict[str, list[Span]] = Field(None, description=WEEKLY)
    is_default: bool = None


class PolicyOut(Out):
    id: int
    name: str
    order: int = Field(..., description="Active policies are tried by order; the first match applies.")
    is_active: bool
    calendar: Ref
    priorities: list[int] = Field(..., description=PRIORITY_MEANING + "Empty: any priority.")
    ticket_types: list[str] = Field(..., description="Empty: any type.")
    category: Ref | None = Field(..., description="Matches this category and its subcategories; null: any.")
    organisation: Ref | None = Field(..., description="Null: any organisation.")
    first_response_minutes: int = Field(..., description="Business minutes.")
    resolution_minutes: int = Field(..., description="Business minutes.")
    follow_up_minutes: int | None
    pause_statuses: list[str]
    pause_reasons: list[str] = Field(..., description="A pending ticket pauses only for these; empty: any reason.")
    restart_on_reopen: bool
    thresholds: list[int] = Field(..., description="Warning thresholds in percent of a target.")


Threshold = Annotated[int, Field(ge=1, le=99)]


class PolicyIn(Input):
    name: str = Field(..., min_length=1, max_length=200)
    order: int = Field(0, ge=0, le=MINUTES_MAX)
    is_active: bool = True
    calendar: Id
    priorities: list[PriorityIn] = Field([], max_length=5)
    ticket_types: list[TicketTypeName] = Field([], max_length=10)
    category: Id | None = None
    organisation: Id | None = None
    first_response_minutes: int = Field(..., ge=1, le=MINUTES_MAX, description="Business minutes.")
    resolution_minutes: int = Field(..., ge=1, le=MINUTES_MAX, description="Business minutes.")
    follow_up_minutes: int | None = Field(None, ge=1, le=MINUTES_MAX)
    pause_statuses: list[StatusName] = Field(["pending"], max_length=10)
    pause_reasons: list[PendingReasonName] = Field(["customer"], max_length=10)
    restart_on_reopen: bool = True
    thresholds: list[Threshold] = Field([75], max_length=10)


class PolicyPatch(Input):
    name: str = Field(None, min_length=1, max_length=200)
    order: int = Field(None, ge=0, le=MINUTES_MAX)
    is_active: bool = None
    calendar: Id = None
    priorities: list[PriorityIn] = Field(None, max_length=5)
    ticket_types: list[TicketTypeName] = Field(None, max_length=10)
    category: Id | None = None
    organisation: Id | None = None
    first_response_minutes: int = Field(None, ge=1, le=MINUTES_MAX)
    resolution_minutes: int = Field(None, ge=1, le=MINUTES_MAX)
    follow_up_minutes: int | None = Field(None, ge=1, le=MINUTES_MAX)
    pause_statuses: list[StatusName] = Field(None, max_length=10)
    pause_reasons: list[PendingReasonName] = Field(None, max_length=10)
    restart_on_reopen: bool = None
    thresholds: list[Threshold] = Field(None, max_length=10)


def _staff(request) -> None:
    if not request.user.is_desk_staff:
        raise NotAllowed(_("Only desk staff may read calendars and SLA policies."))


def _admin(request) -> None:
    # Checked here too so that a customer or agent learns nothing from a 404 or 400 on a write.
    if not actions.may_configure(request.user):
        raise NotAllowed(_("Only administrators may change business calendars and SLA policies."))


def _calendar_row(pk: int) -> Calendar:
    calendar = Calendar.objects.filter(pk=pk).first()
    if calendar is None:
        raise NotFound(_("Calendar not found."))
    return calendar


def _policy_row(pk: int) -> SlaPolicy:
    policy = SlaPolicy.objects.select_related("calendar", "category", "organisation").filter(pk=pk).first()
    if policy is None:
        raise NotFound(_("SLA policy not found."))
    return policy


def _summary(c: Calendar) -> dict:
    return {"id": c.pk, "name": c.name, "time_zone": c.time_zone, "weekly": c.weekly or {},
            "is_default": c.is_default, "updated_at": c.updated_at}


def _calendar(c: Calendar, year_from: int, year_to: int) -> dict:
    days = c.days.filter(date__year__gte=year_from, date__year__lte=year_to).order_by("date")
    return _summary(c) | {"year_from": year_from, "year_to": year_to, "days": [
        {"date": d.date, "kind": d.kind, "works_as": d.works_as, "name": d.name, "source": d.source} for d in days]}


def _policy(p: SlaPolicy) -> dict:
    return {
        "id": p.pk, "name": p.name, "order": p.order, "is_active": p.is_active,
        "calendar": {"id": p.calendar_id, "name": p.calendar.name},
        "priorities": p.priorities, "ticket_types": p.ticket_types,
        "category": {"id": p.category_id, "name": p.category.name} if p.category_id else None,
        "organisation": {"id": p.organisation_id, "name": p.organisation.name} if p.organisation_id else None,
        "first_response_minutes": p.first_response_minutes, "resolution_minutes": p.resolution_minutes,
        "follow_up_minutes": p.follow_up_minutes, "pause_statuses": p.pause_statuses,
        "pause_reasons": p.pause_reasons, "restart_on_reopen": p.restart_on_reopen, "thresholds": p.thresholds,
    }


def _years(year_from: int | None, year_to: int | None) -> tuple[int, int]:
    this_year = timezone.now().year
    year_from = year_from if year_from is not None else min(this_year, year_to or this_year)
    year_to = year_to if year_to is not None else max(year_from, this_year + 1)
    if year_to < year_from or year_to - year_from >= MAX_YEARS:
        raise HttpError(422, _("Give year_from ≤ year_to, at most %(n)d years apart.") % {"n": MAX_YEARS})
    return year_from, year_to


def _policy_fields(data: dict) -> dict:
    """Ids in the body → rows; an unknown one is a 400 naming it."""
    lookups = {"calendar": (Calendar, _("No calendar with id %(id)s.")),
               "category": (Category, _("No category with id %(id)s.")),
               "organisation": (Organisation, _("No organisation with id %(id)s."))}
    for name, (model, missing) in lookups.items():
        if name in data and data[name] is not None:
            row = model.objects.filter(pk=data[name]).first()
            if row is None:
                raise ActionError(missing % {"id": data[name]})
            data[name] = row
    return data


@router.get("/sla/calendars", response={200: list[CalendarSummaryOut], 403: Message}, summary="Business calendars")
def list_calendars(request):
    """Desk staff only: customers get 403 (what they are promised is in their tickets' `clocks`)."""
    _staff(request)
    return [_summary(c) for c in Calendar.objects.order_by("name")]


@router.get("/sla/calendars/{int:calendar_id}", response={200: CalendarOut, 403: Message, 404: Message},
            summary="A business calendar with its special days")
def read_calendar(request, calendar_id: Id, year_from: int = Query(None, ge=1, le=9999),
                  year_to: int = Query(None, ge=1, le=9999)):
    """Working hours and time zone, with the holidays and adjusted working days of `year_from` to
    `year_to` (default: this year and the next; at most 20 years)."""
    _staff(request)
    years = _years(year_from, year_to)
    return _calendar(_calendar_row(calendar_id), *years)


@router.post("/sla/calendars", response={201: CalendarOut, **ERRORS}, summary="Create a calendar (administrators)")
def create_calendar(request, payload: CalendarIn):
    _admin(request)
    data = payload.dict()
    if data["weekly"] is None:
        del data["weekly"]
    calendar = actions.create_calendar(actor=request.user, channel=audit.Channel.API, **data)
    return Reply(201, _calendar(calendar, *_years(None, None)))


@router.patch("/sla/calendars/{int:calendar_id}", response={200: CalendarOut, **ERRORS},
              summary="Change a calendar (administrators)")
def update_calendar(request, calendar_id: Id, payload: CalendarPatch):
    """Open tickets' clocks are recomputed with the change on the evaluator's next pass."""
    _admin(request)
    calendar = actions.update_calendar(_calendar_row(calendar_id), actor=request.user, channel=audit.Channel.API,
                                       changes=payload.dict(exclude_unset=True))
    return _calendar(calendar, *_years(None, None))


@router.delete("/sla/calendars/{int:calendar_id}", response={204: None, **ERRORS},
               summary="Delete a calendar (administrators)")
def delete_calendar(request, calendar_id: Id):
    """A calendar a policy or an OLA target counts in is refused (409)."""
    _admin(request)
    actions.delete_calendar(_calendar_row(calendar_id), actor=request.user, channel=audit.Channel.API)
    return Reply(204, None)


@router.get("/sla/policies", response={200: list[PolicyOut], 403: Message}, summary="SLA policies")
def list_policies(request):
    """In the order they are tried (the first active match applies). Desk staff only: customers get 403
    (the policies name other organisations and internal targets; their own promised times are in their
    tickets' `clocks`)."""
    _staff(request)
    return [_policy(p) for p in SlaPolicy.objects.select_related("calendar", "category", "organisation")]


@router.get("/sla/policies/{int:policy_id}", response={200: PolicyOut, 403: Message, 404: Message},
            summary="An SLA policy")
def read_policy(request, policy_id: Id):
    _staff(request)
    return _policy(_policy_row(policy_id))


@router.post("/sla/policies", response={201: PolicyOut, **ERRORS}, summary="Create an SLA policy (administrators)")
def create_policy(request, payload: PolicyIn):
    _admin(request)
    policy = actions.create_policy(actor=request.user, channel=audit.Channel.API, **_policy_fields(payload.dict()))
    return Reply(201, _policy(_policy_row(policy.pk)))


@router.patch("/sla/policies/{int:policy_id}", response={200: PolicyOut, **ERRORS},
              summary="Change an SLA policy (administrators)")
def update_policy(request, policy_id: Id, payload: PolicyPatch):
    """Open tickets' clocks are recomputed with the change on the evaluator's next pass."""
    _admin(request)
    policy = actions.update_policy(_policy_row(policy_id), actor=request.user, channel=audit.Channel.API,
                                   changes=_policy_fields(payload.dict(exclude_unset=True)))
    return _policy(_policy_row(policy.pk))


@router.delete("/sla/policies/{int:policy_id}", response={204: None, **ERRORS},
               summary="Delete an SLA policy (administrators)")
def delete_policy(request, policy_id: Id):
    _admin(request)
    actions.delete_policy(_policy_row(policy_id), actor=request.user, channel=audit.Channel.API)
    return Reply(204, None)
