"""Model → JSON dicts for the API (validated against the response schemas)."""

from datetime import timedelta
from types import SimpleNamespace

from django.urls import reverse
from django.utils import timezone

from servicedesk.accounts import refdata as accounts_refdata
from servicedesk.sla.visibility import visible_clocks
from servicedesk.tickets import permissions
from servicedesk.tickets.actions import available_actions
from servicedesk.tickets.queries import people_columns


def user_ref(user):
    if user is None:
        return None
    return {"id": user.pk, "username": user.username, "name": user.get_full_name() or user.username}


def ref(obj, name_attr="name"):
    if obj is None:
        return None
    return {"id": obj.pk, "name": str(getattr(obj, name_attr))}


CLOCK_ORDER = {"response": 0, "resolution": 1}


def _calendars_of_olas(rows) -> dict:
    """group id → the Calendar row an OLA clock counts in (its target's, else the default): two queries,
    only when the page has OLA clocks."""
    from servicedesk.sla.models import Calendar, OlaTarget

    groups = {row.group_id for row in rows if row.policy_id is None}
    if not groups:
        return {}
    own = {t.group_id: t.calendar for t in OlaTarget.objects.filter(group_id__in=groups).select_related("calendar")}
    default = None if all(own.get(group) for group in groups) else (
        Calendar.objects.filter(is_default=True).order_by("id").first())
    return {group: own.get(group) or default for group in groups}


def _whole_minutes(delta) -> int:
    """Whole minutes, truncated toward zero (as the clock counts business minutes)."""
    minute = timedelta(minutes=1)
    return delta // minute if delta >= timedelta(0) else -(-delta // minute)


def _business_time_to(calendar, now, due_times) -> dict:
    """due time → business minutes from now to it (negative once past), for many due times of one
    calendar: each stretch between neighbouring instants is counted once, so a page of clocks overdue
    for a year costs one year of calendar, not one per clock."""
    points = sorted({now, *due_times})
    offset, since_first = {points[0]: timedelta(0)}, timedelta(0)
    for earlier, later in zip(points, points[1:], strict=False):
        since_first += calendar.business_time_between(earlier, later)
        offset[later] = since_first
    return {due: _whole_minutes(offset[due] - offset[now]) for due in due_times}


def clocks(ticket_ids, viewer, now=None) -> dict[int, list[dict]]:
    """Each ticket's clocks (response, resolution, then OLAs by start) from the stored clock rows: one
    query for any number of tickets (the console's Due column does the same), plus two when OLAs show."""
    from servicedesk.sla.calendars import business_calendar
    from servicedesk.sla.models import ClockState

    now = now or timezone.now()
    staff = viewer.is_desk_staff
    rows = list(visible_clocks(viewer).filter(ticket_id__in=ticket_ids).select_related("policy__calendar"))
    ola_calendars = _calendars_of_olas(rows)
    names = accounts_refdata.group_names() if ola_calendars else {}
    calendar_of = {row.pk: row.policy.calendar if row.policy_id else ola_calendars.get(row.group_id) for row in rows}
    due_times: dict[int, set] = {}
    calendars = {}
    for row in rows:
        calendar = calendar_of[row.pk]
        if row.state == ClockState.RUNNING and calendar is not None:
            calendars[calendar.pk] = calendar
            due_times.setdefault(calendar.pk, set()).add(row.due_at)
    running_left = {pk: _business_time_to(business_calendar(calendars[pk]), now, dues)
                    for pk, dues in due_times.items()}
    found: dict[int, list[dict]] = {pk: [] for pk in ticket_ids}
    for row in sorted(rows, key=lambda r: (CLOCK_ORDER.get(r.kind, 2), r.started_at, r.pk)):
        calendar = calendar_of[row.pk]
        overdue = row.state == ClockState.RUNNING and row.due_at is not None and row.due_at <= now
        breached = row.breached or overdue
        if row.state == ClockState.RUNNING:
            left = (running_left[calendar.pk][row.due_at] if calendar is not None
                    else _whole_minutes(row.due_at - now))
        elif row.state == ClockState.PAUSED or breached:
            left = row.target_minutes - (row.used_minutes or 0)
        else:
            left = None
        stopped = row.state == ClockState.STOPPED
        found[row.ticket_id].append({
            "kind": row.kind,
            "group": {"id": row.group_id, "name": names.get(row.group_id, "")} if row.group_id else None,
            "target_minutes": row.target_minutes,
            "started_at": row.started_at,
            "due_at": row.due_at,
            "state": "breached" if breached else "met" if stopped else row.state,
            "business_minutes_left": left,
            "breached_at": row.due_at if breached else None,
            "met_at": row.stopped_at if stopped and not breached else None,
            "policy": row.policy.name if staff and row.policy_id else None,
        })
    return found


