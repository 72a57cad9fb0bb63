"""The audit trail of every domain: who changed which object, when, through which channel, which field,
from what to what.

Tickets keep their own trail (tickets.HistoryEntry, shown on the ticket's timeline); everything else —
people and their access, groups, calendars, policies, rules, templates, saved views, canned responses,
and each new domain's objects — writes here, through one mechanism:

- A domain's action takes a snapshot before it changes an object and records the difference after::

      before = audit.snapshot(rule)
      rule.name = "…"; rule.save()
      audit.record_change(rule, before, actor=actor, channel=channel)

  or records what it made or removed: `audit.record_created(obj, …)`, `audit.record_deleted(obj, …)`, or an
  event that is not a field change (a token issued, a sign-in unlocked): `audit.record_event(obj, "…", …)`.
- The admin records every add, change and delete through `core.admin.AuditedAdmin`, which every
  registered ModelAdmin of the desk inherits (a test holds that).

Rows are written in the caller's transaction (a rolled-back change leaves no row) and never changed
afterwards. The actor is always a person or the desk's one system identity: `None` is refused, so a
change nobody answers for cannot be recorded.
"""

from __future__ import annotations

import datetime
import decimal
import json
from collections.abc import Iterable, Mapping

from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import FieldDoesNotExist
from django.db import models
from django.utils import timezone
from django.utils.crypto import salted_hmac
from django.utils.encoding import force_str

from . import rows
from .models import AuditEntry

Channel = AuditEntry.Channel
Action = AuditEntry.Action

# Longest old/new value kept; a template's body or a policy's thresholds fit, a pasted essay is cut.
VALUE_MAX = 4000
# What the trail shows for a secret (a model's `audit_masked` fields, e.g. a mailbox's IMAP password):
# that it was set, changed or removed, never the value.
MASK = "********"
# A snapshot keeps a secret as this prefix and a keyed digest, so that a change from one secret to another
# is still a change; only MASK is ever written.
_SECRET = "\x00secret:"


# The labels of domains' own event codes (record_event), registered by each domain: the trail's screens
# show "API token issued", not "token_issued".
_event_labels: dict[str, str] = {}


def register_events(choices: Iterable[tuple[str, str]]) -> None:
    _event_labels.update(choices)


def action_choices() -> list[tuple[str, str]]:
    return [*Action.choices, *sorted(_event_labels.items())]


def action_label(code: str) -> str:
    return force_str(dict(action_choices()).get(code, code))


def field_label(entry: AuditEntry) -> str:
    """The changed field's name as its model calls it ("resolution target"), else as recorded."""
    model = entry.content_type.model_class() if entry.field else None
    try:
        return force_str(model._meta.get_field(entry.field).verbose_name) if model else entry.field
    except FieldDoesNotExist:  # a field since removed from the model: its recorded name is all there is
        return entry.field


def _display(value) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, datetime.datetime | datetime.date | datetime.time):
        return value.isoformat()
    if isinstance(value, decimal.Decimal | int | float | str):
        return str(value)
    if isinstance(value, dict | list | tuple):
        return json.dumps(value, ensure_ascii=False, sort_keys=True, default=str)
    if isinstance(value, models.Model):
        return force_str(value)
    return force_str(value)


def _field_value(obj: models.Model, field: models.Field) -> str:
    if field.name in getattr(obj, "audit_masked", ()):
        value = getattr(obj, field.attname)
        return _SECRET + salted_hmac("core.audit", force_str(value)).hexdigest() if value not in (None, "") else ""
    if field.many_to_many:
        if obj.pk is None:
            return ""
        names = sorted(force_str(related) for related in getattr(obj, field.name).all())
        return ", ".join(names)
    if field.is_relation:
        related_id = getattr(obj, field.attname)
        if related_id is None:
            return ""
        related = getattr(obj, field.name, None)
        return f"{force_str(related)} (#{related_id})" if related is not None else f"#{related_id}"
    value = getattr(obj, field.attname)
    if field.choices and not isinstance(value, list | dict):
        return force_str(dict(field.flatchoices).get(value, value)) if value not in (None, "") else ""
    return _display(value)


def audited_fields(model: type[models.Model]) -> list[models.Field]:
    """The fields a snapshot keeps: every editable concrete field and many-to-many relation, except
    secrets (a password hash, a token's hash) and bookkeeping a change does not choose. A model leaves out
    more with `audit_exclude`, and names the secrets recorded only as set or changed with `audit_masked`."""
    meta = model._meta
    skipped = set(getattr(model, "audit_exclude", ())) | {"password", "key_hash", "last_login", "updated_at"}
    found = []
    for field in [*meta.concrete_fields, *meta.many_to_many]:
        if field.primary_key or field.name in skipped or not field.editable:
            continue
        found.append(field)
    return found


