"""The agent console's queues: my tickets, owned, my groups, unassigned, all open, recently updated,
and the user's saved views.

Every list goes through `permissions.visible_tickets`, is ordered like one of the ticket indexes and
paginated by keyset (cursor) with LIMIT — never OFFSET — so a queue of a million tickets opens as fast
as one of a thousand. Sidebar counts are bounded: at most COUNT_CAP + 1 rows are counted per queue,
and anything beyond shows as "1000+".
"""

from __future__ import annotations

import functools
import hashlib
import json
from collections.abc import Callable
from dataclasses import dataclass
from types import SimpleNamespace
from urllib.parse import urlencode

from django.contrib.auth.decorators import login_required
from django.db.models import Q, QuerySet
from django.http import Http404, QueryDict
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.urls import NoReverseMatch, path, reverse
from django.utils import timezone
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from servicedesk import search
from servicedesk.accounts import refdata as accounts_refdata
from servicedesk.accounts.models import STAFF_ROLES, Group, Organisation, Role, User, person_name
from servicedesk.core import refdata
from servicedesk.core.inputs import parse_id
from servicedesk.core.pagination import BadCursor, after_cursor, encode_cursor
from servicedesk.tickets import permissions
from servicedesk.tickets import refdata as tickets_refdata
from servicedesk.tickets.models import (
    OPEN_STATUSES,
    Category,
    Channel,
    Priority,
    Status,
    Ticket,
    TicketType,
)

PAGE_SIZE = 50
COUNT_CAP = 1000

# ?ordering= value → (field, descending). The same values as the API's list, plus the number.
ORDERINGS = {
    "-updated_at": ("updated_at", True), "updated_at": ("updated_at", False),
    "-created_at": ("created_at", True), "created_at": ("created_at", False),
    "priority": ("priority", False), "-priority": ("priority", True),
    "-number": ("number", True), "number": ("number", False),
}
DEFAULT_ORDERING = "-updated_at"
# For each sortable column: the ordering its first click asks for.
SORTABLE = {"number": "-number", "priority": "priority", "created_at": "-created_at",
            "updated_at": "-updated_at"}

# The GET parameters that filter a queue (also what a saved view keeps, with `ordering`).
FILTER_PARAMS = ("q", "status", "type", "priority", "group", "assignee", "category", "channel",
                 "organisation")
# The columns a queue row shows, read as plain values: building model instances (and joining the
# group and category tables) cost more than the query; names come from cached reference data.
ROW_FIELDS = ("id", "number", "title", "status", "priority", "requester_id", "assignee_id", "group_id",
              "category_id", "created_at", "updated_at")


# ---------------------------------------------------------------------------------------------
# Access


def staff_required(view):
    """Desk staff only: anonymous users sign in, customers go to the portal."""

    @functools.wraps(view)
    @login_required
    def wrapper(request, *args, **kwargs):
        if not request.user.is_desk_staff:
            return redirect("portal:home")
        return view(request, *args, **kwargs)

    return wrapper


def ticket_url(number: str) -> str:
    """The console's ticket page (built elsewhere); the plain path while its route is not there."""
    try:
        return reverse("console:ticket", args=[number])
    except NoReverseMatch:
        return f"/console/tickets/{number}/"


# ---------------------------------------------------------------------------------------------
# The queues


def _open(user: User) -> QuerySet:
    return permissions.visible_tickets(user).filter(status__in=OPEN_STATUSES)


def _own_open(user: User) -> QuerySet:
    """Open tickets without the visibility rule, for the queues whose own condition (assigned to the
    user, owned by the user, in the user's groups, unrouted intake) already lies inside it for desk
    staff, the only users of the console. visible_tickets' five-way OR adds nothing there, but it
    keeps PostgreSQL from reading the partial open-queue indexes in order: the sidebar's bounded
    counts (LIMIT 1001) turned into bitmap scans of every matching row (30,000 at 1M)."""
    if not user.is_desk_staff:
        return _open(user)
    return Ticket.objects.filter(status__in=OPEN_STATUSES)


INTAKE = Q(group__isnull=True, status__in=(Status.NEW, Status.ACKNOWLEDGED))


