"""`servicedesk mail-receiver --smtp HOST:PORT --lmtp HOST:PORT`: the receiver an MTA delivers to.

Runs until SIGTERM or SIGINT; then it stops accepting and finishes filing what it accepted.
"""

import asyncio
import socket

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from servicedesk.intake.receiver import max_message_bytes, parse_endpoint, serve


class Command(BaseCommand):
    help = "Receive mail over SMTP and/or LMTP for the desk's mailboxes and file it."

    def add_arguments(self, parser):
        parser.add_argument("--smtp", action="append", default=[], metavar="HOST:PORT",
                            help="Listen for SMTP here (repeatable).")
        parser.add_argument("--lmtp", action="append", default=[], metavar="HOST:PORT",
                            help="Listen for LMTP here (repeatable).")
        parser.add_argument("--max-size", type=int, default=None,
                            help="Largest message accepted, in bytes (SIZE); default "
                                 "SERVICEDESK_MAIL_MAX_MESSAGE_BYTES or 50 MB.")
        parser.add_argument("--hostname", default=socket.gethostname(), help="The name in the greeting.")

    def handle(self, *args, smtp, lmtp, max_size, hostname, **options):
        if not smtp and not lmtp:
            raise CommandError(_("Give at least one --smtp or --lmtp address (HOST:PORT)."))
        try:
            smtp_endpoints = [parse_endpoint(value) for value in smtp]
            lmtp_endpoints = [parse_endpoint(value) for value in lmtp]
        except ValueError as error:
            raise CommandError(_("Not a HOST:PORT address: %(value)s") % {"value": error}) from None
        size = max_size if max_size is not None else max_message_bytes()

        def ready():
            listening = [f"SMTP {h}:{p}" for h, p in smtp_endpoints] + [f"LMTP {h}:{p}" for h, p in lmtp_endpoints]
            self.stdout.write(_("Receiving mail on %(endpoints)s (messages up to %(size)s bytes).")
                              % {"endpoints": ", ".join(listening), "size": size})
            self.stdout.flush()

        try:
            asyncio.run(serve(smtp_endpoints, lmtp_endpoints, hostname=hostname, max_size=size, ready=ready))
        except OSError as error:
            raise CommandError(_("Cannot listen: %(error)s") % {"error": error}) from None
