"""/api/v1/people: people managed by the desk (servicedesk/people): list, create, edit, invite, reset link,
unlock, deactivate, reactivate, personal-data export and erasure; /api/v1/people/audit: the auditor's export.
Whom one may act on: servicedesk/people/permissions.py (anyone else is not found)."""

import datetime

from django.http import HttpResponse, JsonResponse
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import Query, Router, Schema
from ninja import Status as Reply
from pydantic import Field

from servicedesk.accounts import actions as accounts
from servicedesk.accounts.models import Organisation, User
from servicedesk.core import audit
from servicedesk.core.errors import ActionError, NotAllowed
from servicedesk.people import actions, audit_export, queries

from .schemas import Input, Message

router = Router(tags=["people"])
API = audit.Channel.API


class PersonOut(Schema):
    id: int
    username: str
    name: str
    first_name: str
    last_name: str
    email: str
    phone: str
    role: str
    organisation: int | None
    organisation_name: str | None
    language: str
    time_zone: str
    active: bool
    locked: bool
    has_password: bool
    joined: datetime.datetime


class PeopleFilter(Schema):
    q: str = Field("", description="Part of a name, user name, address, phone or organisation.")
    role: str = Field("", description="customer, agent, lead, manager or admin.")
    active: bool | None = None
    locked: bool | None = Field(None, description="Sign-in locked after too many failures.")
    limit: int = Field(50, ge=1, le=200)
    offset: int = Field(0, ge=0)


class PersonIn(Input):
    name: str = Field(..., min_length=1, max_length=150)
    email: str = Field("", max_length=254)
    phone: str = Field("", max_length=50)
    organisation: int | None = None
    language: str = ""
    invite: bool = Field(False, description="Mail a link to choose a password at once (needs an address).")


class PersonChange(Input):
    first_name: str | None = Field(None, max_length=150)
    last_name: str | None = Field(None, max_length=150)
    email: str | None = Field(None, max_length=254)
    phone: str | None = Field(None, max_length=50)
    organisation: int | None = Field(None, description="0: none.")
    language: str | None = None
    time_zone: str | None = None


class ReasonIn(Input):
    reason: str = Field("", max_length=500)


class EraseIn(Input):
    confirm: str = Field(..., description="The person's name, user name or address, typed.")


class AuditFilter(Schema):
    kind: str = Field(..., description='"person", or a kind of object as "app_label.model" (e.g. "accounts.group").')
    id: str = Field(..., description="The person's or the object's id.")
    start: datetime.date | None = Field(None, description="First day (default: 30 days ago).")
    end: datetime.date | None = Field(None, description="Last day (default: today).")
    format: str = Field("json", description="json or csv.")


def person_out(user: User, locked: bool | None = None) -> dict:
    return {"id": user.pk, "username": user.username, "name": user.display_name, "first_name": user.first_name,
            "last_name": user.last_name, "email": user.email, "phone": user.phone, "role": user.role,
            "organisation": user.organisation_id,
            "organisation_name": user.organisation.name if user.organisation_id else None,
            "language": user.language, "time_zone": user.time_zone, "active": user.is_active,
            "locked": queries.is_locked(user) if locked is None else locked,
            "has_password": user.has_usable_password(), "joined": user.date_joined}


def _organisation(pk: int | None) -> Organisation | None:
    if not pk:
        return None
    found = Organisation.objects.filter(pk=pk).first()
    if found is None:
        raise ActionError(_("Unknown organisation: %(id)s") % {"id": pk})
    return found


def _staff(request) -> None:
    if not request.user.is_desk_staff:
        raise NotAllowed(_("Only desk staff manage people."))


@router.get("/people", response={200: list[PersonOut], 400: Message, 403: Message}, summary="People I manage")
def list_people(request, filters: Query[PeopleFilter]):
    _staff(request)
    found = queries.people(request.user, q=filters.q, role=filters.role, active=filters.active, locked=filters.locked)
    page = list(found[filters.offset:filters.offset + filters.limit])
    locked = set(queries.locked_attempts().filter(username__in=[p.username for p in page])
                 .values_list("username", flat=True))
    return [person_out(p, p.username in locked) for p in page]


