"""Service notices on the portal's request screens: the disruptions a customer reporting a problem is
shown first (with "subscribe instead"), and the notices a request is linked to."""

from django import template
from django.db.models import Q
from django.utils import timezone

from servicedesk.announcements import visibility
from servicedesk.announcements.models import DISRUPTIONS, Announcement

register = template.Library()


@register.simple_tag
def current_disruptions(user, catalogue, chosen="") -> dict:
    """The current outages and degradations that affect `user`, each with the services it names (none: all),
    and which service each category of the catalogue belongs to: the form shows the notices of the chosen
    category's service (all of them before one is chosen; portal's disruptions.js follows the choice)."""
    now = timezone.now()
    found = (visibility.affecting(user).filter(kind__in=DISRUPTIONS, starts_at__lte=now)
             .filter(Q(ends_at__isnull=True) | Q(ends_at__gt=now)).prefetch_related("services")
             .order_by("-starts_at", "-id"))
    notices = [{"notice": n, "services": " ".join(str(s.pk) for s in n.services.all())} for n in found]
    services = {}
    if notices:
        for service in catalogue:
            for node in service.categories:
                services[str(node.category.pk)] = str(service.service.pk)
                for child in node.children:
                    services[str(child.category.pk)] = str(service.service.pk)
    service = services.get(str(chosen or ""))
    for item in notices:
        item["shown"] = not service or not item["services"] or service in item["services"].split()
    return {"notices": notices, "category_services": services}


@register.simple_tag
def request_notices(ticket, user) -> list:
    """The notices the request is linked to that the reader may read."""
    return list(visibility.readable(user, Announcement.objects.filter(ticket_links__ticket=ticket))
                .order_by("-starts_at", "-id"))
