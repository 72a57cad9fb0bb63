"""The ticket page of the agent console: header, timeline, and every form that changes the ticket.

Each form posts the ticket `version` it was rendered with; the change goes through the desk's actions
with that version, so a ticket someone else changed meanwhile is never overwritten: the page comes back
with the other person's changes listed and the agent's typed text kept.
"""

from __future__ import annotations

from functools import cache, wraps
from types import SimpleNamespace

from django.contrib import messages
from django.db import connection, transaction
from django.db.models import Q
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_GET, require_POST

from servicedesk.accounts import refdata as accounts_refdata
from servicedesk.accounts.models import Group, User
from servicedesk.core import rows
from servicedesk.core.downloads import stored_download
from servicedesk.core.inputs import is_id, parse_id
from servicedesk.knowledge.actions import links as knowledge_links
from servicedesk.routing.engine import tags_of
from servicedesk.tickets import actions, permissions
from servicedesk.tickets import refdata as tickets_refdata
from servicedesk.tickets.models import (
    OPEN_STATUSES,
    Attachment,
    Category,
    Channel,
    Level,
    LinkKind,
    PendingReason,
    Priority,
    Status,
    Ticket,
    TicketLink,
    TimeEntry,
    Transition,
)
from servicedesk.tickets.numbers import number_candidates
from servicedesk.tickets.queries import SCOPE_COLUMNS

from . import ticket_timeline
from .clocks import header_clocks
from .layout import fragment_context, layout_context
from .ticket_access import staff_required, visible_ticket
from .ticket_canned import (
    apply_macro,
    canned_choices,
    macro_summary,
    render_body,
    resolves,
    transition_label,
    usable,
)
from .ticket_panels import has

CHANNEL = Channel.CONSOLE
# Transitions with a form of their own on the page.
NEEDS_FORM = {"pend", "resolve", "assign"}
# How many of a requester's open tickets the side panel reads to find the (at most ten) the user may see.
OTHER_OPEN_READ = 50


def page_ticket(user, number: str) -> Ticket:
    """The ticket numbered `number` with its organisation if `user` may see it, else 404 (`visible_ticket`'s
    rule), read by a statement built once (core.rows: the queryset's compilation cost more than the read).
    People and the merge target come by primary key (the timeline, in render_page): joining the user
    table three times made PostgreSQL plan this one-row query for 5-15 ms, ten times its execution.
    The group and category names come from the cached reference data (render_page)."""
    column = f"{connection.ops.quote_name(Ticket._meta.db_table)}.{connection.ops.quote_name('number')}"
    found = rows.select_related(Ticket, "organisation", f"{column} = %s", [number.upper()])
    if not found or not permissions.can_see(user, found[0]):
        raise Http404
    return found[0]


# ---------------------------------------------------------------------------------------------
# The page


def _composer(request, ticket, posted, canned):
    """The reply box's state: what the agent typed (after an error) or a canned response applied."""
    composer = {"body": "", "internal": False, "macro": None, "summary": []}
    if posted is not None and request.resolver_match and request.resolver_match.url_name == "ticket_reply":
        composer["body"] = posted.get("body", "")
        composer["internal"] = posted.get("internal") == "1"
        macro_id = posted.get("macro")
        if is_id(macro_id):
            canned = usable(request.user).filter(pk=macro_id).first()
            if canned is not None and canned.is_macro:
                composer["macro"], composer["summary"] = canned, macro_summary(canned)
        return composer
    if canned is not None:
        existing = (request.GET.get("body") or "").rstrip()
        text = render_body(canned, ticket, request.user)
        composer["body"] = f"{existing}\n\n{text}" if existing else text
        composer["internal"] = canned.internal
        if canned.is_macro:
            composer["macro"], composer["summary"] = canned, macro_summary(canned)
    return composer