@router.post("/people", response={201: PersonOut, 400: Message, 403: Message}, summary="Create a customer")
def create_person(request, payload: PersonIn):
    _staff(request)
    person = actions.create_person(name=payload.name, email=payload.email, phone=payload.phone,
                                   organisation=_organisation(payload.organisation), language=payload.language,
                                   invite=payload.invite, actor=request.user, channel=API)
    return Reply(201, person_out(person, False))


@router.get("/people/audit", response={200: list[dict], 400: Message, 403: Message, 404: Message},
            summary="The audit trail of a person or an object for a period (JSON or CSV)")
def audit_trail(request, filters: Query[AuditFilter]):
    today = timezone.localdate()
    if filters.format not in ("json", "csv"):
        raise ActionError(_("Parameter “format”: “%(value)s” is not one of: csv, json.")
                          % {"value": filters.format[:60]})
    start = filters.start or today - datetime.timedelta(days=30)
    found = audit_export.rows(audit_export.entries(request.user, kind=filters.kind, object_id=filters.id,
                                                   start=start, end=filters.end or today))
    if filters.format == "csv":
        response = HttpResponse(audit_export.as_csv(found), content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = 'attachment; filename="audit.csv"'
        return response
    return found


@router.get("/people/{int:person_id}", response={200: PersonOut, 404: Message}, summary="A person")
def get_person(request, person_id: int):
    return person_out(queries.person(request.user, person_id))


@router.patch("/people/{int:person_id}", response={200: PersonOut, 400: Message, 403: Message, 404: Message},
              summary="Change a person's details")
def change_person(request, person_id: int, payload: PersonChange):
    person = queries.person(request.user, person_id)
    changes = payload.dict(exclude_unset=True)
    if "organisation" in changes:
        changes["organisation"] = _organisation(changes["organisation"])
    return person_out(accounts.update_person(person, actor=request.user, channel=API, **changes))


def _act(request, person_id: int, act, **kwargs):
    person = queries.person(request.user, person_id)
    act(person, actor=request.user, channel=API, **kwargs)
    return person_out(person)


@router.post("/people/{int:person_id}/invite", response={200: PersonOut, 400: Message, 403: Message, 404: Message},
             summary="Mail an invitation (a link to choose a password)")
def invite(request, person_id: int):
    return _act(request, person_id, actions.send_invitation)


@router.post("/people/{int:person_id}/reset-link",
             response={200: PersonOut, 400: Message, 403: Message, 404: Message}, summary="Mail a password reset link")
def reset_link(request, person_id: int):
    return _act(request, person_id, actions.send_reset_link)


@router.post("/people/{int:person_id}/unlock", response={200: PersonOut, 403: Message, 404: Message},
             summary="Lift a sign-in lock")
def unlock(request, person_id: int):
    return _act(request, person_id, accounts.unlock_sign_in)


@router.post("/people/{int:person_id}/deactivate", response={200: PersonOut, 403: Message, 404: Message},
             summary="Deactivate (API tokens revoked, sessions ended; tickets kept)")
def deactivate(request, person_id: int, payload: ReasonIn):
    return _act(request, person_id, accounts.deactivate_user, reason=payload.reason)


@router.post("/people/{int:person_id}/reactivate", response={200: PersonOut, 403: Message, 404: Message},
             summary="Reactivate")
def reactivate(request, person_id: int, payload: ReasonIn):
    return _act(request, person_id, accounts.reactivate_user, reason=payload.reason)


@router.get("/people/{int:person_id}/personal-data", response={200: dict, 403: Message, 404: Message},
            summary="Everything the desk holds about a person (administrators and desk managers)")
def personal_data(request, person_id: int):
    data = actions.export_person(queries.person(request.user, person_id), actor=request.user, channel=API)
    return JsonResponse(data, json_dumps_params={"ensure_ascii": False})


@router.post("/people/{int:person_id}/erase", response={204: None, 400: Message, 403: Message, 404: Message},
             summary="Erase a person's personal data (administrators and desk managers; cannot be undone)")
def erase(request, person_id: int, payload: EraseIn):
    actions.erase_person(queries.person(request.user, person_id), confirm_name=payload.confirm,
                         actor=request.user, channel=API)
    return Reply(204, None)
