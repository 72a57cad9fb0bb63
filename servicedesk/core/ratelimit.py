"""Rate limits: fixed-window counters in the "ratelimit" cache, and the client's address.

A window is one minute or one hour aligned on the clock; a limit of N lets N events through in a
window and refuses the rest until the window ends (so at a window's edge up to 2N can pass in a
short time, which is fine for what these limits are for: stopping floods, not metering).
"""

import hashlib
import ipaddress
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
    scope: str
    count: int
    seconds: int

    def _key(self, who: str, now: float) -> tuple[str, int]:
        window = int(now // self.seconds)
        digest = hashlib.sha256(who.encode()).hexdigest()[:32]
        retry_after = (window + 1) * self.seconds - int(now)
        return f"{self.scope}:{self.seconds}:{digest}:{window}", max(retry_after, 1)

    def retry_after(self, who: str) -> int:
        """Seconds until `who` may go on, 0 when under the limit. Counts nothing."""
        if self.count <= 0:
            return 0
        key, retry_after = self._key(who, time.time())
        return retry_after if (caches["ratelimit"].get(key) or 0) >= self.count else 0

    def hit(self, who: str) -> None:
        """Count one event of `who` in the current window."""
        key, _ = self._key(who, time.time())
        cache = caches["ratelimit"]
        # add() then incr(): atomic on Redis; the window's key expires with the window.
        cache.add(key, 0, timeout=self.seconds + 5)
        try:
            cache.incr(key)
        except ValueError:
            cache.set(key, 1, timeout=self.seconds + 5)


def retry_after(limits, who: str) -> int:
    """The longest wait any of `limits` asks of `who`, 0 when none is reached."""
    return max((limit.retry_after(who) for limit in limits), default=0)
