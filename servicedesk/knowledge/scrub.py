"""Personal data taken out of ticket text before it becomes an article others read: e-mail addresses,
IP addresses, ticket numbers, phone numbers and the names of the people given.

Each kind is replaced by a word in brackets in the active language ("[e-mail address]"), so the
article still reads as a sentence and its editor sees what was there. Order matters: an e-mail
address goes before the names inside it, an IP address before the digits a phone pattern would take.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from django.utils.translation import gettext as _

EMAIL = re.compile(r"[\w.+'-]+@[\w-]+(?:\.[\w-]+)+", re.UNICODE)
IPV4 = re.compile(r"(?<![\d.])(?:(?:25[0-5]|2[0-4]\d|1?\d?\d)\.){3}(?:25[0-5]|2[0-4]\d|1?\d?\d)(?![\d.])")
# Eight groups, or fewer around one "::"; at least two colons, so a time of day (10:30) is left alone.
IPV6 = re.compile(r"(?<![\w:])(?:[0-9A-Fa-f]{1,4}:){2,7}[0-9A-Fa-f]{1,4}(?![\w:])"
                  r"|(?<![\w:])(?:[0-9A-Fa-f]{1,4}:){1,6}:(?:[0-9A-Fa-f]{1,4}(?::[0-9A-Fa-f]{1,4})*)?(?![\w:])")
# A run of digits with the separators phone numbers are written with, seven to fifteen digits in
# all (E.164's longest), optionally after a "+": 13800138000, +86 138 0013 8000, (021) 5555-1234.
PHONE = re.compile(r"(?<![\w+.-])\+?\(?\d[\d\s().-]{5,22}\d(?!\w|[.-]\d)")
DATE = re.compile(r"\d{4}[-./]\d{1,2}[-./]\d{1,2}|\d{1,2}[-./]\d{1,2}[-./]\d{4}")
CJK = re.compile("[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")


def _phone(match: re.Match) -> str:
    text = match.group(0)
    digits = sum(ch.isdigit() for ch in text)
    # Dates and times (2026-12-07) have the shape of a number written in groups: they stay.
    if not 7 <= digits <= 15 or DATE.fullmatch(text.strip()):
        return text
    return _("[phone number]")


def _ticket_number(prefixes: Iterable[str]) -> re.Pattern | None:
    """The desks' numbers (SD-000123, sd-38), not any word-dash-digits (UTF-8, Windows-10)."""
    prefixes = sorted({re.escape(p) for p in prefixes if p}, key=len, reverse=True)
    if not prefixes:
        return None
    return re.compile(rf"(?<![\w-])#?(?:{'|'.join(prefixes)})-\d{{1,18}}(?![\w-])", re.IGNORECASE)


def _name_pattern(names: Iterable[str]) -> re.Pattern | None:
    """One pattern for every name, longest first (so "Alex Chen" goes whole before "Alex"). A Chinese
    name matches wherever it stands (Chinese has no spaces), a Latin one as a whole word. One Chinese
    character or fewer than three letters are too common to take out; a one-word Latin name matches
    only as written (capitalised "Will" is a name, "will" a word), a full name in any case."""
    kept: set[str] = set()
    for name in names:
        name = " ".join((name or "").split())
        if (CJK.search(name) and len(name) >= 2) or len(name) >= 3:
            kept.add(name)
    if not kept:
        return None
    parts = []
    for name in sorted(kept, key=len, reverse=True):
        escaped = re.escape(name).replace(r"\ ", r"\s+")
        if CJK.search(name):
            parts.append(escaped)
        elif " " in name or not name.isalpha():
            parts.append(rf"(?i:(?<!\w){escaped}(?!\w))")
        else:
            parts.append(rf"(?<!\w){escaped}(?!\w)")
    return re.compile("|".join(parts))


def scrub(text: str, *, names: Iterable[str] = (), prefixes: Iterable[str] = ()) -> str:
    """`text` without e-mail addresses, IP addresses, ticket numbers (of the desks numbering with
    `prefixes`), phone numbers and `names`."""
    if not text:
        return ""
    text = EMAIL.sub(_("[e-mail address]"), text)
    text = IPV4.sub(_("[IP address]"), text)
    text = IPV6.sub(_("[IP address]"), text)
    numbers = _ticket_number(prefixes)
    if numbers is not None:
        text = numbers.sub(_("[ticket]"), text)
    text = PHONE.sub(_phone, text)
    pattern = _name_pattern(names)
    if pattern is not None:
        text = pattern.sub(_("[name]"), text)
    return text


def person_names(people: Iterable) -> list[str]:
    """The ways each person may be named in a text: their full name as shown, first and last name,
    and a user name with more than letters in it (an agent signs "agent1" as easily as "Alex"; one
    of letters only, such as "admin" or "manager", is too often a plain word)."""
    names: list[str] = []
    for person in people:
        if person is None:
            continue
        names += [person.display_name, person.first_name, person.last_name,
                  f"{person.first_name} {person.last_name}", f"{person.last_name}{person.first_name}"]
        if not person.username.isalpha():
            names.append(person.username)
    return names
