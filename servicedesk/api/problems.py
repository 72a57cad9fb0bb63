"""/api/v1/problems: problems (问题) and known errors (已知错误). A problem is addressed by its ticket's id (the same
id as /api/v1/tickets/{id}). Desk staff only (a customer gets 403), problems whose tickets they see; open one from
incidents, link and unlink incidents, write the root cause and workaround, publish the known error to the
knowledge base, resolve it with its open incidents; the trends that propose problems. Every change through
`servicedesk.problems.actions`."""

import datetime
from typing import Annotated

from django.utils.translation import gettext as _
from ninja import Query, Router
from ninja import Status as Reply
from pydantic import Field

from servicedesk.core import audit
from servicedesk.core.errors import NotAllowed, NotFound
from servicedesk.core.inputs import Id, IdOrZero
from servicedesk.core.pagination import paginate
from servicedesk.problems import actions, trends
from servicedesk.problems.models import ProblemRecord
from servicedesk.tickets import permissions
from servicedesk.tickets.models import OPEN_STATUSES, LinkKind, Ticket
from servicedesk.tickets.queries import ticket_reference

from .schemas import Input, Message, Out

router = Router(tags=["problems"])

ERRORS = {400: Message, 403: Message, 404: Message, 409: Message}
CHANNEL = audit.Channel.API


class ProblemIncidentOut(Out):
    id: int
    number: str
    title: str
    status: str


class ProblemOut(Out):
    id: int = Field(description="The problem's ticket id.")
    number: str
    title: str
    description: str
    status: str
    root_cause: str
    workaround: str
    known_error: bool
    known_error_at: datetime.datetime | None
    article: int | None = Field(description="The knowledge article the known error is published as.")
    incidents: list[ProblemIncidentOut] = Field(description="The incidents linked to it that you may see.")
    created_at: datetime.datetime
    version: int = Field(description="The problem's version (analysis, known error, resolution).")


class ProblemPage(Out):
    items: list[ProblemOut]
    next_cursor: str | None


class ProblemFilters(Input):
    known_error: bool | None = None
    open: bool | None = Field(None, description="true: problems whose ticket is open; false: resolved or closed.")
    cursor: str | None = None
    limit: int = Field(50, ge=1, le=200)


class ProblemOpenIn(Input):
    incidents: list[Annotated[str, Field(max_length=40)]] = Field(..., min_length=1, max_length=actions.MAX_INCIDENTS,
                                 description="The incidents (ids or numbers) it is opened from.")
    title: str = Field("", max_length=255, description="The first incident's title when left out.")
    description: str = Field("", max_length=actions.MAX_TEXT)


class ProblemAnalysisIn(Input):
    root_cause: str | None = Field(None, max_length=actions.MAX_TEXT)
    workaround: str | None = Field(None, max_length=actions.MAX_TEXT)
    version: IdOrZero | None = Field(None, description="The version you read: a stale one gets 409.")


class ProblemLinkIn(Input):
    incident: str = Field(..., max_length=40, description="The incident: id or number (SD-000123).")


class ProblemVersionIn(Input):
    version: IdOrZero | None = Field(None, description="The version you read: a stale one gets 409.")


class ProblemResolveIn(Input):
    resolution: str = Field(..., max_length=actions.MAX_TEXT,
                            description="The resolution each linked incident's requester is asked to confirm.")
    resolve_incidents: bool = Field(True, description="Resolve its open incidents with it.")
    version: IdOrZero | None = None


class ProblemLeftOut(Out):
    number: str
    reason: str


class ProblemResolutionOut(Out):
    problem: ProblemOut
    resolved: list[str] = Field(description="The tickets resolved (the problem's first).")
    left: list[ProblemLeftOut] = Field(description="Open incidents that could not be resolved, and why.")


class ProblemTrendRowOut(Out):
    key: int | None = Field(description="The category's (or configuration item's) id; null: none.")
    label: str
    incidents: int
    without_problem: int
    proposed: bool
    incident_ids: list[int] = Field(description="A proposal's incidents: post them to open a problem.")


class ProblemTrendsOut(Out):
    days: int
    threshold: int
    since: datetime.datetime
    categories: list[ProblemTrendRowOut]
    items: list[ProblemTrendRowOut]


class ProblemTrendFilters(Input):
    days: int | None = Field(None, ge=1, le=365)
    threshold: int | None = Field(None, ge=2, le=1000)


def _staff(request) -> None:
    if not request.user.is_desk_staff:
        raise NotAllowed(_("Only desk staff may do this."))


def _visible(request):
    return ProblemRecord.objects.filter(ticket__in=permissions.visible_tickets(request.user))


def _problem(request, ticket_id: int) -> ProblemRecord:
    _staff(request)
    record = _visible(request).filter(ticket_id=ticket_id).first()
    if record is None:
        raise NotFound(_("No such problem."))
    return record


def _incident(request, key: str) -> Ticket:
    lookup = ticket_reference(key)
    found = permissions.visible_tickets(request.user).filter(lookup).first() if lookup is not None else None
    if found is None:
        raise NotFound(_("Ticket %(key)s not found.") % {"key": key})
    return found


