from django.core.management.base import BaseCommand

from servicedesk.reports.rollup import rebuild


class Command(BaseCommand):
    help = "Rewrite the hourly rollup of the report facts (what the dashboards read) from the facts (after a " \
           "bulk load or `rebuild-report-facts`, or to repair)."

    def handle(self, *args, **options):
        rows = rebuild()
        self.stdout.write(self.style.SUCCESS(f"Rebuilt the hourly rollup: {rows} rows."))
