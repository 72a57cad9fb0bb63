from datetime import timedelta

from django import template
from django.utils import timezone
from django.utils.timesince import timesince
from django.utils.translation import gettext

from servicedesk.portal.catalogue import local_name, needs_customer, plain_status

register = template.Library()


@register.filter
def localname(obj) -> str:
    return local_name(obj)


@register.filter
def plainstatus(ticket) -> str:
    return plain_status(ticket)


@register.filter
def needsyou(ticket) -> bool:
    return needs_customer(ticket)


@register.filter
def statusclass(ticket) -> str:
    """One colour per plain status: "Being worked on" looks the same whichever desk state it is."""
    if needs_customer(ticket):
        return "needs-you" if ticket.status == "pending" else "status-resolved needs-confirm"
    if ticket.status == "assigned" and getattr(ticket, "acknowledged_at", True) is None:
        return "status-new"
    return {"assigned": "status-in_progress"}.get(ticket.status, f"status-{ticket.status}")


@register.filter
def updated_ago(value) -> str:
    """When a request last changed: "updated just now" under a minute (timesince would say "0 minutes"),
    else "updated 2 days ago", to the largest unit only."""
    if not value:
        return ""
    if timezone.now() - value < timedelta(minutes=1):
        return gettext("updated just now")
    return gettext("updated %(ago)s ago") % {"ago": timesince(value, depth=1)}
