"""Rate limits: sliding-window counters in the "ratelimit" cache, and the client's address."""

import hashlib
import ipaddress
import math
import time
from dataclasses import dataclass

from django.conf import settings
from django.core.cache import caches


def _valid(address: str) -> str | None:
    try:
        return str(ipaddress.ip_address(address.strip()))
    except ValueError:
        return None


def client_address(request) -> str | None:
    """The client's address: REMOTE_ADDR, or, when SERVICEDESK_CLIENT_IP_HEADER names the header a
    trusted reverse proxy sets, the address from that header (a client could send the header itself,
    so it is read only when configured). None when there is no valid address (a test request)."""
    header = settings.SERVICEDESK_CLIENT_IP_HEADER
    if header:
        value = request.META.get("HTTP_" + header.upper().replace("-", "_"), "")
        hops = [part.strip() for part in value.split(",") if part.strip()]
        if hops:
            # Each proxy appends the address it received from: the right-most ones are the trusted proxies'.
            chosen = _valid(hops[max(len(hops) - settings.SERVICEDESK_PROXY_COUNT, 0)])
            if chosen:
                return chosen
    return _valid(request.META.get("REMOTE_ADDR", ""))


@dataclass(frozen=True)
class Limit:
    """At most `count` events of one key in any `seconds`, estimated with a sliding window: the
    current clock-aligned window's count plus the previous one's, weighted by how much of it the
    sliding window still covers (so a burst across a window's edge gets no double allowance)."""

    scope: str
    count: int
    seconds: int

    def _key(self, who: str, window: int) -> str:
        digest = hashlib.sha256(who.encode()).hexdigest()[:32]
        return f"{self.scope}:{self.seconds}:{digest}:{window}"

    def retry_after(self, who: str, now: float | None = None) -> int:
        """Seconds until `who` may go on, 0 when under the limit. Counts nothing."""
        if self.count <= 0:
            return 0
        now = time.time() if now is None else now
        window = int(now // self.seconds)
        elapsed = now / self.seconds - window  # the part of the current window gone, 0..1
        cache = caches["ratelimit"]
        counts = cache.get_many([self._key(who, window - 1), self._key(who, window)])
        previous = counts.get(self._key(who, window - 1)) or 0
        current = counts.get(self._key(who, window)) or 0
        if previous * (1 - elapsed) + current < self.count:
            return 0
        if current >= self.count:
            # Under the limit again once the sliding window has left enough of this window behind.
            needed = 1 + (1 - self.count / current) if current else 1
        else:
            needed = 1 - (self.count - current) / previous
        return max(math.ceil((needed - elapsed) * self.seconds), 1)

    def hit(self, who: str, now: float | None = None) -> None:
        """Count one event of `who` in the current window."""
        key = self._key(who, int((time.time() if now is None else now) // self.seconds))
        cache = caches["ratelimit"]
        # add() then incr(): atomic on Redis. Kept two windows: the next one still weighs this one.
        cache.add(key, 0, timeout=2 * self.seconds + 5)
        try:
            cache.incr(key)
        except ValueError:
            cache.set(key, 1, timeout=2 * self.seconds + 5)


def retry_after(limits, who: str) -> int:
    """The longest wait any of `limits` asks of `who`, 0 when none is reached."""
    return max((limit.retry_after(who) for limit in limits), default=0)
