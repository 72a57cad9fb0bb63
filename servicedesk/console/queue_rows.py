"""A queue page's rows: tickets (or clocks) as the plain strings the queue table shows."""

from __future__ import annotations

from types import SimpleNamespace

from django.utils import timezone

from servicedesk.accounts import refdata as accounts_refdata
from servicedesk.accounts.models import person_name
from servicedesk.tickets import refdata as tickets_refdata
from servicedesk.tickets.models import Priority, Status, Ticket
from servicedesk.tickets.queries import people_columns

from .access import ticket_urls
from .clocks import clock_label, due_cells

# The columns a queue row shows, read as plain values: building model instances (and joining the
# group and category tables) cost more than the query; names come from cached reference data.
ROW_FIELDS = ("id", "number", "title", "status", "priority", "requester_id", "assignee_id", "group_id",
              "category_id", "created_at", "updated_at")


def as_rows(values: list[dict]) -> list[SimpleNamespace]:
    """`.values(*ROW_FIELDS)` rows with attributes and `pk`, like model instances."""
    return [SimpleNamespace(pk=row["id"], **row) for row in values]


def people_names(ids) -> dict[int, str]:
    """Display names by user id, in one query of four columns."""
    return {pk: person_name(first, last) or username for pk, username, first, last in people_columns(ids)}


def _minutes(iso: str) -> str:
    return f"{iso[:10]} {iso[11:16]}"


def queue_rows(tickets: list, due: dict[int, dict] | None = None, names: dict[int, str] | None = None) -> list[dict]:
    """A page of tickets (ROW_FIELDS namespaces) as the plain strings the queue table shows: looking
    up attributes, methods and lazy translations in the template cost more than the rest of the page.
    `due`: each ticket's deadline cell (clocks.due_cells) and `names`: the people's display names,
    each read in one query when not given."""
    due = due_cells([t.pk for t in tickets]) if due is None else due
    if names is None:
        names = people_names([t.requester_id for t in tickets] + [t.assignee_id for t in tickets])
    groups, categories = accounts_refdata.group_names(), tickets_refdata.category_labels()
    statuses = {value: str(label) for value, label in Status.choices}
    priorities = {value: str(label) for value, label in Priority.choices}
    ticket_url = ticket_urls()
    zone = timezone.get_current_timezone()
    rows = []
    for t in tickets:
        # Formatted here once: date filters were the costliest part of rendering a page of rows.
        created, updated = t.created_at.astimezone(zone), t.updated_at.astimezone(zone)
        created_iso, updated_iso = created.isoformat(), updated.isoformat()
        rows.append({
            "url": ticket_url(t.number), "number": t.number, "title": t.title,
            "requester": names.get(t.requester_id, ""),
            "status": t.status, "status_label": statuses.get(t.status, t.status),
            "priority": t.priority, "priority_label": priorities.get(t.priority, t.priority),
            "group": groups.get(t.group_id, "") if t.group_id else "",
            "assignee": names.get(t.assignee_id, "") if t.assignee_id else "",
            "category": categories.get(t.category_id, "") if t.category_id else "",
            # "%Y-%m-%d %H:%M" and "… %H:%M:%S %Z" cut from the ISO text: strftime took as long as the rest.
            "created_iso": created_iso, "created_text": _minutes(created_iso),
            "updated_iso": updated_iso, "updated_text": _minutes(updated_iso),
            "updated_title": f"{updated_iso[:10]} {updated_iso[11:19]} {updated.tzname() or ''}",
            "due": due.get(t.pk),
        })
    return rows


def clock_rows(clocks: list) -> list[dict]:
    """The "Breaching soon" page: one row per clock, its ticket's columns and the clock in "Due"."""
    tickets = {row.pk: row for row in as_rows(Ticket.objects.filter(pk__in={c.ticket_id for c in clocks})
                                              .values(*ROW_FIELDS))}
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