def _unassigned(user: User) -> QuerySet:
    groups = permissions.group_ids(user)
    rule = INTAKE | Q(group__in=groups) if groups else INTAKE
    return _own_open(user).filter(rule, assignee__isnull=True)


def _unassigned_branches(user: User) -> list[QuerySet]:
    unassigned = _own_open(user).filter(assignee__isnull=True)
    return [unassigned.filter(INTAKE)] + [unassigned.filter(group_id=g) for g in permissions.group_ids(user)]


def _unowned(user: User) -> QuerySet:
    """Routed open tickets nobody owns (a rule or a robot routed them): the 1st line takes ownership."""
    return _own_open(user).filter(owner__isnull=True, group__isnull=False)


def _sees_unowned(user: User) -> bool:
    return user.sees_whole_desk or bool(permissions.first_line_team(user))


def _group_branches(user: User) -> list[QuerySet]:
    return [_own_open(user).filter(group_id=g) for g in permissions.group_ids(user)]


def _status_branches(user: User) -> list[QuerySet]:
    return [_open(user).filter(status=s) for s in OPEN_STATUSES]


def _attention(user: User) -> QuerySet:
    """The open tickets a user answers for: everything for leads and managers; an agent's own, owned
    and groups' tickets."""
    if user.role in (Role.LEAD, Role.MANAGER, Role.ADMIN):
        return _open(user)
    groups = permissions.group_ids(user)
    mine = Q(assignee=user) | Q(owner=user)
    return _own_open(user).filter(mine | Q(group__in=groups) if groups else mine)


def _breaching_branches(user: User) -> list[QuerySet]:
    from .clocks import breaching_clocks

    return [breaching_clocks(_attention(user))]


@dataclass(frozen=True)
class Queue:
    """A queue: its tickets, and optionally the same tickets as disjoint branches.

    A queue whose condition is an OR (several groups, the intake plus groups, several statuses)
    cannot be read in updated_at order from one index: the database would collect and sort every
    matching row. Its branches each read one index range in order; a page merges them
    (merge_page), so the cost stays that of a page per branch whatever the queue's size.
    """

    slug: str
    label: str
    tickets: Callable[[User], QuerySet]
    allowed: Callable[[User], bool] = lambda user: True
    branches: Callable[[User], list[QuerySet]] | None = None
    # A clock queue lists SLA/OLA clocks (soonest due first) rather than tickets in a ticket order.
    clocks: bool = False

    def label_text(self) -> str:
        return str(self.label)

    def querysets(self, user: User) -> list[QuerySet]:
        return self.branches(user) if self.branches else [self.tickets(user)]


QUEUES = [
    Queue("mine", gettext_lazy("My tickets"), lambda u: _own_open(u).filter(assignee=u)),
    Queue("owned", gettext_lazy("Tickets I own"), lambda u: _own_open(u).filter(owner=u)),
    Queue("groups", gettext_lazy("My groups"),
          lambda u: _own_open(u).filter(group__in=permissions.group_ids(u)), branches=_group_branches),
    Queue("unassigned", gettext_lazy("Unassigned"), _unassigned, branches=_unassigned_branches),
    Queue("unowned", gettext_lazy("Unowned"), _unowned, allowed=_sees_unowned),
    Queue("all", gettext_lazy("All open"), _open,
          allowed=lambda u: u.role in (Role.LEAD, Role.MANAGER, Role.ADMIN), branches=_status_branches),
    Queue("breaching", gettext_lazy("Breaching soon"), _attention, branches=_breaching_branches, clocks=True),
    Queue("recent", gettext_lazy("Recently updated"), lambda u: permissions.visible_tickets(u)),
]
QUEUES_BY_SLUG = {q.slug: q for q in QUEUES}
DEFAULT_QUEUE = "mine"


def queues_for(user: User) -> list[Queue]:
    return [q for q in QUEUES if q.allowed(user)]


def get_queue(user: User, slug: str) -> Queue:
    queue = QUEUES_BY_SLUG.get(slug)
    if queue is None or not queue.allowed(user):
        raise Http404(_("No such queue."))
    return queue


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


