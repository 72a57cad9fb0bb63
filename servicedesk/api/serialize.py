"""Model → JSON dicts for the API (validated against the response schemas)."""

from django.urls import reverse

from servicedesk.tickets.actions import available_actions


def user_ref(user):
    if user is None:
        return None
    return {"id": user.pk, "username": user.username, "name": user.get_full_name() or user.username}


def ref(obj, name_attr="name"):
    if obj is None:
        return None
    return {"id": obj.pk, "name": str(getattr(obj, name_attr))}


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
        "merged_into": t.merged_into.number if t.merged_into_id else None,
        "created_at": t.created_at,
        "updated_at": t.updated_at,
        "acknowledged_at": t.acknowledged_at,
        "first_response_at": t.first_response_at,
        "resolved_at": t.resolved_at,
        "closed_at": t.closed_at,
        "version": t.version,
        "actions": available_actions(t, viewer, transitions),
    }


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
