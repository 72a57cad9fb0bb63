"""The ticket page's major-incident panel: the ticket's own major incident, declaring it, or linking it under an
active one."""

from django import template

from servicedesk.major import actions
from servicedesk.major.models import MajorIncident, State
from servicedesk.tickets import permissions
from servicedesk.tickets.models import OPEN_STATUSES, LinkKind, TicketLink, TicketType

from ..ticket_panels import has

register = template.Library()


@register.simple_tag
def ticket_major(ticket, user) -> dict:
    own = MajorIncident.objects.filter(ticket=ticket).first() if has(ticket, "major") else None
    is_incident = ticket.type == TicketType.INCIDENT
    parent, under = [], None
    if has(ticket, "child_of"):
        parent = TicketLink.objects.filter(source=ticket, kind=LinkKind.CHILD_OF).values_list("target_id", flat=True)
        under = MajorIncident.objects.filter(ticket_id__in=parent).select_related("ticket").first()
    if under is not None and not permissions.can_see(user, under.ticket):
        under = None
    active = []
    if (is_incident and not parent and not (own and own.is_active) and ticket.status in OPEN_STATUSES
            and has(ticket, "active_majors")):
        found = (MajorIncident.objects.filter(state=State.ACTIVE).exclude(ticket=ticket).select_related("ticket")
                 .order_by("-declared_at")[:50])
        active = [m for m in found if permissions.can_see(user, m.ticket)]  # nobody learns of a hidden ticket
    return {
        "own": own, "under": under, "active": active,
        "may_declare": is_incident and ticket.status in OPEN_STATUSES and not (own and own.is_active)
        and actions.may_declare(user),
    }