def build_sidebar(request, active_queue: str | None = None, active_view: int | None = None) -> dict:
    """The console sidebar: the queues and the saved views (one query). The counts come after the
    page, from `queue_counts` (HTMX, refreshed every minute): a page never waits for them.

    Other console screens may pass `sidebar=build_sidebar(request)` to show it too.
    """
    from .models import SavedView

    user = request.user
    queues = queues_for(user)
    allowed = {q.slug for q in queues}
    return {
        "queues": [
            {"slug": q.slug, "label": q.label_text(), "url": reverse("console:queue", args=[q.slug]),
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


@staff_required
def queue_counts(request):
    """The sidebar's counts, swapped into place by HTMX (out of band, by element id)."""
    counts = sidebar_counts(request.user)
    return render(request, "console/_queue_counts.html", {"counts": list(counts.items())})


def saved_view_url(view) -> str:
    base = reverse("console:queue", args=[view.queue])
    extra = urlencode({"view": view.pk})
    return f"{base}?{view.query}&{extra}" if view.query else f"{base}?{extra}"


# ---------------------------------------------------------------------------------------------
# Filters


def _ints(values: list[str]) -> list[int]:
    return [pk for pk in map(parse_id, values) if pk is not None]


def _split(values: list[str]) -> list[str]:
    return [part.strip() for value in values for part in value.split(",") if part.strip()]


def apply_filters(queryset: QuerySet, params: QueryDict, user: User) -> QuerySet:
    """The API list's filters, read from GET parameters. Values that make no sense are ignored."""
    statuses = _split(params.getlist("status"))
    if "open" in statuses:
        statuses = [s for s in statuses if s != "open"] + list(OPEN_STATUSES)
    statuses = [s for s in statuses if s in Status.values]
    if statuses:
        queryset = queryset.filter(status__in=statuses)
    types = [t for t in _split(params.getlist("type")) if t in TicketType.values]
    if types:
        queryset = queryset.filter(type__in=types)
    priorities = [p for p in _ints(_split(params.getlist("priority"))) if p in Priority.values]
    if priorities:
        queryset = queryset.filter(priority__in=priorities)
    groups = _ints(_split(params.getlist("group")))
    if groups:
        queryset = queryset.filter(group__in=groups)
    assignee = (params.get("assignee") or "").strip()
    if assignee == "me":
        queryset = queryset.filter(assignee=user)
    elif assignee == "none":
        queryset = queryset.filter(assignee__isnull=True)
    elif parse_id(assignee):
        queryset = queryset.filter(assignee_id=parse_id(assignee))
    category = parse_id(params.get("category"))
    if category:
        queryset = queryset.filter(Q(category_id=category) | Q(category__parent_id=category))
    channel = (params.get("channel") or "").strip()
    if channel in Channel.values:
        queryset = queryset.filter(channel=channel)
    organisation = parse_id(params.get("organisation"))
    if organisation:
        queryset = queryset.filter(organisation_id=organisation)
    text = (params.get("q") or "").strip()
    if text:
        queryset = search.search(queryset, text)
    return queryset


def active_filters(params: QueryDict) -> list[tuple[str, str]]:
    """The filter parameters in use, as (name, value) pairs, in a stable order."""
    return [(name, value) for name in FILTER_PARAMS for value in params.getlist(name) if value.strip()]


# ---------------------------------------------------------------------------------------------
# Keyset pagination both ways


@dataclass
class Page:
    rows: list[Ticket]
    next_cursor: str | None
    prev_cursor: str | None


def merge_page(querysets: list[QuerySet], field: str, descending: bool, limit: int, cursor: str | None) -> list:
    """The first `limit` rows after the cursor in (field, id) order, over disjoint querysets: each
    reads at most `limit` rows in index order, and the rows are merged here. Rows of a `.values()`
    queryset come back as namespaces (attributes, `pk`), like model instances."""
    prefix = "-" if descending else ""
    rows = {}
    for queryset in querysets:
        if cursor:
            queryset = after_cursor(queryset, field, descending, cursor)
        for row in queryset.order_by(f"{prefix}{field}", f"{prefix}id")[:limit]:
            if isinstance(row, dict):
                row = SimpleNamespace(pk=row["id"], **row)
            rows[row.pk] = row
    return sorted(rows.values(), key=lambda r: (getattr(r, field), r.pk), reverse=descending)[:limit]


def paginate(querysets: QuerySet | list[QuerySet], field: str, descending: bool, *, after: str | None,
             before: str | None, limit: int | None = None) -> Page:
    """One page in (field, id) order. `after` walks forward; `before` walks back (read in reverse,
    then flipped). Several querysets are the disjoint branches of one queue."""
    limit = PAGE_SIZE if limit is None else limit
    branches = querysets if isinstance(querysets, list) else [querysets]
    if before:
        rows = merge_page(branches, field, not descending, limit + 1, before)
        has_prev = len(rows) > limit
        rows = rows[:limit][::-1]
        has_next = True
    else:
        rows = merge_page(branches, field, descending, limit + 1, after)
        has_next, has_prev = len(rows) > limit, bool(after)
        rows = rows[:limit]
    if not rows:
        return Page([], None, None)
    return Page(
        rows,
        encode_cursor(getattr(rows[-1], field), rows[-1].pk) if has_next else None,
        encode_cursor(getattr(rows[0], field), rows[0].pk) if has_prev else None,
    )


# ---------------------------------------------------------------------------------------------
# Screens


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
            for u in User.objects.filter(role__in=STAFF_ROLES, is_active=True)
            .only("first_name", "last_name", "username").order_by("first_name", "username")[:300]
        ],
        "organisations": list(Organisation.objects.order_by("name").values_list("id", "name")[:300]),
    }


def filter_grid(params: QueryDict, ordering: str) -> str:
    """The filter panel's drop-downs, rendered once per language and selection and cached.

    Their option lists (groups, categories, agents, organisations) change rarely and are the same
    for every agent; rendering them was half of a queue page's time. They are reference data
    (servicedesk.core.refdata): a change to one of those records invalidates the cache.
    """
    selected = {name: params.getlist(name) for name in FILTER_PARAMS if name != "q"}
    digest = hashlib.sha1(json.dumps([selected, ordering], sort_keys=True).encode()).hexdigest()
    html = refdata.cached(f"console-filter-grid:{digest}", lambda: render_to_string(
        "console/queues/_filter_grid.html", {"options": _filter_options(), "selected": selected, "ordering": ordering},
    ), per_language=True)
    return mark_safe(html)  # rendered by our own template, escaped there


def people_names(ids) -> dict[int, str]:
    """Display names by user id, in one query of four columns."""
    ids = set(ids) - {None}
    if not ids:
        return {}
    found = User.objects.filter(pk__in=ids).values_list("id", "first_name", "last_name", "username")
    return {pk: person_name(first, last) or username for pk, first, last, username in found}


def queue_rows(tickets: list, due: dict[int, dict] | None = None, names: dict[int, str] | None = None) -> list[dict]:
    """A page of tickets (ROW_FIELDS namespaces) as the plain strings the queue table shows: looking
    up attributes, methods and lazy translations in the template cost more than the rest of the page.
    `due`: each ticket's deadline cell (clocks.due_cells) and `names`: the people's display names,
    each read in one query when not given."""
    from .clocks import due_cells

    due = due_cells([t.pk for t in tickets]) if due is None else due
    if names is None:
        names = people_names([t.requester_id for t in tickets] + [t.assignee_id for t in tickets])
    groups, categories = accounts_refdata.group_names(), tickets_refdata.category_labels()
    statuses = {value: str(label) for value, label in Status.choices}
    priorities = {value: str(label) for value, label in Priority.choices}
    rows = []
    for t in tickets:
        # Formatted here once: date filters were the costliest part of rendering a page of rows.
        created, updated = timezone.localtime(t.created_at), timezone.localtime(t.updated_at)
        rows.append({
            "url": ticket_url(t.number), "number": t.number, "title": t.title,
            "requester": names.get(t.requester_id, ""),
            "status": t.status, "status_label": statuses.get(t.status, t.status),
            "priority": t.priority, "priority_label": priorities.get(t.priority, t.priority),
            "group": groups.get(t.group_id, "") if t.group_id else "",
            "assignee": names.get(t.assignee_id, "") if t.assignee_id else "",
            "category": categories.get(t.category_id, "") if t.category_id else "",
            "created_iso": created.isoformat(), "created_text": created.strftime("%Y-%m-%d %H:%M"),
            "updated_iso": updated.isoformat(), "updated_text": updated.strftime("%Y-%m-%d %H:%M"),
            "updated_title": updated.strftime("%Y-%m-%d %H:%M:%S %Z"),
            "due": due.get(t.pk),
        })
    return rows


def clock_rows(clocks: list) -> list[dict]:
    """The "Breaching soon" page: one row per clock, its ticket's columns and the clock in "Due"."""
    from .clocks import clock_label, due_cells

    found = Ticket.objects.filter(pk__in={c.ticket_id for c in clocks}).values(*ROW_FIELDS)
    tickets = {row["id"]: SimpleNamespace(pk=row["id"], **row) for row in found}
    names = people_names([t.requester_id for t in tickets.values()] + [t.assignee_id for t in tickets.values()])
    cells = due_cells(list(tickets), clocks=clocks)
    rows = []
    for clock in clocks:
        ticket = tickets.get(clock.ticket_id)
        if ticket is None:
            continue
        cell = dict(cells[clock.pk])
        cell["text"] = f"{clock_label(clock)} · {cell['text']}"
        rows += queue_rows([ticket], {ticket.pk: cell}, names)
    return rows


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


@staff_required
def queue_view(request, slug: str):
    from .models import SavedView

    user = request.user
    queue = get_queue(user, slug)
    params = request.GET
    ordering = params.get("ordering") if params.get("ordering") in ORDERINGS else DEFAULT_ORDERING
    field, descending = ORDERINGS[ordering]

    saved = None
    view_id = parse_id(params.get("view"))
    if view_id:
        saved = SavedView.objects.filter(pk=view_id, user=user, queue=slug).first()

    if queue.clocks:
        from .clocks import breaching_clocks

        field, descending, ordering = "due_at", False, DEFAULT_ORDERING
        branches = [breaching_clocks(apply_filters(queue.tickets(user), params, user))]
    else:
        branches = [apply_filters(b, params, user).values(*ROW_FIELDS) for b in queue.querysets(user)]
    bad_cursor = False
    try:
        page = paginate(branches, field, descending, after=params.get("after"), before=params.get("before"))
    except BadCursor:
        bad_cursor = True
        page = paginate(branches, field, descending, after=None, before=None)

    if queue.clocks:
        rows = clock_rows(page.rows)
    else:
        rows = queue_rows(page.rows)

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
    saved_query = urlencode(filters + ([("ordering", ordering)] if ordering != DEFAULT_ORDERING else []))

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
        "next_url": "?" + _query(base, after=page.next_cursor) if page.next_cursor else "",
        "prev_url": "?" + _query(base, before=page.prev_cursor) if page.prev_cursor else "",
        "columns": dict(columns),
        "ordering": ordering,
        "params": params,
        "selected": {name: params.getlist(name) for name in FILTER_PARAMS},
        "filter_count": len([f for f in filters if f[0] != "q"]),
        "has_filters": bool(filters),
        "saved_query": saved_query,
        "filter_grid": filter_grid(params, ordering),
        "page_size": PAGE_SIZE,
        "sidebar": build_sidebar(request, slug, saved.pk if saved else None),
    }
    # A cursor the desk did not make is a 400, as in the API and the portal; the first page comes with it.
    return render(request, "console/queues/queue.html", context, status=400 if bad_cursor else 200)


from . import quicklog, savedviews  # noqa: E402  (they import the helpers above)

urlpatterns = [
    path("", home, name="home"),
    path("queue-counts/", queue_counts, name="queue_counts"),
    path("queues/<slug:slug>/", queue_view, name="queue"),
    *savedviews.urlpatterns,
    *quicklog.urlpatterns,
]
