import sys

from django.core.management.base import BaseCommand, CommandError

from servicedesk.core.errors import ActionError
from servicedesk.directory import actions


class Command(BaseCommand):
    help = ("Sync the people from the directory (SERVICEDESK_LDAP_*): create, update, deactivate and reactivate "
            "their accounts; prints the counts.")

    def handle(self, *args, **options):
        interactive = sys.stdout.isatty()

        def progress(done: int, total: int) -> None:
            if done == total or done % 100 == 0:
                line = f"{done}/{total} people"
                self.stdout.write(f"\r{line}" if interactive else line, ending="" if interactive else "\n")

        try:
            run = actions.sync(progress=progress)
        except ActionError as exc:
            raise CommandError(exc.message) from None
        if interactive:
            self.stdout.write("")
        for line in filter(None, run.errors.splitlines()):
            self.stderr.write(line)
        if not run.succeeded:
            raise CommandError("The directory sync failed; nothing was changed.")
        self.stdout.write(self.style.SUCCESS(
            f"Directory synced: {run.created} created, {run.updated} updated, {run.deactivated} deactivated, "
            f"{run.reactivated} reactivated, {run.unchanged} unchanged."))
