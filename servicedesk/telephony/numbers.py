"""Phone numbers as the CTI and people write them, made comparable, and the person a number belongs to.

A CTI sends "+8613800138000", a desk's records say "138-0013-8000", "0086 138 0013 8000" or "010-6552 9988"
for "+86 10 6552 9988": the comparable form drops spaces, dashes, dots and brackets, China's country code
(+86 / 0086) and the domestic trunk prefix 0 (a Chinese mobile number starts with 1, a landline's area code
with 0 at home and without it abroad), and keeps another country's code as "+<digits>".
"""

from __future__ import annotations

import re

from django.db.models import F, Value
from django.db.models.functions import Replace

from servicedesk.accounts.models import Role, User

SEPARATORS = " -.()/\u00a0"
_KEEP = re.compile(r"[^0-9+]")
HOME_COUNTRY = "86"
# Fewer digits than this are an internal extension, not a number to find a person by.
MIN_MATCH_DIGITS = 5


def normalise(number: str) -> str:
    """The comparable form of `number` ("" for none)."""
    text = _KEEP.sub("", (number or "").strip())
    if text.startswith("00"):
        text = "+" + text[2:]
    if text.startswith("+" + HOME_COUNTRY):
        text = text[1 + len(HOME_COUNTRY):]
    elif text.startswith("+"):
        return "+" + text[1:].replace("+", "")
    return text.replace("+", "").lstrip("0")


def _stripped_phone():
    expression = F("phone")
    for separator in SEPARATORS:
        expression = Replace(expression, Value(separator), Value(""))
    return expression


def find_person(number: str) -> User | None:
    """The active person whose phone is `number` (customers first: they are who calls the desk), else None.

    The database narrows by the number's last digits with separators removed; the comparison itself is
    `normalise` on both sides, so "+86 …", "0086 …" and the domestic "0…" all match."""
    wanted = normalise(number)
    digits = wanted.lstrip("+")
    if len(digits) < MIN_MATCH_DIGITS:
        return None
    tail = digits[-MIN_MATCH_DIGITS - 2:]
    candidates = (User.objects.filter(is_active=True).exclude(phone="")
                  .alias(phone_digits=_stripped_phone()).filter(phone_digits__endswith=tail)
                  .order_by("id")[:50])
    found = [user for user in candidates if normalise(user.phone) == wanted]
    found.sort(key=lambda user: (user.role != Role.CUSTOMER, user.pk))
    return found[0] if found else None