@cache
def _other_open_statement() -> tuple[str, tuple[str, ...]]:
    """The requester's other open tickets, newest activity first (the requester's index), as a statement
    built once: the queryset's compilation cost more than the read."""
    quote = connection.ops.quote_name
    names = ("id", "number", "title", "status", *SCOPE_COLUMNS)
    statuses = ", ".join(["%s"] * len(OPEN_STATUSES))
    return (f"SELECT {', '.join(quote(n) for n in names)} FROM {quote(Ticket._meta.db_table)} "
            f"WHERE {quote('requester_id')} = %s AND {quote('status')} IN ({statuses}) AND {quote('id')} <> %s "
            f"ORDER BY {quote('updated_at')} DESC, {quote('id')} DESC LIMIT {OTHER_OPEN_READ}"), names


def render_page(
    request,
    ticket: Ticket,
    *,
    status: int = 200,
    error: str = "",
    conflict=None,
    posted=None,
    canned=None,
    open_form: str = "",
):
    user = request.user
    transitions = tickets_refdata.transitions()
    available = set(actions.available_actions(ticket, user, transitions))
    buttons = [
        {"action": t.action, "label": transition_label(t), "form": t.action if t.action in NEEDS_FORM else ""}
        for t in transitions
        if t.action in available
    ]
    groups = accounts_refdata.active_groups()
    assign_group = ticket.group_id or (groups[0].pk if groups else None)
    if posted is not None and is_id(posted.get("group")):
        assign_group = next((g.pk for g in groups if g.pk == parse_id(posted["group"])), assign_group)
    # Linked and other tickets: the few columns shown, not whole rows.
    brief = ("id", "number", "title", "status")
    links = (list(TicketLink.objects.filter(Q(source=ticket) | Q(target=ticket)).order_by("created_at", "id"))
             if has(ticket, "links") else [])
    if links:  # most tickets have none: the linked tickets are read only when there are some
        ids = {link.source_id for link in links} | {link.target_id for link in links}
        linked = Ticket.objects.only(*brief, *SCOPE_COLUMNS).in_bulk(ids)
        # A linked ticket the user may not see is not shown at all (the scoping rule, as in the API).
        links = [link for link in links if permissions.can_see(user, linked[link.source_id])
                 and permissions.can_see(user, linked[link.target_id])]
        for link in links:
            link.source, link.target = linked[link.source_id], linked[link.target_id]
    links_out = [link for link in links if link.source_id == ticket.pk]
    links_in = [link for link in links if link.target_id == ticket.pk and link.source_id != ticket.pk]
    # The lists most tickets lack are read only when the page's one statement of row tests says they have rows.
    time_entries = (list(TimeEntry.objects.filter(ticket=ticket).order_by("-created_at", "-id"))
                    if has(ticket, "time") else [])
    watchers = (list(ticket.watchers.only("username", "first_name", "last_name", "role").order_by("username"))
                if has(ticket, "watchers") else [])
    watcher_ids = {w.pk for w in watchers}
    attachments = [
        a for a in Attachment.objects.filter(ticket=ticket).order_by("id")
        if permissions.sees_internal(user) or not a.internal
    ] if has(ticket, "attachments") else []
    # The timeline loads everyone the page names in one query: the ticket's people, authors, actors,
    # time loggers, uploaders.
    items = ticket_timeline.timeline(ticket, user, attachments, holders=[*time_entries, *attachments])
    if ticket.merged_into_id:
        target = Ticket.objects.only("id", "number", *SCOPE_COLUMNS).get(pk=ticket.merged_into_id)
        ticket.merged_into = target if permissions.can_see(user, target) else None
    staff = accounts_refdata.staff()
    requester = ticket.requester
    if not any(pk == ticket.requester_id for pk, _name, _display in staff) and requester.is_active:
        staff = sorted([*staff, (requester.pk, requester.username, requester.display_name)], key=lambda p: p[1])
    requester_word = _("requester")
    candidates = [
        (pk, f"{display} ({requester_word if pk == ticket.requester_id else username})")
        for pk, username, display in staff if pk not in watcher_ids
    ]
    # The requester's other open tickets this user may see: read by the requester's index and
    # checked by can_see (the scoping rule as SQL, an OR of five, cost more to build and plan than
    # this read); a requester rarely has more than a few open.
    statuses = dict(Status.choices)
    sql, names = _other_open_statement()
    with connection.cursor() as cursor:
        cursor.execute(sql, [ticket.requester_id, *(str(s.value) for s in OPEN_STATUSES), ticket.pk])
        read = [SimpleNamespace(**dict(zip(names, row, strict=True))) for row in cursor.fetchall()]
    other_open = [t for t in read if permissions.can_see(user, t)][:10]
    for t in other_open:
        t.status_label = statuses.get(t.status, t.status)
    context = {
        "ticket": ticket,
        "timeline": items,
        "buttons": buttons,
        "pending_reasons": PendingReason.choices,
        "groups": [(g.pk, g.local_name) for g in groups],
        "assign_group": assign_group,
        "members": accounts_refdata.group_members(assign_group),
        # The header's group and category names, from the cached reference data (no joins).
        "group_name": accounts_refdata.group_names().get(ticket.group_id, ""),
        "category_label": tickets_refdata.category_paths().get(ticket.category_id, ""),
        "levels": Level.choices,
        "priorities": [(value, f"P{value} {label}") for value, label in Priority.choices],
        "priority_override": ticket.priority if ticket.priority_overridden else None,
        "matrix_priority": Priority(tickets_refdata.priority_matrix()[(ticket.impact, ticket.urgency)]),
        "categories": tickets_refdata.category_choices(),
        "links_out": links_out,
        "links_in": links_in,
        "link_kinds": LinkKind.choices,
        "time_entries": time_entries,
        "time_total": sum(e.minutes for e in time_entries),
        "watchers": watchers,
        "watcher_candidates": candidates,
        "other_open": other_open,
        "canned_responses": canned_choices(user),
        "composer": _composer(request, ticket, posted, canned),
        "loose_attachments": [a for a in attachments if a.comment_id is None],
        "tags": tags_of(ticket) if has(ticket, "tags") else [],
        "clocks": header_clocks(ticket),
        "posted": posted or {},
        # Articles the knowledge panel inserted into a reply that came back with an error: still named.
        "inserted_articles": [a for a in posted.getlist("article") if is_id(a)] if hasattr(posted, "getlist") else [],
        "error": error,
        "conflict": conflict,
        "open_form": open_form,
    }
    total = context["time_total"]
    context["time_total_text"] = ngettext("%(minutes)s minute", "%(minutes)s minutes", total) % {"minutes": total}
    for entry in time_entries:
        entry.minutes_text = ngettext("%(minutes)s min", "%(minutes)s min", entry.minutes) % {"minutes": entry.minutes}
    # Other apps' panels (announcements, monitoring, major incidents) are Django templates: rendered here
    # and placed at the end of the side column with the page's own panels.
    # Without the Django engine's context processors: the panels read the ticket, the request and CSRF.
    context["side_panels_html"] = render_to_string("console/ticket/_side_panels.html",
                                                   fragment_context(request, {"ticket": ticket}))
    # The whole page in Jinja2 (the "jinja2" engine): several times faster than Django's engine for a page
    # of this many forms, its layout included (console/layout.py).
    context.update(layout_context(request))
    return render(request, "console/ticket/page.html", context, status=status, using="jinja2")


