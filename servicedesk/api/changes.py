"""/api/v1/changes: changes (变更) — raise one (normal, emergency, or standard from a pre-approved template),
edit its plan while it is a draft, move it on (submit, start, complete, close, cancel), read it with its
conflicts; the change calendar of a period, the freezes and the standard changes. For desk staff (403 for
customers); a change is seen by whoever may see its ticket (tickets.permissions). Every change through
`servicedesk.changes.actions`; a change is named by its ticket's id."""

import datetime
from typing import Literal

from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import Query, Router
from ninja import Status as Reply
from pydantic import Field

from servicedesk.changes import actions, calendar, conflicts
from servicedesk.changes.models import ChangeRecord, FreezeWindow, Kind, StandardChange, State
from servicedesk.core import audit
from servicedesk.core.errors import ActionError, NotAllowed, NotFound
from servicedesk.core.inputs import Id, IdOrZero
from servicedesk.core.pagination import paginate
from servicedesk.tickets.models import Service

from .schemas import Input, LevelIn, Message, Out, Ref

router = Router(tags=["changes"])

ERRORS = {400: Message, 403: Message, 404: Message, 409: Message}
CHANNEL = audit.Channel.API
KindName = Literal[tuple(Kind.values)]  # type: ignore[valid-type]
StateName = Literal[tuple(State.values)]  # type: ignore[valid-type]
MoveName = Literal[tuple(actions.MOVES)]  # type: ignore[valid-type]
# A calendar period longer than this is refused: the calendar is read a month or a quarter at a time.
MAX_PERIOD = datetime.timedelta(days=100)


class ChangeConflictOut(Out):
    kind: Literal["item", "freeze"]
    text: str
    change: str | None = Field(None, description="The other change's number (when you may see it).")
    items: list[str] = []
    freeze: int | None = None


class ChangeOut(Out):
    id: int = Field(description="The change's ticket id (the ticket is a change request).")
    number: str
    title: str
    description: str
    kind: KindName
    template: Ref | None
    state: StateName
    state_label: str
    risk: int
    impact: int
    planned_start: datetime.datetime | None
    planned_end: datetime.datetime | None
    services: list[Ref]
    implementation: str
    backout: str
    review: str
    outcome: str
    approval: int | None = Field(description="The approval request (approvals) of a normal or emergency change.")
    announcement: int | None = Field(description="The service notice published when it was scheduled.")
    conflicts: list[ChangeConflictOut]
    moves: list[MoveName] = Field(description="What you may do with it now.")
    version: int


class ChangePage(Out):
    items: list[ChangeOut]
    next_cursor: str | None


class ChangeFilters(Input):
    state: StateName | None = None
    kind: KindName | None = None
    cursor: str | None = None
    limit: int = Field(50, ge=1, le=200)


class ChangeIn(Input):
    title: str = Field("", max_length=actions.MAX_TITLE, description="A standard change's name when left out.")
    description: str = Field("", max_length=actions.MAX_TEXT)
    kind: KindName | None = Field(None, description="Normal unless a template is given (then standard).")
    template: Id | None = Field(None, description="The standard change (pre-approved) it is made from.")
    risk: LevelIn | None = None
    impact: LevelIn | None = None
    planned_start: datetime.datetime | None = None
    planned_end: datetime.datetime | None = None
    services: list[Id] | None = None
    implementation: str | None = Field(None, max_length=actions.MAX_TEXT)
    backout: str | None = Field(None, max_length=actions.MAX_TEXT)
    review: str | None = Field(None, max_length=actions.MAX_TEXT)


class ChangePatch(ChangeIn):
    title: str | None = Field(None, max_length=actions.MAX_TITLE)
    description: str | None = Field(None, max_length=actions.MAX_TEXT)
    version: IdOrZero | None = Field(None, description="The version you read: a stale one gets 409.")


class MoveIn(Input):
    action: MoveName
    note: str = Field("", max_length=500, description="Why, or (complete, close) the outcome and the review.")
    version: IdOrZero | None = Field(None, description="The version you read: a stale one gets 409.")


