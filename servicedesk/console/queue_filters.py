"""A queue page's filter panel: which filters are in use and the panel's drop-downs. The filters
themselves (reading, checking, narrowing) are the one ticket filter, servicedesk.tickets.filters."""

from __future__ import annotations

import hashlib
import json

from django.http import QueryDict
from django.template.loader import render_to_string
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _

from servicedesk.accounts.models import STAFF_ROLES, Group, Organisation, User, system_usernames
from servicedesk.core import refdata
from servicedesk.tickets.filters import PARAMS
from servicedesk.tickets.models import Category, Channel, Priority, Status, TicketType


def active_filters(params: QueryDict) -> list[tuple[str, str]]:
    """The filter parameters in use, as (name, value) pairs, in a stable order."""
    return [(name, value) for name in PARAMS for value in params.getlist(name) if value.strip()]


def _filter_options() -> dict:
    categories = Category.objects.filter(is_active=True).select_related("parent")
    return {
        "orderings": [
            ("-updated_at", _("Latest activity first")), ("updated_at", _("Oldest activity first")),
            ("priority", _("Highest priority first")), ("-priority", _("Lowest priority first")),
            ("-created_at", _("Newest first")), ("created_at", _("Oldest first")),
            ("-number", _("Number, descending")), ("number", _("Number, ascending")),
        ],
        "statuses": Status.choices,
        "types": TicketType.choices,
        "priorities": Priority.choices,
        "channels": Channel.choices,
        "groups": [(g.pk, g.local_name) for g in Group.objects.filter(is_active=True).only("name", "name_zh")],
        "categories": sorted(((c.pk, c.short_label) for c in categories), key=lambda c: c[1]),
        "assignees": [
            (u.pk, u.display_name)
            for u in User.objects.filter(role__in=STAFF_ROLES, is_active=True).exclude(username__in=system_usernames())
            .only("first_name", "last_name", "username").order_by("first_name", "username")[:300]
        ],
        "organisations": list(Organisation.objects.order_by("name").values_list("id", "name")[:300]),
    }


def selected(params: QueryDict) -> dict[str, list[str]]:
    return {name: params.getlist(name) for name in PARAMS}


def filter_grid(params: QueryDict, ordering: str) -> str:
    """The filter panel's drop-downs, rendered once per language and selection and cached.

    Their option lists (groups, categories, agents, organisations) change rarely and are the same
    for every agent; rendering them was half of a queue page's time. They are reference data
    (servicedesk.core.refdata): a change to one of those records invalidates the cache.
    """
    chosen = {name: values for name, values in selected(params).items() if name != "q"}
    digest = hashlib.sha1(json.dumps([chosen, ordering], sort_keys=True).encode()).hexdigest()
    html = refdata.cached(f"console-filter-grid:{digest}", lambda: render_to_string(
        "console/queues/_filter_grid.html", {"options": _filter_options(), "selected": chosen, "ordering": ordering},
    ), per_language=True)
    return mark_safe(html)  # rendered by our own template, escaped there
