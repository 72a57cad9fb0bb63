"""The desk's one signature for JSON over HTTP, in and out: HMAC-SHA256 of the timestamp and the body.

Header ``X-ServiceDesk-Signature: t=<unix seconds>,v1=<hex digest>``, the digest taken over
``b"<t>." + body`` with a shared secret. The timestamp is signed with the body, so a captured request
cannot be replayed after TOLERANCE; within it, receivers store each event once by its own id. Incoming
webhooks (CTI, monitoring) verify with ``verify``; outgoing webhooks sign with ``header``.
"""

from __future__ import annotations

import hashlib
import hmac
import time
from collections.abc import Iterable

HEADER = "X-ServiceDesk-Signature"
META_KEY = "HTTP_X_SERVICEDESK_SIGNATURE"  # the header as Django's request.META names it
TOLERANCE = 300  # seconds a signature stays valid either side of now (clocks differ a little)


def digest(secret: str, timestamp: int, body: bytes) -> str:
    return hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256).hexdigest()


def header(secret: str, body: bytes, now: float | None = None) -> str:
    """The signature header's value for `body` sent now."""
    timestamp = int(time.time() if now is None else now)
    return f"t={timestamp},v1={digest(secret, timestamp, body)}"


def verify(value: str | None, body: bytes, secrets: str | Iterable[str], now: float | None = None) -> bool:
    """Whether `value` (the header as received) signs `body` with one of `secrets` (several while a secret
    is being rotated) at a time within TOLERANCE of now. Anything malformed is simply not valid."""
    if not value:
        return False
    parts: dict[str, list[str]] = {}
    for item in value.split(","):
        key, _, text = item.strip().partition("=")
        parts.setdefault(key, []).append(text)
    try:
        timestamp = int(parts["t"][0])
    except (KeyError, ValueError):
        return False
    if abs((time.time() if now is None else now) - timestamp) > TOLERANCE:
        return False
    candidates = [secrets] if isinstance(secrets, str) else list(secrets)
    given = parts.get("v1", [])
    return any(hmac.compare_digest(digest(secret, timestamp, body), signature)
               for secret in candidates if secret for signature in given)