@staff_required
@require_GET
def ticket_page(request, number):
    ticket = page_ticket(request.user, number)
    canned = None
    if is_id(request.GET.get("canned")):
        canned = usable(request.user).filter(pk=request.GET["canned"]).first()
    return render_page(request, ticket, canned=canned)


# ---------------------------------------------------------------------------------------------
# Forms that change the ticket


def _version(request, data=None) -> int:
    raw = (request.POST if data is None else data).get("version", "")
    if not is_id(raw):
        raise actions.ActionError(_("This form has no ticket version; reload the page and try again."))
    return parse_id(raw)


def ticket_form(anchor: str = ""):
    """A POST view on one visible ticket: runs the change, then redirects to the page; on a refusal or
    a conflict the page comes back with the message and the typed text."""

    def decorate(view):
        @staff_required
        @require_POST
        @wraps(view)
        def wrapped(request, number, *args, **kwargs):
            ticket = page_ticket(request.user, number)
            open_form = f"{anchor}-{kwargs['action']}" if "action" in kwargs else anchor
            try:
                with transaction.atomic():
                    result = view(request, ticket, *args, **kwargs)
            except actions.Conflict as exc:
                fresh = page_ticket(request.user, number)
                conflict = {
                    "message": exc.message,
                    "changes": ticket_timeline.conflict_changes(exc.details.get("changes")),
                }
                return render_page(
                    request, fresh, status=409, conflict=conflict, posted=request.POST, open_form=open_form
                )
            except actions.ActionError as exc:
                fresh = page_ticket(request.user, number)
                return render_page(
                    request,
                    fresh,
                    status=exc.status_code if exc.status_code != 404 else 400,
                    error=exc.message,
                    posted=request.POST,
                    open_form=open_form,
                )
            if result is not None and not isinstance(result, str):
                return result
            if result:
                messages.success(request, result)
            url = reverse("console:ticket", args=[ticket.number])
            return redirect(f"{url}#{anchor}" if anchor else url)

        return wrapped

    return decorate


