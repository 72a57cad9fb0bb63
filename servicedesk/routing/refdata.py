"""The routing rules as the engine reads them for every new ticket, cached (core.refdata)."""

from servicedesk.core.refdata import cached

from .models import RoutingRule


def routing_rules() -> list:
    """The active routing rules in order, with what their conditions and actions name (every new ticket)."""
    return cached("routing-rules", lambda: list(
        RoutingRule.objects.filter(is_active=True)
        .select_related("set_group", "set_category", "set_owner")
        .prefetch_related("categories", "organisations", "desks", "add_tags")
    ), fresh=True)
