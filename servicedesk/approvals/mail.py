"""The mail asking for a decision, through notify's outbox: one message per approver (and per delegate standing
in for one) and step, keyed so it is planned once (the reminder once more), in the reader's language and time
zone, with the approve and reject links signed for that reader (core/links.py). Sent by notify's sender."""

from __future__ import annotations

from django.conf import settings
from django.urls import reverse
from django.utils import timezone

from servicedesk.notify import context as ctx
from servicedesk.notify.models import Event
from servicedesk.notify.planning import Notice, queue, recipient_for

from . import actions
from .models import ApprovalRequest, Delegation, State


def link_url(request: ApprovalRequest, user) -> str:
    return settings.SERVICEDESK_BASE_URL + reverse("approval_link", args=[actions.link_token(request, user)])


def _context(request: ApprovalRequest, user, for_whom, reminder: bool, time_zone: str) -> dict:
    url = link_url(request, user)
    return {
        "ticket": ctx.ticket_context(request.ticket, staff=False),
        "approval": {
            "policy": request.policy.local_name, "requester": ctx.person_name(request.ticket.requester),
            "step": request.step, "reminder": reminder,
            "deadline": ctx.format_when(request.deadline, time_zone) if request.deadline else "",
            "on_behalf_of": "" if for_whom.pk == user.pk else ctx.person_name(for_whom),
            "approve_url": url + "?outcome=approve", "reject_url": url + "?outcome=reject",
        },
    }


def plan(request_id: int, step: int, reminder: bool = False) -> list[int]:
    """Store the mail of the step's undecided approvers and their delegates; returns the outbox rows to send."""
    request = (ApprovalRequest.objects.select_related("ticket__desk", "ticket__requester", "ticket__group",
                                                       "ticket__assignee", "policy")
               .filter(pk=request_id, state=State.PENDING, step=step).first())
    if request is None:
        return []
    undecided = actions.approvers_for(request)
    asked = {u.pk for u in actions._undecided(request)}
    stands_in = {d.delegate_id: d.user for d in Delegation.objects.filter(
        starts__lte=timezone.now(), ends__gt=timezone.now(), user_id__in=asked).select_related("user")}
    key = f"approval:{request.pk}:{step}" + (":reminder" if reminder else "")
    notices, people = [], {}
    for user in undecided:
        recipient = recipient_for(user, request.ticket.desk)
        if recipient is None:
            continue
        people[recipient.address] = (user, user if user.pk in asked else stands_in.get(user.pk, user))
        notices.append(Notice(Event.APPROVAL, recipient, key))
    return queue(notices, request.ticket, lambda notice: _context(
        request, *people[notice.recipient.address], reminder, notice.recipient.time_zone))