def ticket(t, viewer, transitions) -> dict:
    return {
        "id": t.pk,
        "number": t.number,
        "type": t.type,
        "title": t.title,
        "description": t.description,
        "status": t.status,
        "pending_reason": t.pending_reason,
        "impact": t.impact,
        "urgency": t.urgency,
        "priority": t.priority,
        "priority_overridden": t.priority_overridden,
        "requester": user_ref(t.requester),
        "organisation": ref(t.organisation),
        "owner": user_ref(t.owner),
        "group": {"id": t.group.pk, "name": t.group.name, "tier": t.group.tier} if t.group_id else None,
        "assignee": user_ref(t.assignee),
        "category": ref(t.category) if t.category_id else None,
        "channel": t.channel,
        "desk": ref(t.desk),
        "merged_into": t.merged_into.number
        if t.merged_into_id and permissions.can_see(viewer, t.merged_into) else None,
        "created_at": t.created_at,
        "updated_at": t.updated_at,
        "acknowledged_at": t.acknowledged_at,
        "first_response_at": t.first_response_at,
        "resolved_at": t.resolved_at,
        "closed_at": t.closed_at,
        "version": t.version,
        "actions": available_actions(t, viewer, transitions),
        "clocks": clocks([t.pk], viewer)[t.pk],
    }


# The columns a list page reads: plain rows, no model instances (building ~250 of them per page of 50
# was most of a list request's cost).
LIST_COLUMNS = (
    "id", "number", "type", "title", "description", "status", "pending_reason", "impact", "urgency", "priority",
    "priority_overridden", "requester_id", "organisation_id", "organisation__name", "owner_id", "group_id",
    "group__name", "group__tier", "assignee_id", "category_id", "category__name", "channel", "desk_id",
    "desk__name", "merged_into_id", "created_at", "updated_at", "acknowledged_at", "first_response_at",
    "resolved_at", "closed_at", "version",
)


def ticket_rows(rows: list[dict], viewer, transitions) -> list[dict]:
    """List items from `.values(*LIST_COLUMNS)` rows, with people and merge targets in one query each."""
    from servicedesk.tickets.models import Ticket

    ids = {r[name] for r in rows for name in ("requester_id", "owner_id", "assignee_id")} - {None}
    people = {pk: {"id": pk, "username": username, "name": f"{first} {last}".strip() or username}
              for pk, username, first, last in people_columns(ids)}
    merged_ids = {r["merged_into_id"] for r in rows if r["merged_into_id"]}
    # A merge target is named only to those who may see it (the scoping rule).
    merged = dict(permissions.visible_tickets(viewer, Ticket.objects.filter(pk__in=merged_ids))
                  .values_list("id", "number")) if merged_ids else {}
    ticket_clocks = clocks([r["id"] for r in rows], viewer) if rows else {}
    items = []
    for r in rows:
        state = SimpleNamespace(status=r["status"], requester_id=r["requester_id"], closed_at=r["closed_at"],
                                merged_into_id=r["merged_into_id"])
        items.append({
            "id": r["id"], "number": r["number"], "type": r["type"], "title": r["title"],
            "description": r["description"], "status": r["status"], "pending_reason": r["pending_reason"],
            "impact": r["impact"], "urgency": r["urgency"], "priority": r["priority"],
            "priority_overridden": r["priority_overridden"],
            "requester": people[r["requester_id"]],
            "organisation": {"id": r["organisation_id"], "name": r["organisation__name"]}
            if r["organisation_id"] else None,
            "owner": people.get(r["owner_id"]),
            "group": {"id": r["group_id"], "name": r["group__name"], "tier": r["group__tier"]}
            if r["group_id"] else None,
            "assignee": people.get(r["assignee_id"]),
            "category": {"id": r["category_id"], "name": r["category__name"]} if r["category_id"] else None,
            "channel": r["channel"],
            "desk": {"id": r["desk_id"], "name": r["desk__name"]},
            "merged_into": merged.get(r["merged_into_id"]),
            "created_at": r["created_at"], "updated_at": r["updated_at"], "acknowledged_at": r["acknowledged_at"],
            "first_response_at": r["first_response_at"], "resolved_at": r["resolved_at"],
            "closed_at": r["closed_at"], "version": r["version"],
            "actions": available_actions(state, viewer, transitions),
            "clocks": ticket_clocks[r["id"]],
        })
    return items


def attachment(a) -> dict:
    return {
        "id": a.pk, "filename": a.filename, "content_type": a.content_type, "size": a.size,
        "internal": a.internal, "comment_id": a.comment_id, "uploaded_by": user_ref(a.uploaded_by),
        "created_at": a.created_at,
        "download_url": reverse("api:download_attachment", kwargs={"attachment_id": a.pk}),
    }


def comment(c, attachments) -> dict:
    return {
        "id": c.pk, "author": user_ref(c.author), "body": c.body, "internal": c.internal,
        "channel": c.channel, "created_at": c.created_at, "attachments": [attachment(a) for a in attachments],
    }


def history(h) -> dict:
    return {
        "id": h.pk, "at": h.at, "actor": user_ref(h.actor), "channel": h.channel, "event": h.event,
        "field": h.field, "old": h.old_value, "new": h.new_value, "note": h.note, "version": h.version,
    }


def time_entry(e) -> dict:
    return {"id": e.pk, "agent": user_ref(e.agent), "minutes": e.minutes, "note": e.note,
            "spent_on": e.spent_on, "created_at": e.created_at}
