"""`servicedesk mail-oauth <mailbox> --refresh-token TOKEN`: connect a mailbox to its OAuth provider without a
browser on the desk (docs/mail-oauth.md says how to obtain the token).

The token is redeemed once before it is stored, so a mistyped one is refused here, not at the next poll.
`--refresh-token -` reads it from standard input, which keeps it out of the shell's history and the process list.
"""

import sys

from django.core.management.base import BaseCommand, CommandError
from django.utils import formats
from django.utils.translation import gettext as _

from servicedesk.accounts.identity import system_user
from servicedesk.core import audit
from servicedesk.core.errors import ActionError
from servicedesk.intake import oauth
from servicedesk.intake.actions import connect_oauth
from servicedesk.intake.models import Mailbox


class Command(BaseCommand):
    help = "Connect a mailbox to its OAuth 2.0 provider with a refresh token obtained elsewhere."

    def add_arguments(self, parser):
        parser.add_argument("mailbox", help="The mailbox's address.")
        parser.add_argument("--refresh-token", required=True, help="The refresh token; '-' reads it from stdin.")

    def handle(self, *args, mailbox, refresh_token, **options):
        found = Mailbox.objects.filter(address__iexact=mailbox.strip()).first()
        if found is None:
            raise CommandError(_("No mailbox has the address %(address)s.") % {"address": mailbox})
        token = (sys.stdin.readline() if refresh_token == "-" else refresh_token).strip()
        if not token:
            raise CommandError(_("The refresh token is empty."))
        if not found.oauth_client_id:
            raise CommandError(_("Fill in the mailbox's OAuth client ID (and secret) in the admin first."))
        try:
            grant = oauth.check_refresh_token(found, token)
            grant = oauth.Grant(grant.access_token, grant.expires_at, grant.refresh_token or token)
            connect_oauth(found, grant, actor=system_user(), channel=audit.Channel.COMMAND)
        except (oauth.OAuthError, ActionError) as error:
            raise CommandError(str(error)) from None
        self.stdout.write(_("%(address)s is connected; its access token is valid until %(time)s and renewed by "
                            "the desk.") % {"address": found.address,
                                            "time": formats.date_format(grant.expires_at, "DATETIME_FORMAT")})
