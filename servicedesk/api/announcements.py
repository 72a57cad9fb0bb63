"""/api/v1/announcements: service notices (公告 / 服务通告). Read as the banner shows them — staff every
notice, a customer those for everyone or their organisation and the public ones, a visitor without sign-in
the public ones only; written by group leads, desk managers and administrators (deleted by the last two)
through `servicedesk.announcements.actions`; customers subscribe; desk staff link tickets."""

import datetime
from typing import Literal

from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import Query, Router
from ninja import Status as Reply
from pydantic import Field

from servicedesk.accounts.models import Organisation
from servicedesk.announcements import actions, visibility
from servicedesk.announcements.models import Announcement, Subscription
from servicedesk.core import audit
from servicedesk.core.errors import ActionError, NotFound
from servicedesk.core.inputs import Id, IdOrZero
from servicedesk.core.pagination import paginate
from servicedesk.tickets.models import Service, Ticket
from servicedesk.tickets.queries import ticket_reference

from .app import BearerToken, BrowserSession
from .schemas import Input, Message, Out, Ref

router = Router(tags=["announcements"])

ERRORS = {400: Message, 403: Message, 404: Message, 409: Message}
KindName = Literal["outage", "degradation", "planned_change", "information"]


def _without_credentials(request):
    """Reading the public notices needs no sign-in; a request that sends a token must send a valid one."""
    return "authorization" not in request.headers


READERS = [BearerToken(), BrowserSession(), _without_credentials]


class AnnouncementOut(Out):
    id: int
    kind: str
    kind_label: str
    title: str = Field(description="In the reader's language (the Chinese title when there is one).")
    body: str
    title_en: str
    title_zh: str
    body_en: str
    body_zh: str
    phase: str = Field(description="planned, current or ended (from the times).")
    starts_at: datetime.datetime
    ends_at: datetime.datetime | None
    resolved_early: bool
    public: bool
    services: list[Ref]
    organisations: list[Ref] = Field(description="Desk staff only (empty for others): none means everyone.")
    version: int
    email_sent_at: datetime.datetime | None = None
    subscribed: bool = False


class AnnouncementPage(Out):
    items: list[AnnouncementOut]
    next_cursor: str | None


class AnnouncementFilters(Input):
    phase: Literal["current", "planned", "ended"] | None = None
    cursor: str | None = None
    limit: int = Field(50, ge=1, le=200)


class AnnouncementIn(Input):
    kind: KindName = "information"
    title: str = Field(..., max_length=actions.MAX_TITLE)
    title_zh: str = Field("", max_length=actions.MAX_TITLE)
    body: str = Field("", max_length=actions.MAX_BODY)
    body_zh: str = Field("", max_length=actions.MAX_BODY)
    starts_at: datetime.datetime | None = Field(None, description="Now when left out.")
    ends_at: datetime.datetime | None = None
    services: list[Id] = []
    organisations: list[Id] = Field([], description="None: everyone is affected.")
    public: bool = False


class AnnouncementPatch(Input):
    version: IdOrZero | None = Field(None, description="The version you read: a stale one gets 409.")
    kind: KindName | None = None
    title: str | None = Field(None, max_length=actions.MAX_TITLE)
    title_zh: str | None = Field(None, max_length=actions.MAX_TITLE)
    body: str | None = Field(None, max_length=actions.MAX_BODY)
    body_zh: str | None = Field(None, max_length=actions.MAX_BODY)
    starts_at: datetime.datetime | None = None
    ends_at: datetime.datetime | None = None
    services: list[Id] | None = None
    organisations: list[Id] | None = None
    public: bool | None = None


class NotifyIn(Input):
    version: IdOrZero | None = None
    resend: bool = Field(False, description="Send again after a change (the first e-mail went already).")


class NotifyOut(Out):
    recipients: int


def _aware(moment: datetime.datetime | None) -> datetime.datetime | None:
    if moment is not None and timezone.is_naive(moment):
        return timezone.make_aware(moment)
    return moment


def _listed(model, ids: list[int] | None, missing: str):
    if ids is None:
        return None
    found = list(model.objects.filter(pk__in=set(ids)))
    if len(found) != len(set(ids)):
        raise ActionError(missing)
    return found


def _input(payload, fields: set[str]) -> actions.AnnouncementInput:
    data = payload.model_dump(include=fields - {"version", "services", "organisations", "ends_at"})
    data["starts_at"] = _aware(data.get("starts_at"))
    if "ends_at" in fields:
        data["ends_at"] = _aware(payload.ends_at)
    return actions.AnnouncementInput(
        **data,
        services=_listed(Service, payload.services if "services" in fields else None, _("Unknown service.")),
        organisations=_listed(Organisation, payload.organisations if "organisations" in fields else None,
                              _("Unknown organisation.")),
    )


def _out(request, a: Announcement, subscribed: set[int] = frozenset()) -> dict:
    staff = visibility.is_staff(request.user)
    return {
        "id": a.pk, "kind": a.kind, "kind_label": a.get_kind_display(), "title": a.shown_title(),
        "body": a.shown_body(), "title_en": a.title, "title_zh": a.title_zh, "body_en": a.body, "body_zh": a.body_zh,
        "phase": a.phase(), "starts_at": a.starts_at, "ends_at": a.ends_at, "resolved_early": a.resolved_early,
        "public": a.public, "services": [{"id": s.pk, "name": str(s)} for s in a.services.all()],
        "organisations": [{"id": o.pk, "name": o.name} for o in a.organisations.all()] if staff else [],
        "version": a.version, "email_sent_at": a.email_sent_at if staff else None, "subscribed": a.pk in subscribed,
    }


