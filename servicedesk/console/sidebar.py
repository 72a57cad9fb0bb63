"""The console sidebar: the user's queues and saved views, and each queue's bounded count.

Sidebar counts are bounded: at most COUNT_CAP + 1 rows are counted per queue, and anything beyond shows
as "1000+".
"""

from __future__ import annotations

from urllib.parse import urlencode

from django.db.models import QuerySet
from django.urls import reverse

from servicedesk.accounts.models import User
from servicedesk.core.jinja import url_maker

from .models import SavedView
from .queue_defs import queues_for

COUNT_CAP = 1000


def bounded_count(queryset: QuerySet, cap: int | None = None) -> tuple[int, bool]:
    """(count, capped): counts at most cap + 1 rows in one `SELECT COUNT(*) FROM (… LIMIT cap+1)`."""
    cap = COUNT_CAP if cap is None else cap
    n = queryset.order_by().values("pk")[: cap + 1].count()
    return (cap, True) if n > cap else (n, False)


def count_label(queryset: QuerySet | list[QuerySet]) -> str:
    """The bounded count of a queryset, or of the disjoint branches of a queue added up."""
    branches = queryset if isinstance(queryset, list) else [queryset]
    n, capped = 0, False
    for branch in branches:
        count, over = bounded_count(branch, COUNT_CAP - n)
        n, capped = n + count, over
        if capped:
            break
    return f"{n}+" if capped else str(n)


def saved_view_url(view: SavedView) -> str:
    base = reverse("console:queue", args=[view.queue])
    extra = urlencode({"view": view.pk})
    return f"{base}?{view.query}&{extra}" if view.query else f"{base}?{extra}"


def build_sidebar(request, active_queue: str | None = None, active_view: int | None = None) -> dict:
    """The console sidebar: the queues and the saved views (one query). The counts come after the
    page, from `queue_counts` (HTMX, refreshed every minute): a page never waits for them.

    Other console screens may pass `sidebar=build_sidebar(request)` to show it too.
    """
    user = request.user
    queues = queues_for(user)
    allowed = {q.slug for q in queues}
    queue_url = url_maker("console:queue")
    return {
        "queues": [
            {"slug": q.slug, "label": q.label_text(), "url": queue_url(q.slug),
             "active": q.slug == active_queue and active_view is None}
            for q in queues
        ],
        "views": [
            {"id": v.pk, "name": v.name, "url": saved_view_url(v), "active": v.pk == active_view}
            for v in SavedView.objects.filter(user=user) if v.queue in allowed
        ],
    }


def sidebar_counts(user: User) -> dict[str, str]:
    """Each of the user's queues' bounded count ("1000+" past COUNT_CAP), one query per queue branch."""
    return {q.slug: count_label(q.querysets(user)) for q in queues_for(user)}
