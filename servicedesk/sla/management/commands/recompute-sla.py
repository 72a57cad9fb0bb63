from django.core.management.base import BaseCommand

from servicedesk.sla.tracking import rebuild


class Command(BaseCommand):
    help = (
        "Rebuild every ticket's SLA and OLA clock rows and pending thresholds from the ticket history "
        "(after a calendar, policy or OLA change, or to repair). Fired warnings and breaches are kept; "
        "the result is what live tracking gives."
    )

    def add_arguments(self, parser):
        parser.add_argument("--batch", type=int, default=500, help="Tickets per transaction (default 500).")

    def handle(self, *args, **options):
        def progress(count):
            if count % (options["batch"] * 20) == 0:
                self.stdout.write(f"{count} tickets…")

        count = rebuild(batch=max(1, options["batch"]), progress=progress)
        self.stdout.write(self.style.SUCCESS(f"Recomputed the clocks of {count} tickets."))