def _subscribed(request, ids: list[int]) -> set[int]:
    if not request.user.is_authenticated:
        return set()
    return set(Subscription.objects.filter(
        user=request.user, announcement_id__in=ids).values_list("announcement_id", flat=True))


def _shown(request):
    return visibility.readable(request.user).prefetch_related("services", "organisations")


def _get(request, announcement_id: int) -> Announcement:
    found = _shown(request).filter(pk=announcement_id).first()
    if found is None:
        raise NotFound(_("No such announcement."))
    return found


def _answer(request, announcement_id: int) -> dict:
    found = _get(request, announcement_id)
    return _out(request, found, _subscribed(request, [found.pk]))


@router.get("", response={200: AnnouncementPage, 400: Message}, auth=READERS, summary="Announcements")
def list_announcements(request, filters: Query[AnnouncementFilters]):
    """Latest start first; `phase`: current, planned or ended."""
    qs = _shown(request)
    now = timezone.now()
    if filters.phase == "current":
        qs = qs.filter(starts_at__lte=now).filter(Q(ends_at__isnull=True) | Q(ends_at__gt=now))
    elif filters.phase == "planned":
        qs = qs.filter(starts_at__gt=now)
    elif filters.phase == "ended":
        qs = qs.filter(ends_at__lte=now)
    page = paginate(qs, "starts_at", True, filters.limit, after=filters.cursor)
    subscribed = _subscribed(request, [a.pk for a in page.rows])
    return {"items": [_out(request, a, subscribed) for a in page.rows], "next_cursor": page.next_cursor}


@router.get("/{int:announcement_id}", response={200: AnnouncementOut, 404: Message}, auth=READERS,
            summary="An announcement")
def read_announcement(request, announcement_id: Id):
    return _answer(request, announcement_id)


@router.post("", response={201: AnnouncementOut, **ERRORS}, summary="Publish an announcement")
def create_announcement(request, payload: AnnouncementIn):
    made = actions.create_announcement(_input(payload, set(AnnouncementIn.model_fields)), actor=request.user,
                                       channel=audit.Channel.API)
    return Reply(201, _answer(request, made.pk))


@router.patch("/{int:announcement_id}", response={200: AnnouncementOut, **ERRORS}, summary="Change an announcement")
def update_announcement(request, announcement_id: Id, payload: AnnouncementPatch):
    """Only the fields sent change (`ends_at: null` makes it open-ended); subscribers are told."""
    _get(request, announcement_id)
    actions.update_announcement(announcement_id, _input(payload, payload.model_fields_set), actor=request.user,
                                channel=audit.Channel.API, expected_version=payload.version)
    return _answer(request, announcement_id)


@router.delete("/{int:announcement_id}", response={204: None, **ERRORS}, summary="Delete an announcement")
def delete_announcement(request, announcement_id: Id, version: IdOrZero | None = None):
    _get(request, announcement_id)
    actions.delete_announcement(announcement_id, actor=request.user, channel=audit.Channel.API,
                                expected_version=version)
    return Reply(204, None)


@router.post("/{int:announcement_id}/end", response={200: AnnouncementOut, **ERRORS}, summary="End it now")
def end_announcement(request, announcement_id: Id, version: IdOrZero | None = None):
    _get(request, announcement_id)
    actions.end_announcement(announcement_id, actor=request.user, channel=audit.Channel.API,
                             expected_version=version)
    return _answer(request, announcement_id)


@router.post("/{int:announcement_id}/notify", response={200: NotifyOut, **ERRORS},
             summary="E-mail the affected customers")
def notify_affected(request, announcement_id: Id, payload: NotifyIn):
    """Once per announcement; again (`resend`) only after a change."""
    _get(request, announcement_id)
    count = actions.notify_affected(announcement_id, actor=request.user, channel=audit.Channel.API,
                                    expected_version=payload.version, resend=payload.resend)
    return {"recipients": count}


@router.post("/{int:announcement_id}/subscribe", response={200: AnnouncementOut, **ERRORS},
             summary="Subscribe (customers)")
def subscribe(request, announcement_id: Id):
    """Be told by e-mail when the announcement is updated or ends."""
    actions.subscribe(announcement_id, actor=request.user, channel=audit.Channel.API)
    return _answer(request, announcement_id)


@router.delete("/{int:announcement_id}/subscribe", response={200: AnnouncementOut, **ERRORS}, summary="Unsubscribe")
def unsubscribe(request, announcement_id: Id):
    actions.unsubscribe(announcement_id, actor=request.user, channel=audit.Channel.API)
    return _answer(request, announcement_id)


def _ticket(number: str) -> Ticket:
    """By id or number, as everywhere (the action checks that the caller may see it)."""
    lookup = ticket_reference(number)
    found = Ticket.objects.filter(lookup).first() if lookup is not None else None
    if found is None:
        raise NotFound(_("No such ticket."))
    return found


@router.post("/{int:announcement_id}/tickets/{number}", response={204: None, **ERRORS},
             summary="Link a ticket (desk staff)")
def link_ticket(request, announcement_id: Id, number: str):
    actions.link_ticket(announcement_id, _ticket(number), actor=request.user, channel=audit.Channel.API)
    return Reply(204, None)


@router.delete("/{int:announcement_id}/tickets/{number}", response={204: None, **ERRORS},
               summary="Unlink a ticket (desk staff)")
def unlink_ticket(request, announcement_id: Id, number: str):
    actions.unlink_ticket(announcement_id, _ticket(number), actor=request.user, channel=audit.Channel.API)
    return Reply(204, None)
