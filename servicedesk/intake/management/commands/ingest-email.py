"""`servicedesk ingest-email [--mailbox ADDRESS] < message.eml`: the pipe an MTA delivers to.

Exit status for the MTA: 0 when the message is stored and filed, ignored or quarantined (all of
them are kept); 75 (EX_TEMPFAIL) when it could not be stored or processing crashed, so the MTA
delivers again later (a stored message is recognised by its Message-ID and filed once).
"""

import sys

from django.core.management.base import BaseCommand
from django.utils.translation import gettext as _

from servicedesk.intake.ingest import process, store_raw
from servicedesk.intake.models import Mailbox, Source, State

EX_TEMPFAIL = 75


class Command(BaseCommand):
    help = "Take one email message on standard input and file it (new ticket, reply, ignored or quarantined)."
    stealth_options = ("stdin",)

    def add_arguments(self, parser):
        parser.add_argument("--mailbox", default="", help="The desk address the message was delivered to.")

    def handle(self, *args, **options):
        stream = options.get("stdin") or sys.stdin
        raw = (getattr(stream, "buffer", stream)).read()
        if isinstance(raw, str):
            raw = raw.encode("utf-8", "surrogateescape")
        mailbox = None
        if options["mailbox"]:
            mailbox = Mailbox.objects.filter(address__iexact=options["mailbox"].strip()).first()
            if mailbox is None:
                # Temporary on purpose: the MTA keeps the message until the mailbox is configured.
                self.stderr.write(_("No mailbox has the address %(address)s.") % {"address": options["mailbox"]})
                sys.exit(EX_TEMPFAIL)
        try:
            message = store_raw(raw, Source.PIPE, mailbox, claim=True)
        except Exception as error:
            self.stderr.write(_("The message could not be stored: %(error)s") % {"error": error})
            sys.exit(EX_TEMPFAIL)
        try:
            message = process(message)
        except Exception as error:
            self.stderr.write(
                _("The message is stored (#%(id)s) but processing failed: %(error)s. Deliver it again to retry.")
                % {"id": message.pk, "error": error}
            )
            sys.exit(EX_TEMPFAIL)
        self.stdout.write(describe(message))


def describe(message) -> str:
    if message.state == State.DONE and message.comment_id:
        return _("Added to %(number)s (message #%(id)s).") % {"number": message.ticket.number, "id": message.pk}
    if message.state == State.DONE:
        return _("Created %(number)s (message #%(id)s).") % {"number": message.ticket.number, "id": message.pk}
    if message.state == State.IGNORED:
        return _("Ignored (message #%(id)s): %(reason)s") % {"id": message.pk, "reason": message.reason}
    if message.state == State.QUARANTINED:
        return _("Quarantined (message #%(id)s): %(reason)s") % {"id": message.pk, "reason": message.reason}
    return _("Stored, not yet processed (message #%(id)s): %(reason)s") % {"id": message.pk, "reason": message.reason}
