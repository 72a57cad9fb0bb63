"""The auditor's export: the audit trail (core.audit) of one object or one person for a period, as rows
for CSV and JSON. Desk managers and administrators; which objects they may read follows the desk's
scoping rules: a ticket as tickets.permissions.can_see, a person as people.permissions.manageable_people
(administrators: everyone), anything else (configuration) for both roles."""

from __future__ import annotations

import csv
import datetime
import io

from django.apps import apps
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.db.models import Q, QuerySet
from django.utils.translation import gettext as _

from servicedesk.accounts.models import User
from servicedesk.core.audit import action_label
from servicedesk.core.errors import ActionError, NotAllowed, NotFound
from servicedesk.core.models import AuditEntry

from .permissions import may_read_audit
from .queries import person

COLUMNS = ("at", "actor", "channel", "object_type", "object_id", "object", "code", "action", "field", "old_value",
           "new_value", "note")
# A year at most per export: the trail is read in one go.
MAX_DAYS = 366


def _target(viewer: User, kind: str, object_id: str):
    if kind == "person":
        try:
            return person(viewer, int(object_id))
        except ValueError:
            raise NotFound(_("Person not found.")) from None
    try:
        model = apps.get_model(kind)
    except (LookupError, ValueError):
        raise ActionError(_("Unknown kind of object: %(kind)s") % {"kind": kind}) from None
    try:
        found = model._default_manager.filter(pk=object_id).first()
    except (ValueError, ValidationError):  # an id of the wrong shape for the model's key
        found = None
    if found is None:
        raise NotFound(_("Not found."))
    if model is User:
        return person(viewer, found.pk)
    from servicedesk.tickets.models import Ticket
    from servicedesk.tickets.permissions import can_see

    if isinstance(found, Ticket) and not can_see(viewer, found):
        raise NotFound(_("Not found."))
    return found


def entries(viewer: User, *, kind: str, object_id: str, start: datetime.date, end: datetime.date) -> QuerySet:
    """The trail of the object (`kind` "app_label.model", or "person": a person's account and what they
    did) between `start` and `end` (whole days, the server's time zone), oldest first."""
    if not may_read_audit(viewer):
        raise NotAllowed(_("Only desk managers and administrators export the audit trail."))
    if end < start or (end - start).days >= MAX_DAYS:
        raise ActionError(_("Choose a period of 1 to %(max)d days.") % {"max": MAX_DAYS})
    target = _target(viewer, kind, str(object_id).strip())
    about = Q(content_type=ContentType.objects.get_for_model(target, for_concrete_model=False),
              object_id=str(target.pk))
    if isinstance(target, User):
        about |= Q(actor=target)
    return (AuditEntry.objects.filter(about, at__date__gte=start, at__date__lte=end)
            .select_related("content_type").order_by("at", "id"))


def rows(found: QuerySet) -> list[dict]:
    return [{"at": e.at.isoformat(), "actor": e.actor_name, "channel": e.channel,
             "object_type": f"{e.content_type.app_label}.{e.content_type.model}", "object_id": e.object_id,
             "object": e.object_repr, "code": e.action, "action": action_label(e.action), "field": e.field,
             "old_value": e.old_value, "new_value": e.new_value, "note": e.note} for e in found]


def as_csv(found_rows: list[dict]) -> str:
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=COLUMNS)
    writer.writeheader()
    for row in found_rows:
        # A cell a spreadsheet would run as a formula is written as text.
        writer.writerow({k: ("'" + v if isinstance(v, str) and v[:1] in ("=", "+", "-", "@") else v)
                         for k, v in row.items()})
    return out.getvalue()