def _int(value, message):
    number = parse_id(value)
    if number is None:
        raise actions.ActionError(message)
    return number


@ticket_form("reply")
def reply(request, ticket):
    version = _version(request)
    internal = request.POST.get("internal") == "1"
    canned = None
    macro_id = request.POST.get("macro", "")
    if macro_id:
        canned = usable(request.user).filter(pk=_int(macro_id, _("Unknown canned response."))).first()
        if canned is None:
            raise actions.ActionError(_("That canned response is not available to you."))
    body, attachments = request.POST.get("body", ""), request.FILES.getlist("attachments")
    if canned is not None and canned.is_macro and resolves(canned):
        # The reply is the resolution: it goes with the resolving action, which refuses to resolve without one.
        actions.lock_ticket(ticket, request.user, version)
        apply_macro(canned, ticket, actor=request.user, channel=CHANNEL, comment=body, internal=internal,
                    attachments=attachments)
    else:
        actions.add_comment(ticket, actor=request.user, body=body, internal=internal, channel=CHANNEL,
                            attachments=attachments, expected_version=version)
        if canned is not None and canned.is_macro:
            apply_macro(canned, ticket, actor=request.user, channel=CHANNEL)
    inserted = [parse_id(raw) for raw in request.POST.getlist("article") if is_id(raw)]
    if inserted and not internal:  # articles the knowledge panel put into the reply: an answer, once sent
        knowledge_links.linked_in_reply(ticket, body, inserted, actor=request.user, channel=CHANNEL)
    return _("Internal note added.") if internal else _("Reply sent.")


@ticket_form("actions")
def do_transition(request, ticket, action):
    version = _version(request)
    kwargs = {}
    comment = request.POST.get("comment", "")
    if action == "pend":
        kwargs["pending_reason"] = request.POST.get("pending_reason") or PendingReason.CUSTOMER
    if action == "assign":
        group_id = request.POST.get("group") or ticket.group_id
        kwargs["group"] = (
            Group.objects.filter(pk=_int(group_id, _("Choose a group."))).first() if group_id else None
        )
        if request.POST.get("assignee"):
            kwargs["assignee"] = User.objects.filter(
                pk=_int(request.POST["assignee"], _("Choose a person."))
            ).first()
    actions.transition(
        ticket,
        action,
        actor=request.user,
        channel=CHANNEL,
        expected_version=version,
        comment=comment,
        internal=request.POST.get("internal") == "1",
        **kwargs,
    )
    label = Transition.objects.filter(action=action).first()
    return _("Done: %(action)s.") % {"action": transition_label(label) if label else action}


