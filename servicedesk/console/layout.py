"""What the console's Jinja2 layout (jinja2/console/layout.html) needs besides the page's own context: the
menu, the language, the desk's name and the banner (a Django fragment, as on every other console page)."""

from __future__ import annotations

from django.conf import settings
from django.template.context_processors import csrf
from django.template.loader import render_to_string
from django.utils.safestring import mark_safe
from django.utils.translation import get_language, gettext_lazy, pgettext_lazy

from servicedesk.announcements.banner import context as banner_context
from servicedesk.core.context import branding

# console/base.html's top menu, in its order (tests/console/test_jinja_layout.py keeps the two the same).
MENU = (
    ("console:home", gettext_lazy("Queues")),
    ("console:quick_log", gettext_lazy("Quick log")),
    ("console:canned", gettext_lazy("Canned responses")),
    ("console:kb", gettext_lazy("Knowledge base")),
    ("console:kb_upkeep", gettext_lazy("Knowledge upkeep")),
    ("console:notices", gettext_lazy("Announcements")),
    ("console:robots", gettext_lazy("Chat robots")),
    ("console:calls", gettext_lazy("Calls")),
    ("console:majors", gettext_lazy("Major incidents")),
    ("console:reports_dashboard", gettext_lazy("Reports")),
    ("console:approvals", gettext_lazy("Approvals")),
    ("console:cmdb_items", gettext_lazy("Configuration items")),
    ("console:problems", gettext_lazy("Problems")),
    ("console:changes", pgettext_lazy("change", "Changes")),
    ("people:list", gettext_lazy("People")),
)


def layout_context(request, nav: str = "", sidebar: dict | None = None) -> dict:
    """`nav`: the menu entry (its route name) the page marks as the one shown; `sidebar`: the queues' side
    column (sidebar.build_sidebar), a Django fragment as on the queue pages."""
    return {
        # The fragments get what they use, not the Django engine's seven context processors (a third of
        # their render): the sidebar nothing of the request; the banner the notices, the request and CSRF.
        "sidebar_html": mark_safe(render_to_string(  # noqa: S308
            "console/_sidebar.html", {"sidebar": sidebar})) if sidebar else "",
        **branding(request),
        "LANGUAGE_CODE": get_language(),
        "LANGUAGES": settings.LANGUAGES,
        "console_menu": MENU,
        "nav": nav,
        "banner_html": mark_safe(render_to_string(  # noqa: S308
            "console/_banner.html", fragment_context(request, banner_context(request)))),
    }


def fragment_context(request, extra: dict) -> dict:
    """The context of a Django fragment rendered inside a Jinja2 page without the Django engine's context
    processors: `extra`, the request and the CSRF token (what the console's fragments read)."""
    return {**extra, "request": request, **csrf(request)}