class CalendarFilters(Input):
    start: datetime.datetime
    end: datetime.datetime


class FreezeOut(Out):
    id: int
    reason: str
    starts_at: datetime.datetime
    ends_at: datetime.datetime


class ChangeCalendarOut(Out):
    changes: list[ChangeOut]
    freezes: list[FreezeOut]


class TemplateOut(Out):
    id: int
    name: str
    description: str
    risk: int
    impact: int
    services: list[Ref]


def _staff(request) -> None:
    if not actions.may_plan(request.user):
        raise NotAllowed(_("Only desk staff may work with changes."))


def _aware(moment: datetime.datetime | None) -> datetime.datetime | None:
    actions.check_year(moment)
    if moment is not None and timezone.is_naive(moment):
        return timezone.make_aware(moment)
    return moment


def _input(payload: ChangeIn, fields: set[str]) -> actions.ChangeInput:
    data = payload.model_dump(include=fields & {"title", "description", "kind", "risk", "impact", "implementation",
                                                "backout", "review"})
    template = None
    if "template" in fields and payload.template is not None:
        template = StandardChange.objects.filter(pk=payload.template).first()
        if template is None:
            raise ActionError(_("Unknown standard change."))
    services = None
    if "services" in fields and payload.services is not None:
        services = list(Service.objects.filter(pk__in=set(payload.services)))
        if len(services) != len(set(payload.services)):
            raise ActionError(_("Unknown service."))
    return actions.ChangeInput(**data, template=template, services=services,
                               planned_start=_aware(payload.planned_start) if "planned_start" in fields else None,
                               planned_end=_aware(payload.planned_end) if "planned_end" in fields else None)


def _conflict_out(conflict: conflicts.Conflict, seen: set[int]) -> dict:
    other = conflict.other
    return {"kind": conflict.kind, "text": conflict.text(seen), "items": conflict.items,
            "change": other.ticket.number if other is not None and other.ticket_id in seen else None,
            "freeze": conflict.freeze.pk if conflict.freeze is not None else None}


def _outs(request, changes: list[ChangeRecord], found: dict[int, list] | None = None) -> list[dict]:
    found = conflicts.find(changes) if found is None else found
    seen = calendar.seen_tickets(request.user, list(found.values()))
    services = {c.pk: [] for c in changes}
    for link in ChangeRecord.services.through.objects.filter(changerecord_id__in=list(services)).select_related(
            "service"):
        services[link.changerecord_id].append({"id": link.service_id, "name": str(link.service)})
    return [{
        "id": c.ticket_id, "number": c.ticket.number, "title": c.ticket.title, "description": c.ticket.description,
        "kind": c.kind, "template": {"id": c.template_id, "name": str(c.template)} if c.template_id else None,
        "state": c.state, "state_label": c.get_state_display(), "risk": c.risk, "impact": c.impact,
        "planned_start": c.planned_start, "planned_end": c.planned_end, "services": services[c.pk],
        "implementation": c.implementation, "backout": c.backout, "review": c.review, "outcome": c.outcome,
        "approval": c.approval_id, "announcement": c.announcement_id,
        "conflicts": [_conflict_out(x, seen) for x in found.get(c.pk, [])],
        "moves": actions.available_moves(c, request.user), "version": c.version,
    } for c in changes]


def _queryset(request):
    return calendar.visible_changes(request.user).select_related("template")


def _get(request, ticket_id: int) -> ChangeRecord:
    """404 for a change whose ticket the caller may not see (as for any ticket), then 403 for customers."""
    found = _queryset(request).filter(ticket_id=ticket_id).first()
    if found is None:
        raise NotFound(_("No such change."))
    _staff(request)
    return found


def _answer(request, ticket_id: int) -> dict:
    return _outs(request, [_get(request, ticket_id)])[0]