def _out(request, record: ProblemRecord, incidents: list[Ticket] | None = None) -> dict:
    ticket = record.ticket
    if incidents is None:
        incidents = [t for t in actions.linked_incidents(record).order_by("id") if permissions.can_see(request.user, t)]
    return {
        "id": ticket.pk, "number": ticket.number, "title": ticket.title, "description": ticket.description,
        "status": ticket.status, "root_cause": record.root_cause, "workaround": record.workaround,
        "known_error": record.is_known_error, "known_error_at": record.known_error_at, "article": record.article_id,
        "incidents": [{"id": t.pk, "number": t.number, "title": t.title, "status": t.status} for t in incidents],
        "created_at": record.created_at, "version": record.version,
    }


def _fresh(request, record: ProblemRecord) -> dict:
    return _out(request, ProblemRecord.objects.select_related("ticket").get(pk=record.pk))


@router.get("", response={200: ProblemPage, **ERRORS}, summary="Problems")
def list_problems(request, filters: Query[ProblemFilters]):
    """Newest first; the incidents of the page's problems are read in one query."""
    _staff(request)
    qs = _visible(request).select_related("ticket")
    if filters.known_error is not None:
        qs = qs.filter(known_error_at__isnull=not filters.known_error)
    if filters.open is not None:
        opened = {"ticket__status__in": OPEN_STATUSES}
        qs = qs.filter(**opened) if filters.open else qs.exclude(**opened)
    page = paginate(qs, "created_at", True, filters.limit, after=filters.cursor)
    caused: dict[int, list[Ticket]] = {}
    rows = (permissions.visible_tickets(request.user)
            .filter(links_out__target_id__in=[r.ticket_id for r in page.rows], links_out__kind=LinkKind.CAUSED_BY)
            .values("pk", "number", "title", "status", "links_out__target_id").order_by("pk"))
    for row in rows:
        caused.setdefault(row["links_out__target_id"], []).append(
            Ticket(pk=row["pk"], number=row["number"], title=row["title"], status=row["status"]))
    return {"items": [_out(request, r, caused.get(r.ticket_id, [])) for r in page.rows],
            "next_cursor": page.next_cursor}


@router.post("", response={201: ProblemOut, **ERRORS}, summary="Open a problem from incidents")
def open_problem(request, payload: ProblemOpenIn):
    _staff(request)
    incidents = [_incident(request, key) for key in payload.incidents]
    record = actions.open_problem(incidents, actor=request.user, channel=CHANNEL, title=payload.title,
                                  description=payload.description)
    return Reply(201, _fresh(request, record))


@router.get("/trends", response={200: ProblemTrendsOut, **ERRORS}, summary="Incident trends and proposed problems")
def read_trends(request, filters: Query[ProblemTrendFilters]):
    """Incidents per category and configuration item over the last `days`; a row with at least `threshold`
    incidents not linked to a problem is proposed (defaults from the desk's settings)."""
    _staff(request)
    found = trends.trends(request.user, days=filters.days, threshold=filters.threshold)
    return {"days": found.days, "threshold": found.threshold, "since": found.since,
            "categories": [row.__dict__ for row in found.categories], "items": [row.__dict__ for row in found.items]}


@router.get("/{int:problem_id}", response={200: ProblemOut, **ERRORS}, summary="A problem")
def read_problem(request, problem_id: Id):
    return _out(request, _problem(request, problem_id))


@router.patch("/{int:problem_id}", response={200: ProblemOut, **ERRORS}, summary="Root cause and workaround")
def update_problem(request, problem_id: Id, payload: ProblemAnalysisIn):
    record = actions.update_analysis(_problem(request, problem_id), actor=request.user, channel=CHANNEL,
                                     root_cause=payload.root_cause, workaround=payload.workaround,
                                     expected_version=payload.version)
    return _fresh(request, record)


@router.post("/{int:problem_id}/incidents", response={201: ProblemOut, **ERRORS}, summary="Link an incident")
def link_incident(request, problem_id: Id, payload: ProblemLinkIn):
    record = _problem(request, problem_id)
    actions.link_incident(record, _incident(request, payload.incident), actor=request.user, channel=CHANNEL)
    return Reply(201, _fresh(request, record))


@router.delete("/{int:problem_id}/incidents/{int:incident_id}", response={204: None, **ERRORS},
               summary="Unlink an incident")
def unlink_incident(request, problem_id: Id, incident_id: Id):
    actions.unlink_incident(_problem(request, problem_id), incident_id, actor=request.user, channel=CHANNEL)
    return Reply(204, None)


@router.post("/{int:problem_id}/known-error", response={200: ProblemOut, **ERRORS},
             summary="Publish the known error")
def publish_known_error(request, problem_id: Id, payload: ProblemVersionIn):
    """Creates (then updates) a knowledge article with the symptom and the workaround and publishes it: group
    leads, desk managers and administrators."""
    record = _problem(request, problem_id)
    actions.publish_known_error(record, actor=request.user, channel=CHANNEL, expected_version=payload.version)
    return _fresh(request, record)


@router.post("/{int:problem_id}/resolve", response={200: ProblemResolutionOut, **ERRORS}, summary="Resolve the problem")
def resolve_problem(request, problem_id: Id, payload: ProblemResolveIn):
    """Resolves the problem's ticket and (`resolve_incidents`, default true) each open linked incident; every
    requester gets the resolution mail with confirm and reopen."""
    outcome = actions.resolve_problem(_problem(request, problem_id), actor=request.user, channel=CHANNEL,
                                      resolution=payload.resolution, resolve_incidents=payload.resolve_incidents,
                                      expected_version=payload.version)
    return {"problem": _fresh(request, outcome.problem), "resolved": outcome.resolved,
            "left": [{"number": n, "reason": why} for n, why in outcome.left]}
