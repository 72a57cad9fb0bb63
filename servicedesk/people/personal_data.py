"""Everything the desk holds about one person, for the personal-data export (JSON, and the printable summary
made from the same dict). Read only; people.actions.export_person checks who may and records the export.
Secrets never leave: no password hash, no token hash or value, no session key."""

from __future__ import annotations

import datetime
import json

from django.contrib.sessions.models import Session
from django.core.exceptions import FieldDoesNotExist
from django.db.models import Q
from django.template.defaultfilters import filesizeformat
from django.utils import formats, timezone
from django.utils.text import capfirst
from django.utils.translation import gettext as _

from servicedesk.accounts.models import User
from servicedesk.core.audit import action_label
from servicedesk.core.models import AuditEntry

from .registry import registered


def _when(value: datetime.datetime | None) -> str | None:
    return value.isoformat() if value else None


def account(user: User) -> dict:
    return {
        "id": user.pk, "username": user.username, "first_name": user.first_name, "last_name": user.last_name,
        "name": user.display_name, "email": user.email, "phone": user.phone, "role": user.role,
        "organisation": user.organisation.name if user.organisation_id else None,
        "department": getattr(user, "department", "") or None,  # from the directory, when it is installed
        "manager": user.manager.display_name if user.manager_id else None, "language": user.language,
        "time_zone": user.time_zone, "active": user.is_active, "has_password": user.has_usable_password(),
        "joined": _when(user.date_joined), "last_sign_in": _when(user.last_login),
    }


# The account's keys that are not the model's own field names (their labels are the fields').
_ACCOUNT_FIELDS = {"active": "is_active", "joined": "date_joined", "last_sign_in": "last_login"}


def account_label(key: str) -> str:
    """What the printable summary calls an account's key, in the reader's language."""
    if key == "id":
        return _("Id")
    if key == "name":
        return _("Name")
    if key == "has_password":
        return _("Password set")
    try:
        return capfirst(User._meta.get_field(_ACCOUNT_FIELDS.get(key, key)).verbose_name)
    except FieldDoesNotExist:
        return key


def _instant(value: str) -> datetime.datetime | None:
    """The moment an ISO timestamp of the export names (as _when wrote it), or None for any other text."""
    if len(value) < 19 or value[4] != "-" or value[10] != "T":
        return None
    try:
        return datetime.datetime.fromisoformat(value)
    except ValueError:
        return None


def shown(value) -> str:
    """A value of the export as a reader of the printable summary reads it (the JSON keeps it as it is):
    moments in the reader's time zone, yes/no in their language."""
    if value is None or value == "":
        return "—"
    if isinstance(value, bool):
        return _("Yes") if value else _("No")
    if isinstance(value, dict | list):
        return json.dumps(value, ensure_ascii=False, indent=2)
    if isinstance(value, str) and (instant := _instant(value)):
        return formats.date_format(timezone.localtime(instant), "Y-m-d H:i")
    return str(value)


# The codes the export keeps as they are stored, and their names on the printable summary.
def _choices(model, field: str) -> dict:
    return {str(code): str(label) for code, label in model._meta.get_field(field).flatchoices}


def printable(data: dict) -> dict:
    """The export as the printable summary shows it: the same records, codes named and moments local."""
    from servicedesk.tickets.models import Ticket

    names = {"status": _choices(Ticket, "status"), "type": _choices(Ticket, "type"),
             "role": _choices(User, "role"), "language": _choices(User, "language")}

    def readable(key, value):
        if isinstance(value, dict):
            return {k: readable(k, v) for k, v in value.items()}
        if isinstance(value, list):
            return [readable(key, v) for v in value]
        if key in names and value in names[key]:
            return names[key][value]
        if key == "size" and isinstance(value, int):
            return filesizeformat(value)
        if key == "rating" or isinstance(value, int) and not isinstance(value, bool):
            return value
        return shown(value) if key not in ("text", "title", "filename", "subject", "comment") else value

    return readable("", data)


def tickets(user: User) -> list[dict]:
    from servicedesk.tickets.models import Ticket

    return [{"number": t.number, "title": t.title, "description": t.description, "status": t.status,
             "type": t.type, "created": _when(t.created_at), "closed": _when(t.closed_at)}
            for t in Ticket.objects.filter(requester=user).order_by("created_at", "id")]


def comments(user: User) -> list[dict]:
    from servicedesk.tickets.models import Comment

    return [{"ticket": c.ticket.number, "created": _when(c.created_at), "internal": c.internal,
             "channel": c.channel, "text": c.body}
            for c in Comment.objects.filter(author=user).select_related("ticket").order_by("created_at", "id")]


def messages(user: User) -> list[dict]:
    from servicedesk.intake.models import InboundMessage

    if not user.email:
        return []
    return [{"received": _when(m.received_at), "sender": m.sender, "subject": m.subject, "state": m.state,
             "size": m.size, "ticket": m.ticket.number if m.ticket_id else None}
            for m in InboundMessage.objects.filter(sender__iexact=user.email).select_related("ticket")
            .order_by("received_at", "id")]


def attachments(user: User) -> list[dict]:
    from servicedesk.tickets.models import Attachment

    return [{"ticket": a.ticket.number, "filename": a.filename, "content_type": a.content_type, "size": a.size,
             "uploaded": _when(a.created_at)}
            for a in Attachment.objects.filter(uploaded_by=user).select_related("ticket").order_by("created_at")]


def surveys(user: User) -> list[dict]:
    from servicedesk.surveys.models import SurveyResponse

    return [{"ticket": s.ticket.number, "rating": s.rating, "comment": s.comment, "answered": _when(s.answered_at)}
            for s in SurveyResponse.objects.filter(answered_by=user).select_related("ticket").order_by("answered_at")]


def audit_entries(user: User) -> list[dict]:
    """The trail of the person's account and what they did themselves."""
    from django.contrib.contenttypes.models import ContentType

    about = Q(content_type=ContentType.objects.get_for_model(User), object_id=str(user.pk))
    return [{"at": _when(e.at), "by": e.actor_name, "channel": e.channel, "object": e.object_repr,
             "action": action_label(e.action), "field": e.field, "old": e.old_value, "new": e.new_value,
             "note": e.note}
            for e in AuditEntry.objects.filter(about | Q(actor=user)).order_by("at", "id")]


def access(user: User) -> dict:
    sessions = [s for s in Session.objects.filter(expire_date__gt=timezone.now())
                if s.get_decoded().get("_auth_user_id") == str(user.pk)]
    return {
        "api_tokens": [{"prefix": t.prefix, "name": t.name, "created": _when(t.created_at),
                        "last_used": _when(t.last_used_at), "expires": _when(t.expires_at), "revoked": t.revoked}
                       for t in user.api_tokens.all()],
        "sessions": [{"expires": _when(s.expire_date)} for s in sessions],
    }


def collect(user: User) -> dict:
    data = {"account": account(user), "tickets": tickets(user), "comments": comments(user),
            "messages": messages(user), "attachments": attachments(user), "surveys": surveys(user),
            "audit": audit_entries(user), "access": access(user)}
    data["other"] = {part.label: part.export(user) for part in registered()}
    data["exported"] = timezone.now().isoformat()
    return data
