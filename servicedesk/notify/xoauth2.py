"""Outgoing mail through an SMTP server that takes OAuth 2.0 only (Microsoft 365, Google): Django's SMTP
backend, signed in with SASL XOAUTH2 after STARTTLS and EHLO.

The token is a mailbox's (`SERVICEDESK_SMTP_OAUTH_MAILBOX`, its address): one app registration and one
consent serve the desk's IMAP and SMTP, and the token is renewed by `intake.oauth`, the same as for polling.
The SMTP user name is `SERVICEDESK_SMTP_USER`, else the mailbox's IMAP user name, else its address.
"""

from __future__ import annotations

import smtplib

from django.conf import settings
from django.core.mail.backends import smtp
from django.utils.translation import gettext as _

from servicedesk.intake import oauth
from servicedesk.intake.models import Mailbox


class EmailBackend(smtp.EmailBackend):
    def open(self):
        opened = super().open()
        if not opened:  # already open, or failed silently
            return opened
        try:
            self._authenticate()
        except Exception:
            self.close()
            if not self.fail_silently:
                raise
            return None
        return opened

    def _authenticate(self) -> None:
        address = settings.SERVICEDESK_SMTP_OAUTH_MAILBOX
        mailbox = Mailbox.objects.filter(address=address).first()
        if mailbox is None:
            raise oauth.ConsentNeeded(_("SERVICEDESK_SMTP_OAUTH_MAILBOX names %(address)s, which is no mailbox of "
                                        "the desk.") % {"address": address})
        user = settings.EMAIL_HOST_USER or mailbox.imap_username or mailbox.address
        self.connection.ehlo_or_helo_if_needed()
        try:
            self.connection.auth("XOAUTH2", oauth.XOAuth2(user, oauth.access_token(mailbox)))
        except smtplib.SMTPAuthenticationError:
            # Refused before its expiry (revoked, or the server's clock runs ahead): once more with a new token.
            self.connection.auth("XOAUTH2", oauth.XOAuth2(user, oauth.access_token(mailbox, renew=True)))

