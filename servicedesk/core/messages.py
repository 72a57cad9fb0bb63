"""The messages a page shows once (django.contrib.messages), kept as Django keeps them — in a signed cookie,
overflowing into the session — but only the latest few not shown yet."""

from django.contrib.messages.storage.fallback import FallbackStorage


class RecentMessages(FallbackStorage):
    """A browser shows its messages on the page it is sent to next, so a few are pending at a time. A client
    that never asks for that page (a script sending the portal's form again and again) piled them up without
    end: every request decoded, signed and sent back all of them (300 in the cookie: ~3 ms a request), then
    wrote the overflow into the session. Only the latest KEEP are kept: what one page can say."""

    KEEP = 5

    def _store(self, messages, response, *args, **kwargs):
        return super()._store(messages[-self.KEEP:], response, *args, **kwargs)
