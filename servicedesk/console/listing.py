"""One keyset page of a console list, with the links to the pages beside it (the list's filters kept)."""

from __future__ import annotations

from django.db.models import QuerySet

from servicedesk.core.pagination import BadCursor, paginate


def page_context(request, queryset: QuerySet, field: str, size: int) -> dict:
    """rows, bad_cursor (a cursor that is not ours: the first page instead), next_url and prev_url, newest
    `field` first."""
    bad_cursor = False
    try:
        page = paginate(queryset, field, True, size, after=request.GET.get("after"), before=request.GET.get("before"))
    except BadCursor:
        bad_cursor = True
        page = paginate(queryset, field, True, size)

    def link(**cursor) -> str:
        params = request.GET.copy()
        for key in ("after", "before"):
            params.pop(key, None)
        params.update(cursor)
        return "?" + params.urlencode()

    return {"rows": page.rows, "bad_cursor": bad_cursor,
            "next_url": link(after=page.next_cursor) if page.next_cursor else "",
            "prev_url": link(before=page.prev_cursor) if page.prev_cursor else ""}
