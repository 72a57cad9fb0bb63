"""The side column's test for a panel of another app: included only when the ticket has rows for it."""

from django import template

from ..ticket_panels import has

register = template.Library()


@register.filter
def has_panel(ticket, panel: str) -> bool:
    return has(ticket, panel)
