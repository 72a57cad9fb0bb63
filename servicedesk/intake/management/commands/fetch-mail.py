"""`servicedesk fetch-mail [--mailbox ADDRESS] [--limit N]`: poll the IMAP mailboxes once.

The periodic task `servicedesk.intake.tasks.fetch_mail` does the same every minute; this command is
for cron, a first test of a new mailbox, or catching up by hand. Exit status 1 when a mailbox failed.
"""

import sys

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from servicedesk.intake.imap import fetch_all, fetch_mailbox
from servicedesk.intake.models import Mailbox, State


class Command(BaseCommand):
    help = "Fetch new mail from the mailboxes that have an IMAP server and file it."

    def add_arguments(self, parser):
        parser.add_argument("--mailbox", default="", help="Only the mailbox with this address.")
        parser.add_argument("--limit", type=int, default=200, help="At most this many messages per mailbox.")

    def handle(self, *args, mailbox, limit, **options):
        if mailbox:
            found = Mailbox.objects.filter(address__iexact=mailbox.strip()).first()
            if found is None:
                raise CommandError(_("No mailbox has the address %(address)s.") % {"address": mailbox})
            if not found.polls_imap:
                raise CommandError(_("The mailbox %(address)s has no IMAP server.") % {"address": found.address})
            reports = [fetch_mailbox(found, limit=limit)]
        else:
            reports = fetch_all(limit=limit)
            if not reports:
                self.stdout.write(_("No active mailbox has an IMAP server."))
        failed = False
        for report in reports:
            address = report.mailbox.address
            if report.skipped:
                self.stdout.write(_("%(address)s: skipped, another poller is fetching it.") % {"address": address})
                continue
            states = ", ".join(f"{State(state).label} {count}" for state, count in sorted(report.states.items()))
            self.stdout.write(
                _("%(address)s: %(fetched)s fetched (%(new)s new), filed: %(states)s, left on the server: %(left)s.")
                % {"address": address, "fetched": report.fetched, "new": report.new, "states": states or "0",
                   "left": report.left}
            )
            for error in report.errors:
                failed = True
                self.stderr.write(f"{address}: {error}")
        if failed:
            sys.exit(1)
