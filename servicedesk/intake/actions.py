"""The intake's changes a person makes outside the admin's forms: connecting a mailbox to its OAuth provider."""

from __future__ import annotations

from django.db import transaction
from django.utils.translation import gettext as _

from servicedesk.core import audit
from servicedesk.core.errors import ActionError, NotAllowed

from .models import ImapAuth, Mailbox
from .oauth import Grant

__all__ = ["connect_oauth"]


def connect_oauth(mailbox: Mailbox | int, grant: Grant, *, actor, channel: str) -> Mailbox:
    """Store the grant an administrator obtained (the admin's "Connect", `servicedesk mail-oauth`): the mailbox
    signs in with OAuth from now on, and a mark left by a refused refresh is cleared. The audit trail says the
    refresh token changed, never what it is; the access token is not recorded at all."""
    if not (getattr(actor, "is_system_identity", False) or actor.has_perm("intake.change_mailbox")):
        raise NotAllowed(_("Only administrators may connect a mailbox."))
    if not grant.refresh_token:
        raise ActionError(_("The OAuth provider gave no refresh token: ask for offline access (Microsoft 365: the "
                            "offline_access scope; Google: access_type=offline) and connect again."))
    with transaction.atomic():
        mailbox = Mailbox.objects.select_for_update().get(pk=getattr(mailbox, "pk", mailbox))
        before = audit.snapshot(mailbox)
        mailbox.imap_auth = ImapAuth.OAUTH2
        mailbox.oauth_refresh_token = grant.refresh_token
        mailbox.oauth_access_token = grant.access_token
        mailbox.oauth_expires_at = grant.expires_at
        mailbox.oauth_needs_consent = False
        mailbox.oauth_error = ""
        mailbox.save(update_fields=["imap_auth", "oauth_refresh_token", "oauth_access_token", "oauth_expires_at",
                                    "oauth_needs_consent", "oauth_error"])
        audit.record_change(mailbox, before, actor=actor, channel=channel, note=_("Connected with OAuth 2.0"))
    return mailbox
