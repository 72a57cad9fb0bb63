"""Keyset (cursor) pagination: a page costs the same on row 20 and on row 200,000.

The cursor carries the last row's ordering value and id; the next page starts strictly after
them, in the order of an index. No OFFSET and no COUNT over the whole set.
"""

import base64
import datetime
import json

from django.db.models import Q, QuerySet
from django.utils.translation import gettext as _

from .inputs import find_text_problem


class BadCursor(ValueError):
    """A cursor the desk did not make (tampered, truncated, from another list): the API answers 400,
    the screens show their first page with status 400."""

    def __init__(self):
        super().__init__(_("invalid cursor"))


MAX_CURSOR_LENGTH = 1024
# Every ordering value a cursor carries is one of these; ints within the 64-bit range of both databases.
MIN_INT, MAX_INT = -(2**63), 2**63 - 1
# A date a time zone can move a day either way and still be a date.
MIN_YEAR, MAX_YEAR = 2, 9998


def encode_cursor(value, pk: int) -> str:
    if isinstance(value, datetime.datetime):
        value = {"t": value.isoformat()}
    raw = json.dumps([value, pk], separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def _value(value):
    if isinstance(value, dict):
        if set(value) != {"t"} or not isinstance(value["t"], str):
            raise BadCursor
        moment = datetime.datetime.fromisoformat(value["t"])
        if moment.tzinfo is None or not MIN_YEAR <= moment.year <= MAX_YEAR:
            raise BadCursor
        moment.astimezone(datetime.UTC)
        return moment
    if isinstance(value, bool):
        raise BadCursor
    if isinstance(value, int):
        if not MIN_INT <= value <= MAX_INT:
            raise BadCursor
        return value
    if isinstance(value, str):
        if find_text_problem(value):
            raise BadCursor
        return value
    raise BadCursor


def decode_cursor(cursor: str, *, nullable: bool = False):
    """(ordering value, id) from a cursor this module made; BadCursor for anything else. With
    `nullable`, the value may be None (an ordering whose rows without a value come last)."""
    try:
        if not isinstance(cursor, str) or len(cursor) > MAX_CURSOR_LENGTH or not cursor.isascii():
            raise BadCursor
        padded = cursor + "=" * (-len(cursor) % 4)
        decoded = json.loads(base64.urlsafe_b64decode(padded.encode()))
        if not isinstance(decoded, list) or len(decoded) != 2:
            raise BadCursor
        value, pk = decoded
        if isinstance(pk, bool) or not isinstance(pk, int) or not 0 < pk <= MAX_INT:
            raise BadCursor
        if value is None and nullable:
            return None, pk
        return _value(value), pk
    except (ValueError, TypeError, KeyError, OverflowError, RecursionError) as exc:
        if isinstance(exc, BadCursor):
            raise
        raise BadCursor from exc


def _check_type(model, field: str, value) -> None:
    """A cursor comes back from the client: its value must fit the ordering field."""
    internal = model._meta.get_field(field).get_internal_type()
    expected = datetime.datetime if internal == "DateTimeField" else int if "Integer" in internal or internal.endswith(
        "AutoField") else str
    if isinstance(value, bool) or not isinstance(value, expected):
        raise BadCursor


def after_cursor(queryset: QuerySet, field: str, descending: bool, cursor: str) -> QuerySet:
    """The rows strictly after the cursor in (field, id) order."""
    value, pk = decode_cursor(cursor)
    _check_type(queryset.model, field, value)
    op, bound = ("lt", "lte") if descending else ("gt", "gte")
    # The OR alone is only a filter: the scan would start at the top of the index and step over every
    # earlier row (page N would cost N pages). The redundant bound is what the index seeks to.
    return queryset.filter(
        Q(**{f"{field}__{bound}": value}),
        Q(**{f"{field}__{op}": value}) | Q(**{field: value, f"id__{op}": pk}),
    )


def keyset_page(queryset: QuerySet, field: str, descending: bool, limit: int, cursor: str | None):
    """Return (rows, next_cursor) of `limit` rows ordered by (field, id) in one direction."""
    if cursor:
        queryset = after_cursor(queryset, field, descending, cursor)
    prefix = "-" if descending else ""
    rows = list(queryset.order_by(f"{prefix}{field}", f"{prefix}id")[: limit + 1])
    next_cursor = None
    if len(rows) > limit:
        rows = rows[:limit]
        last = rows[-1]
        if isinstance(last, dict):  # a .values() queryset
            next_cursor = encode_cursor(last[field], last["id"])
        else:
            next_cursor = encode_cursor(getattr(last, field), last.pk)
    return rows, next_cursor


def keyset_page_nulls_last(queryset: QuerySet, field: str, descending: bool, limit: int, cursor: str | None):
    """Like keyset_page, for an annotated datetime `field` that may be null: rows with a value in
    (field, id) order, then the rows without one by id (in the same direction). The annotation is
    computed for every row the filters let through, so a page costs what sorting that set costs."""
    from django.db.models import F

    op = "lt" if descending else "gt"
    if cursor:
        value, pk = decode_cursor(cursor, nullable=True)
        if value is not None and not isinstance(value, datetime.datetime):
            raise BadCursor
        if value is None:
            queryset = queryset.filter(**{f"{field}__isnull": True, f"id__{op}": pk})
        else:
            queryset = queryset.filter(Q(**{f"{field}__{op}": value}) | Q(**{field: value, f"id__{op}": pk})
                                       | Q(**{f"{field}__isnull": True}))
    order = F(field).desc(nulls_last=True) if descending else F(field).asc(nulls_last=True)
    rows = list(queryset.order_by(order, "-id" if descending else "id")[: limit + 1])
    next_cursor = None
    if len(rows) > limit:
        rows = rows[:limit]
        next_cursor = encode_cursor(rows[-1][field], rows[-1]["id"])
    return rows, next_cursor
