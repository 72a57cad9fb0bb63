"""The desk's one mechanism for links in e-mail that act without signing in (acknowledge a page, rate a
resolution, approve a request): a token signed with the desk's SECRET_KEY, bound to a purpose and to the
values it names, valid for a limited time.

``make(purpose, *values)`` signs; ``read(purpose, token, max_age)`` returns the values, or ``None`` for a
token that is forged, altered, made for another purpose, or older than ``max_age`` — callers show one clear
page for all of these and store nothing. A token is not single-use by itself: the domain makes the act
happen once (the decision or rating is already recorded), so a second click changes nothing.

A link's page shows what it is about and one button; only the POST acts, because mail scanners follow links.
"""

from __future__ import annotations

import datetime

from django.core import signing

_SEPARATOR = "/"


def _signer(purpose: str) -> signing.TimestampSigner:
    return signing.TimestampSigner(salt=f"servicedesk.links.{purpose}")


def make(purpose: str, *values: object) -> str:
    """A URL-safe token naming `values` (ints or strings without "/") for `purpose`."""
    parts = [str(v) for v in values]
    if any(_SEPARATOR in p or ":" in p for p in parts):
        raise ValueError("Link values may not contain '/' or ':'.")
    return _signer(purpose).sign(_SEPARATOR.join(parts))


def read(purpose: str, token: str, max_age: datetime.timedelta) -> list[str] | None:
    """The values `token` was made with, or None when it is not a valid, unexpired token for `purpose`."""
    try:
        value = _signer(purpose).unsign(token or "", max_age=max_age)
    except signing.BadSignature:  # SignatureExpired is a BadSignature
        return None
    return value.split(_SEPARATOR)
