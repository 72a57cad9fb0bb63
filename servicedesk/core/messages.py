"""The messages a page shows once (django.contrib.messages), kept as Django keeps them — in a signed cookie,
overflowing into the session — but of those left unshown by earlier pages only the latest few."""

from django.contrib.messages.storage.fallback import FallbackStorage


class RecentMessages(FallbackStorage):
    """A browser shows its messages on the page it is sent to next, so a few are pending at a time. A client
    that never asks for that page (a script sending the portal's form again and again) piled them up without
    end: every request decoded, signed and sent back all of them (300 in the cookie: ~3 ms a request), then
    wrote the overflow into the session. What this response adds is kept whole (a problem resolved leaves a
    line per incident left open); of the older ones not shown, the latest KEEP."""

    KEEP = 5

    def update(self, response):
        if not self.used and self.added_new:
            self._loaded_data = self._loaded_messages[-self.KEEP:]
        return super().update(response)
