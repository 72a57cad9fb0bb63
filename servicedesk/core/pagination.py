"""Keyset (cursor) pagination: a page costs the same on row 20 and on row 200,000.

The cursor carries the last row's ordering value and id; the next page starts strictly after
them, in the order of an index. No OFFSET and no COUNT over the whole set.
"""

import base64
import datetime
import json

from django.db.models import Q, QuerySet
from django.utils.translation import gettext as _


class BadCursor(ValueError):
    pass


def encode_cursor(value, pk: int) -> str:
    if isinstance(value, datetime.datetime):
        value = {"t": value.isoformat()}
    raw = json.dumps([value, pk], separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(cursor: str):
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        value, pk = json.loads(base64.urlsafe_b64decode(padded.encode()))
        if isinstance(value, dict):
            value = datetime.datetime.fromisoformat(value["t"])
        if not isinstance(pk, int):
            raise TypeError
        return value, pk
    except (ValueError, TypeError, KeyError) as exc:
        raise BadCursor(_("The cursor is not valid; start again from the first page.")) from exc


def keyset_page(queryset: QuerySet, field: str, descending: bool, limit: int, cursor: str | None):
    """Return (rows, next_cursor) of `limit` rows ordered by (field, id) in one direction."""
    if cursor:
        value, pk = decode_cursor(cursor)
        op = "lt" if descending else "gt"
        queryset = queryset.filter(Q(**{f"{field}__{op}": value}) | Q(**{field: value, f"id__{op}": pk}))
    prefix = "-" if descending else ""
    rows = list(queryset.order_by(f"{prefix}{field}", f"{prefix}id")[: limit + 1])
    next_cursor = None
    if len(rows) > limit:
        rows = rows[:limit]
        last = rows[-1]
        next_cursor = encode_cursor(getattr(last, field), last.pk)
    return rows, next_cursor
