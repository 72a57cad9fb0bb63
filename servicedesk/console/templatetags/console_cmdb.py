"""The ticket page's configuration item panel: the items linked, and the requester's devices not linked yet."""

from django import template

from servicedesk.cmdb.impact import items_for_ticket
from servicedesk.cmdb.models import ConfigItem, ItemStatus

from ..ticket_panels import has

register = template.Library()


@register.simple_tag
def ticket_items(ticket) -> dict:
    linked = items_for_ticket(ticket) if has(ticket, "items") else []
    if not has(ticket, "devices"):
        return {"linked": linked, "devices": []}
    devices = (ConfigItem.objects.filter(user_id=ticket.requester_id).exclude(status=ItemStatus.RETIRED)
               .exclude(pk__in=[i.pk for i in linked]).select_related("type").order_by("name")[:50])
    return {"linked": linked, "devices": list(devices)}
