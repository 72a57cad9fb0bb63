"""The ticket page's announcement panel: the notices the ticket is linked to, and those it may be linked to."""

from django import template
from django.db.models import Q
from django.utils import timezone

from servicedesk.announcements.models import Announcement

from ..ticket_panels import has

register = template.Library()


@register.simple_tag
def ticket_notices(ticket) -> dict:
    now = timezone.now()
    linked = (list(Announcement.objects.filter(ticket_links__ticket=ticket).order_by("-starts_at", "-id"))
              if has(ticket, "notices") else [])
    if not has(ticket, "announcements"):
        return {"linked": linked, "choices": []}
    open_ones = (Announcement.objects.filter(Q(ends_at__isnull=True) | Q(ends_at__gt=now))
                 .exclude(pk__in=[a.pk for a in linked]).order_by("starts_at", "id")[:50])  # current ones first
    return {"linked": linked, "choices": list(open_ones)}