def snapshot(obj: models.Model, fields: Iterable[str] | None = None) -> dict[str, str]:
    """The object's fields as displayed text, to compare with a later snapshot."""
    chosen = audited_fields(obj._meta.model)  # obj may be request.user, a lazy object
    if fields is not None:
        wanted = set(fields)
        chosen = [f for f in chosen if f.name in wanted]
    return {field.name: _field_value(obj, field) for field in chosen}


def diff(before: Mapping[str, str], after: Mapping[str, str]) -> dict[str, tuple[str, str]]:
    return {name: (before.get(name, ""), value) for name, value in after.items() if before.get(name, "") != value}


def _shown(value: str) -> str:
    return MASK if value.startswith(_SECRET) else value[:VALUE_MAX]


def _check_actor(actor) -> None:
    if actor is None or getattr(actor, "pk", None) is None:
        raise ValueError("an audited change needs an actor: a person or the desk's system identity")


def _entries(obj: models.Model, *, actor, channel: str, action: str, changes: Mapping[str, tuple[str, str]],
             note: str, at: datetime.datetime | None, label: str = "") -> list[AuditEntry]:
    _check_actor(actor)
    content_type = ContentType.objects.get_for_model(obj, for_concrete_model=False)
    base = {
        "at": at or timezone.now(), "actor_id": actor.pk, "actor_name": force_str(actor)[:150],
        "channel": channel, "content_type": content_type, "object_id": str(obj.pk),
        "object_repr": (label or force_str(obj))[:200], "action": action, "note": (note or "")[:500],
    }
    if not changes:
        return [AuditEntry(**base)]
    return [AuditEntry(**base, field=name[:64], old_value=_shown(old), new_value=_shown(new))
            for name, (old, new) in changes.items()]


def _write(entries: list[AuditEntry]) -> list[AuditEntry]:
    # One INSERT … RETURNING through core.rows, as the ticket history is written (the mail ingester records
    # a customer per unknown sender: bulk_create's compilation cost more than the statement).
    return rows.insert_many(entries)


def record_change(obj: models.Model, before: Mapping[str, str], *, actor, channel: str, note: str = "",
                  at: datetime.datetime | None = None) -> dict[str, tuple[str, str]]:
    """Record what changed since `before` (a snapshot); nothing when nothing did. Returns the changes."""
    changes = diff(before, snapshot(obj, before.keys()))
    if changes:
        _write(_entries(obj, actor=actor, channel=channel, action=Action.CHANGED, changes=changes, note=note, at=at))
    return changes


def record_created(obj: models.Model, *, actor, channel: str, note: str = "",
                   at: datetime.datetime | None = None, fields: Iterable[str] | None = None) -> None:
    """Record a new object with the value of each field it was made with (`fields`: only those, when the
    caller knows which it set — a new object's many-to-many relations cost a query each to read)."""
    _write(_entries(obj, actor=actor, channel=channel, action=Action.CREATED, changes=created_changes(obj, fields),
                    note=note, at=at))


def created_changes(obj: models.Model, fields: Iterable[str] | None = None) -> dict[str, tuple[str, str]]:
    """What record_created records for `obj`, as it is now (before it has a primary key, for record_many)."""
    return {name: ("", value) for name, value in snapshot(obj, fields).items() if value != ""}


def record_many(history: Iterable[tuple[models.Model, str, Mapping[str, tuple[str, str]]]], *, actor, channel: str,
                note: str = "") -> None:
    """(object, action, changes) for many objects saved at once (an import): their entries in as few
    statements as the database's limit of parameters allows."""
    _write([entry for obj, action, changes in history
            for entry in _entries(obj, actor=actor, channel=channel, action=action, changes=changes, note=note,
                                  at=None)])


def record_deleted(obj: models.Model, *, actor, channel: str, note: str = "",
                   at: datetime.datetime | None = None) -> None:
    """Record an object about to be deleted (call before the delete: its fields are kept as old values)."""
    values = {name: (value, "") for name, value in snapshot(obj).items() if value != ""}
    _write(_entries(obj, actor=actor, channel=channel, action=Action.DELETED, changes=values, note=note, at=at))


def record_event(obj: models.Model, event: str, *, actor, channel: str, note: str = "",
                 changes: Mapping[str, tuple[str, str]] | None = None,
                 at: datetime.datetime | None = None) -> None:
    """Record something done to an object that is not a plain field change (a token issued, a sign-in
    unlocked, a password reset); `event` is a short code the domain defines and translates."""
    entries = _entries(obj, actor=actor, channel=channel, action=event, changes=dict(changes or {}), note=note,
                       at=at)
    _write(entries)


def trail(obj: models.Model) -> models.QuerySet:
    """The object's audit entries, newest first."""
    content_type = ContentType.objects.get_for_model(obj, for_concrete_model=False)
    return AuditEntry.objects.filter(content_type=content_type, object_id=str(obj.pk)).order_by("-at", "-id")
