"""Changes to business calendars and SLA policies outside the admin (the API).

Each runs in one transaction: only administrators may, the row is validated as the admin's form
would (``full_clean``), written, and recorded in the audit trail (core.audit) with the channel it came
through and each field's old and new value, so the admin's history of the calendar or policy shows it
next to edits made there. Saving or deleting one asks
for the open tickets' clocks to be recomputed (the ClockRebuild row written by the receivers, the
same as an edit in the admin), which the next evaluator pass does.
"""

from __future__ import annotations

import logging

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import ProtectedError
from django.utils.translation import gettext as _

from servicedesk.accounts.models import Role, User
from servicedesk.core import audit
from servicedesk.core.errors import ActionError, Conflict, NotAllowed

from .models import Calendar, SlaEvent, SlaPolicy

log = logging.getLogger(__name__)

CALENDAR_FIELDS = ("name", "time_zone", "weekly", "is_default")
POLICY_FIELDS = ("name", "order", "is_active", "calendar", "priorities", "ticket_types", "category", "organisation",
                 "first_response_minutes", "resolution_minutes", "follow_up_minutes", "pause_statuses",
                 "pause_reasons", "restart_on_reopen", "thresholds")


def may_configure(actor: User | None) -> bool:
    return actor is not None and (actor.role == Role.ADMIN or actor.is_superuser)


def _check(actor: User | None) -> None:
    if not may_configure(actor):
        raise NotAllowed(_("Only administrators may change business calendars and SLA policies."))


def _validated(row) -> None:
    try:
        row.full_clean()
    except ValidationError as exc:
        problems = [f"{field}: {' '.join(messages)}" if field != "__all__" else " ".join(messages)
                    for field, messages in exc.message_dict.items()]
        raise ActionError(_("Not saved: %(problems)s") % {"problems": "; ".join(problems)}) from None


def _logged(actor: User, row, verb: str) -> None:
    label, name, pk = type(row).__name__, str(row), row.pk
    transaction.on_commit(lambda: log.info("%s %s (%s) %s by %s", label, pk, name, verb, actor.username))


def _save(row, fields: tuple, changes: dict, actor: User, channel: str):
    unknown = set(changes) - set(fields)
    if unknown:  # a caller's mistake, not the user's: the API's schemas name the fields
        raise TypeError(f"not a field of {type(row).__name__}: {', '.join(sorted(unknown))}")
    before = audit.snapshot(row) if row.pk is not None else None
    for name, value in changes.items():
        setattr(row, name, value)
    _validated(row)
    with transaction.atomic():
        row.save()
        if before is None:
            audit.record_created(row, actor=actor, channel=channel)
            _logged(actor, row, "created")
        elif audit.record_change(row, before, actor=actor, channel=channel):
            _logged(actor, row, "changed")
    return row


def create_calendar(*, actor: User, channel: str, **fields) -> Calendar:
    _check(actor)
    return _save(Calendar(), CALENDAR_FIELDS, fields, actor, channel)


def update_calendar(calendar: Calendar, *, actor: User, channel: str, changes: dict) -> Calendar:
    _check(actor)
    return _save(calendar, CALENDAR_FIELDS, changes, actor, channel)


def create_policy(*, actor: User, channel: str, **fields) -> SlaPolicy:
    _check(actor)
    return _save(SlaPolicy(), POLICY_FIELDS, fields, actor, channel)


def update_policy(policy: SlaPolicy, *, actor: User, channel: str, changes: dict) -> SlaPolicy:
    _check(actor)
    return _save(policy, POLICY_FIELDS, changes, actor, channel)


def _delete(row, actor: User, channel: str) -> None:
    with transaction.atomic():
        audit.record_deleted(row, actor=actor, channel=channel)
        _logged(actor, row, "deleted")
        row.delete()


def delete_calendar(calendar: Calendar, *, actor: User, channel: str) -> None:
    """A calendar SLA policies or OLA targets count in cannot be deleted (change those first)."""
    _check(actor)
    try:
        _delete(calendar, actor, channel)
    except ProtectedError:
        raise Conflict(_("The calendar %(name)s is used by SLA policies or OLA targets: change those first.")
                       % {"name": calendar.name}) from None


def delete_policy(policy: SlaPolicy, *, actor: User, channel: str) -> None:
    """Tickets it matched fall to the next matching policy when their clocks are recomputed."""
    _check(actor)
    _delete(policy, actor, channel)


def record_escalation(event: SlaEvent, text: str) -> None:
    """Keep on a threshold event what escalation did about it (moved the ticket, or why it did not). The
    event is the desk's own record, written once: the move itself is in the ticket's history."""
    event.escalation = text[:SlaEvent._meta.get_field("escalation").max_length]
    SlaEvent.objects.filter(pk=event.pk).update(escalation=event.escalation)
