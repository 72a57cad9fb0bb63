"""/api/v1/approvals: the approvals waiting for me (as an approver, or deciding for someone away), one approval
with its decisions, deciding it, asking for one on a ticket (desk staff), withdrawing it, and my delegations.
Every change through `servicedesk.approvals.actions`."""

import datetime
from typing import Literal

from django.utils.translation import gettext as _
from ninja import Query, Router
from ninja import Status as Reply
from pydantic import Field

from servicedesk.approvals import actions, visibility
from servicedesk.approvals.models import ApprovalPolicy, ApprovalRequest, Delegation
from servicedesk.core import audit
from servicedesk.core.errors import NotAllowed, NotFound
from servicedesk.core.inputs import Id, IdOrZero
from servicedesk.core.pagination import paginate
from servicedesk.tickets import permissions
from servicedesk.tickets.queries import ticket_reference

from .schemas import Input, Message, Out

router = Router(tags=["approvals"])

ERRORS = {400: Message, 403: Message, 404: Message, 409: Message}
CHANNEL = audit.Channel.API


class ApprovalDecisionOut(Out):
    step: int
    approver: str
    on_behalf_of: str | None
    outcome: Literal["approve", "reject"]
    comment: str
    at: datetime.datetime
    channel: str


class ApprovalOut(Out):
    id: int
    ticket: str = Field(description="The ticket's number.")
    title: str
    requester: str
    policy: str
    state: Literal["pending", "approved", "rejected", "cancelled"]
    step: int = Field(description="The current step (the last one, once decided).")
    requested_at: datetime.datetime
    deadline: datetime.datetime | None
    decided_at: datetime.datetime | None
    may_decide: bool = Field(description="Whether you may decide it now (asked, or deciding for someone away).")
    version: int
    decisions: list[ApprovalDecisionOut]


class ApprovalPage(Out):
    items: list[ApprovalOut]
    next_cursor: str | None


class ApprovalPendingFilters(Input):
    cursor: str | None = None
    limit: int = Field(50, ge=1, le=200)


class ApprovalDecideIn(Input):
    outcome: Literal["approve", "reject"]
    comment: str = Field("", max_length=actions.MAX_COMMENT)
    version: IdOrZero | None = Field(None, description="The approval's version you read: a stale one gets 409.")


class ApprovalVersionIn(Input):
    version: IdOrZero | None = Field(None, description="The approval's version you read: a stale one gets 409.")


class ApprovalRequestIn(Input):
    ticket: str = Field(..., max_length=40, description="The ticket: id or number (SD-000123).")
    policy: Id = Field(..., description="The approval policy's id (GET /approvals/policies).")


class ApprovalPolicyOut(Out):
    id: int
    name: str
    steps: int
    pause_clock: bool
    deadline_hours: int


class ApprovalDelegationIn(Input):
    delegate: Id = Field(..., description="The person who decides for you (a user id).")
    starts: datetime.datetime
    ends: datetime.datetime


class ApprovalDelegationOut(Out):
    id: int
    delegate: str
    starts: datetime.datetime
    ends: datetime.datetime


def _out(request, approval: ApprovalRequest) -> dict:
    decisions = approval.decisions.select_related("approver", "on_behalf_of").order_by("at", "id")
    return {
        "id": approval.pk, "ticket": approval.ticket.number, "title": approval.ticket.title,
        "requester": approval.ticket.requester.display_name, "policy": approval.policy.local_name,
        "state": approval.state, "step": approval.step, "requested_at": approval.requested_at,
        "deadline": approval.deadline, "decided_at": approval.decided_at,
        "may_decide": actions.may_decide(approval, request.user), "version": approval.version,
        "decisions": [{"step": d.step, "approver": d.approver.display_name,
                       "on_behalf_of": d.on_behalf_of.display_name if d.on_behalf_of else None,
                       "outcome": d.outcome, "comment": d.comment, "at": d.at, "channel": d.channel}
                      for d in decisions],
    }


def _approval(request, approval_id: int) -> ApprovalRequest:
    found = (ApprovalRequest.objects.select_related("ticket__requester", "policy").filter(pk=approval_id).first())
    if found is None or not visibility.can_view(request.user, found):
        raise NotFound(_("Approval not found."))
    return found


