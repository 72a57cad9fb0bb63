"""Input from outside, checked once at the edge: ids and text.

Ids: only ASCII digits, within the databases' integer range (SQLite's INTEGER and PostgreSQL's
bigint are both 64-bit signed). `str.isdigit()` is true for "²" and "٣", which `int()` refuses or
reads; an id past 2**63 - 1 made SQLite raise instead of finding nothing.

Text: a NUL character is refused everywhere input arrives (API, screens, query strings, paths):
PostgreSQL cannot store it and SQLite would, so the two would differ. A lone surrogate ("\\ud800",
which JSON can spell) cannot be stored as UTF-8 by either. Mail is the exception: it must never be
lost, so NUL is stripped from the text decoded out of a message (intake/email_parse.py).
"""

from typing import Annotated

from django.utils.translation import gettext as _
from pydantic import Field

MAX_ID = 2**63 - 1
MAX_ID_DIGITS = len(str(MAX_ID))

# A database id in the API: documented (minimum/maximum in the OpenAPI) and checked by pydantic.
Id = Annotated[int, Field(ge=1, le=MAX_ID)]
# A count or offset that is compared with ids (e.g. `after`).
IdOrZero = Annotated[int, Field(ge=0, le=MAX_ID)]


def parse_id(value) -> int | None:
    """An id typed or sent by hand (a form field, a query parameter), or None if it is not one."""
    text = ("" if value is None else str(value)).strip()
    if not text or len(text) > MAX_ID_DIGITS or not (text.isascii() and text.isdigit()):
        return None
    number = int(text)
    return number if 0 < number <= MAX_ID else None


def text_problem(value: str) -> str | None:
    """Why the desk cannot store `value` as text, or None when it can."""
    if "\x00" in value:
        return _("Text may not contain the NUL character (\\u0000).")
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        return _("Text must be valid Unicode (it contains a lone surrogate such as \\ud800).")
    return None


def find_text_problem(data, where: tuple = ()) -> tuple[tuple, str] | None:
    """The first string in parsed input (JSON or form values, keys included) the desk cannot store:
    (its location, the reason), or None."""
    if isinstance(data, str):
        problem = text_problem(data)
        return (where, problem) if problem else None
    if isinstance(data, dict):
        items = data.items()
    elif isinstance(data, list | tuple):
        items = enumerate(data)
    else:
        return None
    for key, value in items:
        found = find_text_problem(key, where) if isinstance(key, str) else None
        found = found or find_text_problem(value, (*where, key))
        if found:
            return found
    return None


class IdConverter:
    """`<id:pk>` in a URL: like Django's `<int:pk>`, but a number past the databases' range matches
    nothing (a 404) instead of reaching the database."""

    regex = f"[0-9]{{1,{MAX_ID_DIGITS}}}"

    def to_python(self, value: str) -> int:
        pk = parse_id(value)
        if pk is None:
            raise ValueError(value)
        return pk

    def to_url(self, value) -> str:
        return str(int(value))


def is_id(value) -> bool:
    return parse_id(value) is not None
