"""/api/v1/tickets/{id}/major: a major incident (重大事件) on an incident ticket — declare it, stand it down,
resolve it (its linked incidents with it), link related incidents under it, acknowledge a page, and read its
state, pages and timeline. For desk staff who see the ticket (tickets.permissions); every change through
`servicedesk.major.actions`."""

import datetime
from typing import Literal

from django.utils.translation import gettext as _
from ninja import Router
from ninja import Status as Reply
from pydantic import Field

from servicedesk.core import audit
from servicedesk.core.errors import NotAllowed, NotFound
from servicedesk.core.inputs import Id, IdOrZero
from servicedesk.major import actions, timeline
from servicedesk.major.models import AckVia, MajorIncident, Page
from servicedesk.tickets import permissions
from servicedesk.tickets.models import Ticket
from servicedesk.tickets.queries import ticket_reference

from .schemas import Input, Message, Out

router = Router(tags=["major incidents"])

ERRORS = {400: Message, 403: Message, 404: Message, 409: Message}
CHANNEL = audit.Channel.API


class PageOut(Out):
    id: int
    name: str
    channel: Literal["email", "chat", "phone"]
    address: str
    phone: str
    order: int
    sent_at: datetime.datetime
    due_at: datetime.datetime
    acknowledged_at: datetime.datetime | None
    acknowledged_by: str | None
    acknowledged_via: str
    escalated: bool


class MomentOut(Out):
    at: datetime.datetime
    kind: str
    who: str
    text: str


class MajorOut(Out):
    ticket: str
    state: Literal["active", "stood_down", "resolved"]
    reason: str
    declared_by: str
    declared_at: datetime.datetime
    ended_at: datetime.datetime | None
    end_note: str
    announcement: int | None = Field(description="The service notice published at the declaration, if any.")
    linked_incidents: list[str] = Field(description="Numbers of the incidents linked under it that you may see.")
    version: int
    pages: list[PageOut]
    timeline: list[MomentOut]


class DeclareIn(Input):
    reason: str = Field(..., max_length=actions.MAX_TEXT)
    notice: bool = Field(True, description="Publish a service notice for the affected service.")
    version: IdOrZero | None = Field(None, description="The ticket's version you read: a stale one gets 409.")


class StandDownIn(Input):
    reason: str = Field(..., max_length=actions.MAX_TEXT)
    version: IdOrZero | None = Field(None, description="The major incident's version you read.")


class ResolveIn(Input):
    resolution: str = Field(..., max_length=actions.MAX_TEXT,
                            description="The resolution each linked incident's requester is asked to confirm.")
    version: IdOrZero | None = Field(None, description="The major incident's version you read.")


class MajorLinkIn(Input):
    incident: str = Field(..., max_length=40, description="The related incident: id or number (SD-000123).")


def _ticket(request, ticket_id: int) -> Ticket:
    ticket = permissions.visible_tickets(request.user).filter(pk=ticket_id).first()
    if ticket is None:
        raise NotFound(_("Ticket not found."))
    if not request.user.is_desk_staff:
        raise NotAllowed(_("Only desk staff may do this."))
    return ticket


def _major(request, ticket_id: int) -> MajorIncident:
    ticket = _ticket(request, ticket_id)
    major = MajorIncident.objects.filter(ticket=ticket).select_related("ticket", "declared_by").first()
    if major is None:
        raise NotFound(_("%(number)s is not a major incident.") % {"number": ticket.number})
    return major


def _page_out(page: Page) -> dict:
    return {"id": page.pk, "name": page.name, "channel": page.channel, "address": page.address, "phone": page.phone,
            "order": page.order, "sent_at": page.sent_at, "due_at": page.due_at,
            "acknowledged_at": page.acknowledged_at,
            "acknowledged_by": page.acknowledged_by.display_name if page.acknowledged_by else None,
            "acknowledged_via": page.acknowledged_via, "escalated": page.escalated}


