"""The mailboxes as the mail ingester reads them, cached (core.refdata)."""

from servicedesk.core.refdata import cached

from .models import Mailbox


def mailboxes() -> list:
    """Every mailbox with its desk, by name (the mail ingester's own addresses and recipients)."""
    return cached("mailboxes", lambda: list(
        Mailbox.objects.select_related("desk").defer("imap_password", "imap_last_error").order_by("name", "pk")
    ), fresh=True)
