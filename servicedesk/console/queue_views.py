"""The console's queue pages: a queue (or a saved view of it) filtered, sorted and paginated.

Every list is filtered by the one ticket filter (servicedesk.tickets.filters), ordered like one of the
ticket indexes and paginated by keyset (cursor) with LIMIT — never OFFSET — so a queue of a million
tickets opens as fast as one of a thousand.
"""

from __future__ import annotations

from dataclasses import replace
from urllib.parse import urlencode

from django.http import QueryDict
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _

from servicedesk.core.inputs import parse_id
from servicedesk.core.pagination import BadCursor, Page, paginate
from servicedesk.tickets import filters as ticket_filters

from .access import staff_required
from .clocks import breaching_clocks
from .models import SavedView
from .queue_defs import DEFAULT_QUEUE, get_queue
from .queue_filters import active_filters, filter_grid, selected
from .queue_rows import ROW_FIELDS, as_rows, clock_rows, queue_rows
from .sidebar import build_sidebar, sidebar_counts

PAGE_SIZE = 50
# For each sortable column: the ordering its first click asks for.
SORTABLE = {"number": "-number", "priority": "priority", "created_at": "-created_at",
            "updated_at": "-updated_at"}


@staff_required
def queue_counts(request):
    """The sidebar's counts, swapped into place by HTMX (out of band, by element id)."""
    counts = sidebar_counts(request.user)
    return render(request, "console/_queue_counts.html", {"counts": list(counts.items())})


def _query(params: QueryDict, **changes) -> str:
    """The current query string with some parameters replaced (None removes one)."""
    data = params.copy()
    for key, value in changes.items():
        data.pop(key, None)
        if value is not None:
            data[key] = value
    return data.urlencode()


@staff_required
def home(request):
    return redirect("console:queue", slug=DEFAULT_QUEUE)


def _page(queue, user, chosen: ticket_filters.TicketFilter, params: QueryDict) -> tuple[Page, list[dict], bool]:
    """(page, rows, bad cursor): a cursor the desk did not make gets the first page."""
    if queue.clocks:
        field, descending, nulls_last = "due_at", False, False
        # Soonest due first, whatever the ordering asked for.
        unordered = replace(chosen, ordering=ticket_filters.DEFAULT_ORDERING)
        branches = [breaching_clocks(unordered.apply(queue.tickets(user), user))]
    else:
        field, descending, nulls_last = chosen.field, chosen.descending, chosen.nulls_last
        branches = [chosen.apply(b, user).values(*chosen.columns(*ROW_FIELDS)) for b in queue.querysets(user)]
    bad_cursor = False
    try:
        page = paginate(branches, field, descending, PAGE_SIZE, after=params.get("after"),
                        before=params.get("before"), nulls_last=nulls_last)
    except BadCursor:
        bad_cursor = True
        page = paginate(branches, field, descending, PAGE_SIZE, nulls_last=nulls_last)
    rows = clock_rows(page.rows) if queue.clocks else queue_rows(as_rows(page.rows))
    return page, rows, bad_cursor


@staff_required
def queue_view(request, slug: str):
    user = request.user
    queue = get_queue(user, slug)
    params = request.GET

    saved = None
    view_id = parse_id(params.get("view"))
    if view_id:
        saved = SavedView.objects.filter(pk=view_id, user=user, queue=slug).first()

    filter_error = None
    try:
        chosen = ticket_filters.parse(params)
    except ticket_filters.FilterError as exc:
        # Refused like the API refuses it: the message, and no list that only looks filtered.
        filter_error, chosen = exc.message, ticket_filters.TicketFilter()
        page, rows, bad_cursor = Page([], None, None), [], False
    else:
        page, rows, bad_cursor = _page(queue, user, chosen, params)
    ordering = ticket_filters.DEFAULT_ORDERING if queue.clocks else chosen.ordering
    field, descending = ticket_filters.ORDERINGS[ordering]

    base = params.copy()
    for key in ("after", "before"):
        base.pop(key, None)
    columns = []
    for name, label in (("number", _("Number")), ("priority", _("Priority")), ("created_at", _("Created")),
                        ("updated_at", _("Updated"))):
        if field == name:
            flipped = name if descending else f"-{name}"
            sort = "descending" if descending else "ascending"
        else:
            flipped, sort = SORTABLE[name], ""
        url = "" if queue.clocks else "?" + _query(base, ordering=flipped)
        columns.append((name, {"label": label, "url": url, "sort": sort if url else ""}))
    filters = active_filters(params)
    saved_query = urlencode(filters + ([("ordering", ordering)] if ordering != ticket_filters.DEFAULT_ORDERING
                                       else []))

    context = {
        "queue": queue,
        "saved_view": saved,
        "heading": saved.name if saved else queue.label_text(),
        "page": page,
        "rows": rows,
        # Jinja2 (the "jinja2" engine): 50 rows of a dozen cells each were most of the page's
        # rendering time in Django's engine. Autoescaped there; strings come translated.
        "rows_html": mark_safe(render_to_string(  # noqa: S308 - Jinja2 autoescapes every value
            "console/queues/rows.html", {"rows": rows, "intake_label": _("Intake")}, using="jinja2")),
        "clock_queue": queue.clocks,
        "intake_label": _("Intake"),
        "bad_cursor": bad_cursor,
        "filter_error": filter_error,
        "next_url": "?" + _query(base, after=page.next_cursor) if page.next_cursor else "",
        "prev_url": "?" + _query(base, before=page.prev_cursor) if page.prev_cursor else "",
        "columns": dict(columns),
        "ordering": ordering,
        "params": params,
        "selected": selected(params),
        "filter_count": len([f for f in filters if f[0] != "q"]),
        "has_filters": bool(filters),
        "saved_query": saved_query,
        "filter_grid": filter_grid(params, ordering),
        "page_size": PAGE_SIZE,
        "sidebar": build_sidebar(request, slug, saved.pk if saved else None),
    }
    # A cursor the desk did not make, or a filter it cannot read, is a 400, as in the API and the portal.
    return render(request, "console/queues/queue.html", context,
                  status=400 if bad_cursor or filter_error else 200)
