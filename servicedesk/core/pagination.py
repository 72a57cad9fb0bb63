"""Keyset (cursor) pagination: a page costs the same on row 20 and on row 200,000.

The cursor carries the last row's ordering value and id; the next page starts strictly after
them, in the order of an index. No OFFSET and no COUNT over the whole set.
"""

import base64
import datetime
import json
from dataclasses import dataclass

from django.db.models import F, Q, QuerySet
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


def _check_type(queryset: QuerySet, field: str, value) -> None:
    """A cursor comes back from the client: its value must fit the ordering field (or annotation)."""
    annotation = queryset.query.annotations.get(field)
    target = annotation.output_field if annotation is not None else queryset.model._meta.get_field(field)
    internal = target.get_internal_type()
    expected = datetime.datetime if internal == "DateTimeField" else int if "Integer" in internal or internal.endswith(
        "AutoField") else str
    if isinstance(value, bool) or not isinstance(value, expected):
        raise BadCursor


def after_cursor(queryset: QuerySet, field: str, descending: bool, cursor: str, nulls: str | None = None) -> QuerySet:
    """The rows strictly after the cursor in (field, id) order. `nulls` ("last" or "first", in reading
    order): where the rows without a value sit, by id in the same direction."""
    value, pk = decode_cursor(cursor, nullable=nulls is not None)
    op, bound = ("lt", "lte") if descending else ("gt", "gte")
    if value is None:
        after_nulls = Q(**{f"{field}__isnull": True, f"id__{op}": pk})
        return queryset.filter(after_nulls | Q(**{f"{field}__isnull": False}) if nulls == "first" else after_nulls)
    _check_type(queryset, field, value)
    if nulls is not None:
        later = Q(**{f"{field}__{op}": value}) | Q(**{field: value, f"id__{op}": pk})
        return queryset.filter(later | Q(**{f"{field}__isnull": True}) if nulls == "last" else later)
    # The OR alone is only a filter: the scan would start at the top of the index and step over every
    # earlier row (page N would cost N pages). The redundant bound is what the index seeks to.
    return queryset.filter(
        Q(**{f"{field}__{bound}": value}),
        Q(**{f"{field}__{op}": value}) | Q(**{field: value, f"id__{op}": pk}),
    )


@dataclass
class Page:
    rows: list
    next_cursor: str | None
    prev_cursor: str | None = None


def _get(row, name: str):
    # Rows of a .values() queryset are dicts; the others model instances.
    return row[name] if isinstance(row, dict) else getattr(row, name)


def _pk(row) -> int:
    return row["id"] if isinstance(row, dict) else row.pk


def _order(field: str, descending: bool, nulls: str | None) -> list:
    prefix = "-" if descending else ""
    if nulls is None:
        return [f"{prefix}{field}", f"{prefix}id"]
    where = {"nulls_last": True} if nulls == "last" else {"nulls_first": True}
    return [F(field).desc(**where) if descending else F(field).asc(**where), f"{prefix}id"]


def _read(branches: list[QuerySet], field: str, descending: bool, limit: int, cursor: str | None,
          nulls: str | None) -> list:
    """The first `limit` rows after the cursor over disjoint branches: each reads at most `limit` rows in
    index order (one query), and the rows are merged here."""
    rows = {}
    for queryset in branches:
        if cursor:
            queryset = after_cursor(queryset, field, descending, cursor, nulls)
        for row in queryset.order_by(*_order(field, descending, nulls))[:limit]:
            rows[_pk(row)] = row
    if len(branches) == 1:
        return list(rows.values())

    def key(row):
        value = _get(row, field)
        # The rows without a value sort after (or before) every value, whatever the direction.
        missing = value is None
        return (missing != descending if nulls == "last" else missing == descending, value, _pk(row))

    return sorted(rows.values(), key=key, reverse=descending)[:limit]


def paginate(querysets: QuerySet | list[QuerySet], field: str, descending: bool, limit: int, *,
             after: str | None = None, before: str | None = None, nulls_last: bool = False) -> Page:
    """One page of `limit` rows in (field, id) order; BadCursor for a cursor the desk did not make.

    `after` walks forward; `before` walks back (read in reverse, then flipped). Several querysets are the
    disjoint branches of one list (an OR no single index reads in order): each branch costs a page, whatever
    the list's size. `nulls_last`: `field` may be empty (an annotation); those rows come last, by id in the
    same direction.
    """
    branches = querysets if isinstance(querysets, list) else [querysets]
    nulls = "last" if nulls_last else None
    if before:
        rows = _read(branches, field, not descending, limit + 1, before, nulls and "first")
        has_prev, has_next = len(rows) > limit, True
        rows = rows[:limit][::-1]
    else:
        rows = _read(branches, field, descending, limit + 1, after, nulls)
        has_next, has_prev = len(rows) > limit, bool(after)
        rows = rows[:limit]
    if not rows:
        return Page([], None, None)
    return Page(
        rows,
        encode_cursor(_get(rows[-1], field), _pk(rows[-1])) if has_next else None,
        encode_cursor(_get(rows[0], field), _pk(rows[0])) if has_prev else None,
    )