@ticket_form("assign")
def route(request, ticket):
    """Apply the routing rules now (servicedesk.routing), as the agent."""
    from servicedesk.routing import engine

    result = engine.route_ticket(ticket, actor=request.user, channel=CHANNEL, expected_version=_version(request))
    if not result.applied and not result.failed:
        return _("No routing rule matches this ticket.")
    names = ", ".join(applied.rule.name for applied in result.applied) or "—"
    message = _("Routing rules applied: %(rules)s.") % {"rules": names}
    if result.failed:
        message += " " + _("Refused: %(rules)s.") % {"rules": ", ".join(f.rule.name for f in result.failed)}
    return message


@ticket_form()
def take_ownership(request, ticket):
    actions.take_ownership(ticket, actor=request.user, channel=CHANNEL, expected_version=_version(request))
    return _("You now own %(number)s: follow it up to the end.") % {"number": ticket.number}


@ticket_form("assign")
def assign(request, ticket):
    version = _version(request)
    group = Group.objects.filter(
        pk=_int(request.POST.get("group"), _("Choose a group.")), is_active=True
    ).first()
    if group is None:
        raise actions.ActionError(_("Choose a group."))
    assignee = None
    if request.POST.get("assignee"):
        assignee = User.objects.filter(pk=_int(request.POST["assignee"], _("Choose a person."))).first()
    actions.assign(
        ticket, actor=request.user, group=group, assignee=assignee, channel=CHANNEL, expected_version=version
    )
    if assignee:
        return _("Assigned to %(person)s in %(group)s.") % {
            "person": assignee.display_name,
            "group": group.name,
        }
    return _("Assigned to %(group)s.") % {"group": group.name}


@ticket_form("priority")
def priority(request, ticket):
    version = _version(request)
    changes = {
        "impact": _int(request.POST.get("impact"), _("Choose the impact.")),
        "urgency": _int(request.POST.get("urgency"), _("Choose the urgency.")),
    }
    if request.POST.get("priority"):
        changes["priority"] = _int(request.POST["priority"], _("Choose a priority."))
    actions.update_ticket(
        ticket, actor=request.user, channel=CHANNEL, expected_version=version, changes=changes
    )
    return _("Priority updated.")


@ticket_form("category")
def category(request, ticket):
    version = _version(request)
    chosen = None
    if request.POST.get("category"):
        chosen = Category.objects.filter(pk=_int(request.POST["category"], _("Choose a category."))).first()
        if chosen is None:
            raise actions.ActionError(_("Choose a category."))
    actions.update_ticket(
        ticket, actor=request.user, channel=CHANNEL, expected_version=version, changes={"category": chosen}
    )
    return _("Category updated.")


def _other_ticket(user, number: str) -> Ticket:
    """Another ticket named in a form, if `user` may see it: one answer for a hidden ticket and for
    one that does not exist, so the form tells nothing about tickets out of reach."""
    number = (number or "").strip()[:40]
    candidates = number_candidates(number)
    other = Ticket.objects.filter(number__in=candidates).order_by("id").first() if candidates else None
    if other is None or not permissions.can_see(user, other):
        raise actions.ActionError(_("There is no ticket %(number)s.") % {"number": number or "—"})
    return other


@ticket_form("links")
def add_link(request, ticket):
    version = _version(request)
    other = _other_ticket(request.user, request.POST.get("number"))
    kind = request.POST.get("kind", "")
    actions.link(ticket, other, kind, actor=request.user, channel=CHANNEL, expected_version=version)
    return _("Linked to %(number)s.") % {"number": other.number}


@ticket_form("links")
def remove_link(request, ticket, link_id):
    actions.unlink(ticket, link_id, actor=request.user, channel=CHANNEL, expected_version=_version(request))
    return _("Link removed.")