def _out(request, major: MajorIncident) -> dict:
    major = MajorIncident.objects.select_related("ticket", "declared_by", "announcement").get(pk=major.pk)
    linked = [t.number for t in actions.linked_incidents(major).order_by("id")
              if permissions.can_see(request.user, t)]
    return {
        "ticket": major.ticket.number, "state": major.state, "reason": major.reason,
        "declared_by": major.declared_by.display_name, "declared_at": major.declared_at, "ended_at": major.ended_at,
        "end_note": major.end_note, "announcement": major.announcement_id, "linked_incidents": linked,
        "version": major.version,
        "pages": [_page_out(p) for p in major.pages.select_related("acknowledged_by").order_by("sent_at", "id")],
        "timeline": [{"at": m.at, "kind": m.kind, "who": m.who, "text": m.text}
                     for m in timeline.moments(major, request.user)],
    }


@router.get("/{int:ticket_id}/major", response={200: MajorOut, **ERRORS}, summary="The major incident")
def read_major(request, ticket_id: Id):
    """State, pages (with their acknowledgements) and the timeline; 404 when the ticket is not a major incident."""
    return _out(request, _major(request, ticket_id))


@router.post("/{int:ticket_id}/major", response={201: MajorOut, **ERRORS}, summary="Declare a major incident")
def declare(request, ticket_id: Id, payload: DeclareIn):
    """Group leads, desk managers and administrators; incidents only. Pages the contact table's first contacts
    and (`notice`, default true) publishes a service notice."""
    ticket = _ticket(request, ticket_id)
    major = actions.declare(ticket, actor=request.user, reason=payload.reason, channel=CHANNEL,
                            publish_notice=payload.notice, expected_version=payload.version)
    return Reply(201, _out(request, major))


@router.post("/{int:ticket_id}/major/stand-down", response={200: MajorOut, **ERRORS}, summary="Stand it down")
def stand_down(request, ticket_id: Id, payload: StandDownIn):
    major = _major(request, ticket_id)
    actions.stand_down(major, actor=request.user, reason=payload.reason, channel=CHANNEL,
                       expected_version=payload.version)
    return _out(request, major)


@router.post("/{int:ticket_id}/major/resolve", response={200: MajorOut, **ERRORS}, summary="Resolve it")
def resolve(request, ticket_id: Id, payload: ResolveIn):
    """Resolves the major ticket and each open linked incident (requesters told); the notice ends."""
    major = _major(request, ticket_id)
    actions.resolve(major, actor=request.user, resolution=payload.resolution, channel=CHANNEL,
                    expected_version=payload.version)
    return _out(request, major)


@router.post("/{int:ticket_id}/major/links", response={201: MajorOut, **ERRORS}, summary="Link a related incident")
def link_incident(request, ticket_id: Id, payload: MajorLinkIn):
    """The incident becomes a child of the major ticket (any agent of its group, leads, managers, admins)."""
    major = _major(request, ticket_id)
    lookup = ticket_reference(payload.incident)
    incident = permissions.visible_tickets(request.user).filter(lookup).first() if lookup is not None else None
    if incident is None:
        raise NotFound(_("Ticket %(key)s not found.") % {"key": payload.incident})
    actions.link_incident(major, incident, actor=request.user, channel=CHANNEL)
    return Reply(201, _out(request, major))


@router.post("/{int:ticket_id}/major/pages/{int:page_id}/acknowledge", response={200: MajorOut, **ERRORS},
             summary="Record an acknowledgement")
def acknowledge(request, ticket_id: Id, page_id: Id):
    """For a contact who acknowledged by phone or in person (the link in the mail needs no API)."""
    major = _major(request, ticket_id)
    page = major.pages.filter(pk=page_id).first()
    if page is None:
        raise NotFound(_("No such page."))
    actions.acknowledge(page, actor=request.user, via=AckVia.API, channel=CHANNEL)
    return _out(request, major)