@router.get("", response={200: ChangePage, 400: Message, 403: Message}, summary="Changes")
def list_changes(request, filters: Query[ChangeFilters]):
    """Newest first; filter by `state` and `kind`."""
    _staff(request)
    qs = _queryset(request)
    if filters.state:
        qs = qs.filter(state=filters.state)
    if filters.kind:
        qs = qs.filter(kind=filters.kind)
    page = paginate(qs, "created_at", True, filters.limit, after=filters.cursor)
    return {"items": _outs(request, page.rows), "next_cursor": page.next_cursor}


@router.post("", response={201: ChangeOut, **ERRORS}, summary="Raise a change")
def create_change(request, payload: ChangeIn):
    """A draft; submit it (`POST /changes/{id}/transitions` with `submit`) when its window and steps are planned."""
    _staff(request)
    made = actions.create_change(_input(payload, payload.model_fields_set | {"title", "description"}),
                                 actor=request.user, channel=CHANNEL)
    return Reply(201, _answer(request, made.ticket_id))


@router.get("/calendar", response={200: ChangeCalendarOut, 400: Message, 403: Message}, summary="The change calendar")
def change_calendar(request, filters: Query[CalendarFilters]):
    """The changes (scheduled or later) whose window meets [start, end), with their conflicts, and the freezes."""
    _staff(request)
    start, end = _aware(filters.start), _aware(filters.end)
    if end <= start or end - start > MAX_PERIOD:
        raise ActionError(_("Give a period whose end is after its start, at most %(days)s days long.")
                          % {"days": MAX_PERIOD.days})
    found = calendar.entries(request.user, start, end)
    changes = _outs(request, [e.change for e in found], {e.change.pk: e.conflicts for e in found})
    return {"changes": changes, "freezes": [{"id": f.pk, "reason": f.shown_reason(), "starts_at": f.starts_at,
                                             "ends_at": f.ends_at} for f in calendar.freezes(start, end)]}


@router.get("/freezes", response={200: list[FreezeOut], 403: Message}, summary="Change freezes")
def list_freezes(request):
    """The freezes not over yet (administrators keep them in the admin)."""
    _staff(request)
    return [{"id": f.pk, "reason": f.shown_reason(), "starts_at": f.starts_at, "ends_at": f.ends_at}
            for f in FreezeWindow.objects.filter(ends_at__gt=timezone.now()).order_by("starts_at", "id")[:200]]


@router.get("/templates", response={200: list[TemplateOut], 403: Message}, summary="Standard changes")
def list_templates(request):
    """The pre-approved standard changes a change can be made from (administrators keep them in the admin)."""
    _staff(request)
    return [{"id": t.pk, "name": str(t), "description": t.description, "risk": t.risk, "impact": t.impact,
             "services": [{"id": s.pk, "name": str(s)} for s in t.services.all()]}
            for t in StandardChange.objects.filter(is_active=True).prefetch_related("services")]


@router.get("/{int:ticket_id}", response={200: ChangeOut, 403: Message, 404: Message}, summary="A change")
def read_change(request, ticket_id: Id):
    return _answer(request, ticket_id)


@router.patch("/{int:ticket_id}", response={200: ChangeOut, **ERRORS}, summary="Edit a draft change")
def update_change(request, ticket_id: Id, payload: ChangePatch):
    """Only the fields sent change; only while it is a draft."""
    found = _get(request, ticket_id)
    actions.update_change(found, _input(payload, payload.model_fields_set), actor=request.user, channel=CHANNEL,
                          expected_version=payload.version)
    return _answer(request, ticket_id)


@router.post("/{int:ticket_id}/transitions", response={200: ChangeOut, **ERRORS}, summary="Move a change on")
def move_change(request, ticket_id: Id, payload: MoveIn):
    """`submit` (a standard change is scheduled; a normal or emergency one waits for its approval), `start`,
    `complete`, `close`, `cancel`."""
    found = _get(request, ticket_id)
    actions.move(found, payload.action, actor=request.user, channel=CHANNEL, note=payload.note,
                 expected_version=payload.version)
    return _answer(request, ticket_id)