@staff_required
def merge(request, number):
    """GET: confirm merging this ticket into another; POST: merge."""
    ticket = page_ticket(request.user, number)
    data = request.POST if request.method == "POST" else request.GET
    try:
        target = _other_ticket(request.user, data.get("into"))
        if target.pk == ticket.pk:
            raise actions.ActionError(_("A ticket cannot be merged into itself."))
        version = (
            _version(request) if request.method == "POST" else _version(request, data) if data.get("version")
            else ticket.version
        )
        if request.method == "POST":
            actions.merge(ticket, target, actor=request.user, channel=CHANNEL, expected_version=version)
            messages.success(
                request,
                _("%(source)s was merged into %(target)s.")
                % {"source": ticket.number, "target": target.number},
            )
            return redirect("console:ticket", target.number)
    except actions.Conflict as exc:
        fresh = page_ticket(request.user, number)
        conflict = {
            "message": exc.message,
            "changes": ticket_timeline.conflict_changes(exc.details.get("changes")),
        }
        return render_page(request, fresh, status=409, conflict=conflict, posted=data, open_form="merge")
    except actions.ActionError as exc:
        return render_page(request, ticket, status=400, error=exc.message, posted=data, open_form="merge")
    return render(
        request, "console/ticket/merge.html", {"ticket": ticket, "target": target, "version": version}
    )


@ticket_form("time")
def log_time(request, ticket):
    version = _version(request)
    minutes = _int(request.POST.get("minutes"), _("Minutes must be between 1 and 1440."))
    actions.log_time(ticket, actor=request.user, minutes=minutes, note=request.POST.get("note", ""), channel=CHANNEL,
                     expected_version=version)
    return _("%(minutes)s minutes logged.") % {"minutes": minutes}


@ticket_form("watchers")
def watchers(request, ticket):
    version = _version(request)
    add, remove = request.POST.get("add"), request.POST.get("remove")
    person_id = _int(add or remove, _("Choose a person."))
    # Who may watch is the action's rule (permissions.may_watch); a past watcher can always be removed.
    person = User.objects.filter(pk=person_id).first()
    if person is None:
        raise actions.ActionError(_("Choose a person."))
    if add:
        actions.set_watchers(ticket, actor=request.user, add=[person], channel=CHANNEL, expected_version=version)
        return _("%(person)s now watches this ticket.") % {"person": person.display_name}
    actions.set_watchers(ticket, actor=request.user, remove=[person], channel=CHANNEL, expected_version=version)
    return _("%(person)s no longer watches this ticket.") % {"person": person.display_name}


# ---------------------------------------------------------------------------------------------
# Partials and downloads


@staff_required
@require_GET
def duplicates(request, number):
    """The "Possible duplicates" panel, loaded after the page (HTMX): finding them segments titles
    and reads the week around the ticket, the costliest part of the page."""
    ticket = visible_ticket(request.user, number)
    return render(request, "console/ticket/_duplicates.html",
                  {"ticket": ticket, "duplicates": ticket_timeline.possible_duplicates(ticket, request.user)})


@staff_required
@require_GET
def assign_members(request, number):
    """The person <select> for the group chosen in the assign form (HTMX partial)."""
    ticket = visible_ticket(request.user, number)
    raw = request.GET.get("group", "")
    group = Group.objects.filter(pk=parse_id(raw), is_active=True).first() if is_id(raw) else None
    return render(
        request,
        "console/ticket/_assignee_select.html",
        {"ticket": ticket, "members": list(accounts_refdata.group_members(group.pk if group else None)),
         "assign_group": group},
        using="jinja2",
    )


@staff_required
@require_GET
def canned_apply(request, number):
    """The reply box filled with a canned response (HTMX partial)."""
    ticket = page_ticket(request.user, number)
    raw = request.GET.get("canned", "")
    canned = usable(request.user).filter(pk=parse_id(raw)).first() if is_id(raw) else None
    composer = _composer(request, ticket, None, canned)
    if canned is None:
        composer["body"] = request.GET.get("body", "")
    return render(request, "console/ticket/_composer_fields.html", {"ticket": ticket, "composer": composer},
                  using="jinja2")


@staff_required
@require_GET
def download(request, number, attachment_id):
    ticket = visible_ticket(request.user, number)
    attachment = get_object_or_404(Attachment, pk=attachment_id, ticket=ticket)
    if not permissions.can_see(request.user, ticket) or (
        attachment.internal and not permissions.sees_internal(request.user)
    ):
        raise Http404
    try:
        return stored_download(attachment.file, attachment.filename)
    except (FileNotFoundError, ValueError):
        raise Http404 from None
