"""The fields an administrator defines on a configuration item type, and the check of an item's attributes
against them: every channel (screens, API, import) goes through `clean_attributes`."""

from __future__ import annotations

import datetime
import decimal

from django.utils.translation import get_language
from django.utils.translation import gettext as _

from servicedesk.core.errors import ActionError

from .models import CiType, FieldKind

KEY_MAX = 50
VALUE_MAX = 1000
NUMBER_DIGITS_MAX = 15


def field_label(definition: dict) -> str:
    """A field's label in the reader's language."""
    if definition.get("label_zh") and (get_language() or "").startswith("zh"):
        return definition["label_zh"]
    return definition.get("label") or definition["key"]


def clean_definitions(fields) -> list[dict]:
    """A type's field list as an administrator wrote it, checked: unique keys, known kinds, choices for a
    choice. Returns it normalised."""
    if not isinstance(fields, list):
        raise ActionError(_("A type's fields are a list."))
    cleaned, seen = [], set()
    for position, definition in enumerate(fields, start=1):
        if not isinstance(definition, dict):
            raise ActionError(_("Field %(n)s is not an object.") % {"n": position})
        key = str(definition.get("key") or "").strip()
        if not key or len(key) > KEY_MAX or not key.replace("_", "").isalnum() or not key.isascii():
            raise ActionError(_("Field %(n)s needs a key of letters, digits and underscores (at most %(max)s).")
                              % {"n": position, "max": KEY_MAX})
        if key in seen:
            raise ActionError(_("Two fields have the key %(key)s.") % {"key": key})
        seen.add(key)
        kind = definition.get("kind", FieldKind.TEXT)
        if kind not in FieldKind.values:
            raise ActionError(_("Field %(key)s has an unknown kind: %(kind)s.") % {"key": key, "kind": kind})
        choices = definition.get("choices") or []
        if kind == FieldKind.CHOICE and (not isinstance(choices, list) or not choices
                                         or not all(isinstance(c, str) and c for c in choices)):
            raise ActionError(_("Field %(key)s is a choice and needs its choices.") % {"key": key})
        cleaned.append({
            "key": key, "label": str(definition.get("label") or key), "label_zh": str(definition.get("label_zh") or ""),
            "kind": kind, "choices": choices if kind == FieldKind.CHOICE else [],
            "required": bool(definition.get("required", False)),
        })
    return cleaned


def _value(definition: dict, raw):
    kind, label = definition["kind"], field_label(definition)
    if kind == FieldKind.NUMBER:
        if isinstance(raw, bool):
            raise ActionError(_("%(field)s must be a number.") % {"field": label})
        try:
            number = decimal.Decimal(str(raw).strip())
        except decimal.InvalidOperation:
            raise ActionError(_("%(field)s must be a number.") % {"field": label}) from None
        if not number.is_finite():
            raise ActionError(_("%(field)s must be a number.") % {"field": label})
        # Checked before converting: int() of "1e5000000" takes a worker for a minute, and one of more than
        # 4300 digits cannot be written as JSON at all.
        if number and number.adjusted() >= NUMBER_DIGITS_MAX:
            raise ActionError(_("%(field)s is too large a number.") % {"field": label})
        return int(number) if number == number.to_integral_value() else float(number)
    if kind == FieldKind.DATE:
        if isinstance(raw, datetime.datetime):
            return raw.date().isoformat()
        if isinstance(raw, datetime.date):
            return raw.isoformat()
        try:
            return datetime.date.fromisoformat(str(raw).strip()).isoformat()
        except ValueError:
            raise ActionError(_("%(field)s must be a date (YYYY-MM-DD).") % {"field": label}) from None
    text = str(raw).strip()
    if len(text) > VALUE_MAX:
        raise ActionError(_("%(field)s is too long (at most %(max)s characters).") % {"field": label, "max": VALUE_MAX})
    if kind == FieldKind.CHOICE and text not in definition["choices"]:
        raise ActionError(_("%(field)s must be one of: %(choices)s.")
                          % {"field": label, "choices": ", ".join(definition["choices"])})
    return text


def clean_attributes(ci_type: CiType, attributes) -> dict:
    """The item's attributes checked against its type's fields: unknown keys refused, required ones present,
    each value of its kind (numbers as numbers, dates as YYYY-MM-DD). Empty values are left out."""
    if attributes is None:
        attributes = {}
    if not isinstance(attributes, dict):
        raise ActionError(_("An item's attributes are an object of field keys and values."))
    definitions = {d["key"]: d for d in clean_definitions(ci_type.fields)}
    unknown = sorted(set(attributes) - set(definitions))
    if unknown:
        raise ActionError(_("%(type)s items have no field %(keys)s.")
                          % {"type": ci_type.local_name, "keys": ", ".join(unknown)})
    cleaned = {}
    for key, definition in definitions.items():
        raw = attributes.get(key)
        if raw is None or (isinstance(raw, str) and not raw.strip()):
            if definition["required"]:
                raise ActionError(_("%(field)s is required for %(type)s items.")
                                  % {"field": field_label(definition), "type": ci_type.local_name})
            continue
        cleaned[key] = _value(definition, raw)
    return cleaned