@router.get("", response={200: ApprovalPage, 400: Message}, summary="Approvals waiting for me")
def pending(request, filters: Query[ApprovalPendingFilters]):
    """The approvals you may decide now (asked, or deciding for someone away), oldest first."""
    page = paginate(actions.pending_for(request.user), "requested_at", False, filters.limit, after=filters.cursor)
    return {"items": [_out(request, a) for a in page.rows], "next_cursor": page.next_cursor}


@router.post("", response={201: ApprovalOut, **ERRORS}, summary="Ask for an approval")
def ask(request, payload: ApprovalRequestIn):
    """Desk staff who see the ticket: its approval starts under the policy (the ticket waits for it)."""
    if not request.user.is_desk_staff:
        raise NotAllowed(_("Only desk staff may ask for an approval."))
    lookup = ticket_reference(payload.ticket)
    ticket = permissions.visible_tickets(request.user).filter(lookup).first() if lookup is not None else None
    if ticket is None:
        raise NotFound(_("Ticket %(key)s not found.") % {"key": payload.ticket})
    policy = ApprovalPolicy.objects.filter(pk=payload.policy).first()
    if policy is None:
        raise NotFound(_("Approval policy not found."))
    made = actions.request_approval(ticket, policy=policy, actor=request.user, channel=CHANNEL)
    return Reply(201, _out(request, _approval(request, made.pk)))


@router.get("/policies", response={200: list[ApprovalPolicyOut], 403: Message}, summary="Approval policies")
def policies(request):
    """The active policies (desk staff)."""
    if not request.user.is_desk_staff:
        raise NotAllowed(_("Only desk staff may do this."))
    return [{"id": p.pk, "name": p.local_name, "steps": p.steps.count(), "pause_clock": p.pause_clock,
             "deadline_hours": p.deadline_hours}
            for p in ApprovalPolicy.objects.filter(is_active=True).prefetch_related("steps").order_by("name")]


@router.get("/delegations", response={200: list[ApprovalDelegationOut]}, summary="My delegations")
def delegations(request):
    return [_delegation_out(d) for d in Delegation.objects.filter(user=request.user).select_related("delegate")
            .order_by("-starts", "-id")[:100]]


def _delegation_out(d: Delegation) -> dict:
    return {"id": d.pk, "delegate": d.delegate.display_name, "starts": d.starts, "ends": d.ends}


@router.post("/delegations", response={201: ApprovalDelegationOut, **ERRORS}, summary="Hand over my approvals")
def add_delegation(request, payload: ApprovalDelegationIn):
    """While you are away (from `starts` until `ends`) the delegate decides your approvals."""
    delegate = visibility.possible_delegates(request.user).filter(pk=payload.delegate).first()
    if delegate is None:
        raise NotFound(_("User not found."))
    made = actions.delegate(request.user, to=delegate, starts=payload.starts, ends=payload.ends,
                            actor=request.user, channel=CHANNEL)
    return Reply(201, _delegation_out(made))


@router.delete("/delegations/{int:delegation_id}", response={204: None, **ERRORS}, summary="End a delegation")
def end_delegation(request, delegation_id: Id):
    actions.end_delegation(delegation_id, actor=request.user, channel=CHANNEL)
    return Reply(204, None)


@router.get("/{int:approval_id}", response={200: ApprovalOut, 404: Message}, summary="An approval")
def read(request, approval_id: Id):
    """For the people asked, the ticket's requester and the desk staff who see the ticket."""
    return _out(request, _approval(request, approval_id))


@router.post("/{int:approval_id}/decide", response={200: ApprovalOut, **ERRORS}, summary="Approve or reject")
def decide(request, approval_id: Id, payload: ApprovalDecideIn):
    approval = _approval(request, approval_id)
    actions.decide(approval, actor=request.user, outcome=payload.outcome, comment=payload.comment, channel=CHANNEL,
                   expected_version=payload.version)
    return _out(request, _approval(request, approval_id))


@router.post("/{int:approval_id}/cancel", response={200: ApprovalOut, **ERRORS}, summary="Withdraw an approval")
def cancel(request, approval_id: Id, payload: ApprovalVersionIn):
    """Desk staff: the ticket stops waiting for it."""
    approval = _approval(request, approval_id)
    if not request.user.is_desk_staff:
        raise NotAllowed(_("Only desk staff may cancel an approval."))
    actions.cancel(approval, actor=request.user, channel=CHANNEL, expected_version=payload.version)
    return _out(request, _approval(request, approval_id))

