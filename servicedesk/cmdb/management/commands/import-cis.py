from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from servicedesk.accounts.identity import system_user
from servicedesk.accounts.models import User
from servicedesk.cmdb.importing import Outcome, run_import
from servicedesk.core import audit
from servicedesk.core.errors import ActionError


class Command(BaseCommand):
    help = ("Import configuration items from a .csv or .xlsx file: a dry run that reports what would be created, "
            "changed or refused (row and reason); --apply does it.")

    def add_arguments(self, parser):
        parser.add_argument("file")
        parser.add_argument("--apply", action="store_true", help="Save the rows that are not refused.")
        parser.add_argument("--as", dest="username", default="",
                            help="Record the changes as this person (a lead, manager or administrator); "
                                 "default: the desk's system identity.")

    def handle(self, *args, **options):
        path = Path(options["file"])
        if not path.is_file():
            raise CommandError(f"No such file: {path}")
        actor = system_user()
        if options["username"]:
            actor = User.objects.filter(username=options["username"]).first()
            if actor is None:
                raise CommandError(f"No user named {options['username']!r}.")
        try:
            report = run_import(path.name, path.read_bytes(), actor=actor, channel=audit.Channel.COMMAND,
                                apply=options["apply"])
        except ActionError as exc:
            raise CommandError(exc.message) from None
        for row in report.rows:
            self.stdout.write(f"row {row.row}: {row.outcome} {row.name}" + (f": {row.reason}" if row.reason else ""))
        counts = report.counts
        summary = (f"{counts[Outcome.CREATE]} created, {counts[Outcome.CHANGE]} changed, "
                   f"{counts[Outcome.UNCHANGED]} unchanged, {counts[Outcome.REFUSED]} refused")
        if report.applied:
            self.stdout.write(self.style.SUCCESS(f"Imported: {summary}."))
        else:
            self.stdout.write(f"Dry run (nothing saved): {summary}. Run again with --apply to import.")
