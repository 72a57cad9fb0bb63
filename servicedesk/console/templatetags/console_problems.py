"""The ticket page's problem panel: an incident's problem (or opening one from it, or linking it to one); a
problem ticket's way to its problem page."""

from django import template

from servicedesk.problems import actions
from servicedesk.problems.models import ProblemRecord
from servicedesk.tickets import permissions
from servicedesk.tickets.models import TicketType

from ..ticket_panels import has

register = template.Library()


@register.simple_tag
def ticket_problem(ticket, user) -> dict:
    if ticket.type == TicketType.PROBLEM:
        return {"own": ProblemRecord.objects.filter(ticket=ticket).first() if has(ticket, "problem") else None}
    if ticket.type != TicketType.INCIDENT:
        return {}
    cause = actions.problem_of(ticket) if has(ticket, "caused_by") else None
    if cause is not None and not permissions.can_see(user, cause.ticket):
        return {"hidden_cause": True}  # linked already; nobody learns of a ticket they may not see
    return {"cause": cause, "incident": True}
