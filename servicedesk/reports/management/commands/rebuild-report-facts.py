from django.core.management.base import BaseCommand

from servicedesk.reports import rollup
from servicedesk.reports.facts import rebuild


class Command(BaseCommand):
    help = "Rewrite every ticket's report facts and resolutions (the rows the ticket KPIs read) from the tickets, " \
           "clocks, history and time log, then the hourly rollup of the facts (after a bulk load, or to repair)."

    def add_arguments(self, parser):
        parser.add_argument("--batch", type=int, default=2000, help="Tickets per statement (default 2000).")

    def handle(self, *args, **options):
        def progress(count):
            if count % (options["batch"] * 50) == 0:
                self.stdout.write(f"{count} tickets…")

        count = rebuild(batch=max(1, options["batch"]), progress=progress)
        rows = rollup.rebuild()
        self.stdout.write(self.style.SUCCESS(f"Rebuilt the report facts of {count} tickets and {rows} rows of the "
                                             "hourly rollup."))
