"""The ticket page's approval panel, for a ticket waiting for approval: the policy, its step, who is asked, the
decisions so far, and withdrawing it."""

from django import template

from servicedesk.approvals import actions
from servicedesk.approvals.models import ApprovalRequest, State

register = template.Library()


@register.simple_tag
def ticket_approval(ticket) -> dict | None:
    request = (ApprovalRequest.objects.filter(ticket=ticket, state=State.PENDING).select_related("policy")
               .first())
    if request is None:
        return None
    return {"request": request, "waiting_for": actions.approvers_for(request),
            "decisions": request.decisions.select_related("approver", "on_behalf_of").order_by("at", "id")}
