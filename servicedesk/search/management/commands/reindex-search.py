import time

from django.core.management.base import BaseCommand, CommandError

from servicedesk.search.index import rebuild


class Command(BaseCommand):
    help = "Rebuild the ticket search index (safe while the desk runs: one batch of tickets at a time)."

    def add_arguments(self, parser):
        parser.add_argument("--batch", type=int, default=2000, help="Tickets per transaction (default 2000).")
        parser.add_argument("--database", default="default")

    def handle(self, *args, **options):
        if options["batch"] < 1:
            raise CommandError("--batch must be at least 1.")
        started = time.monotonic()
        verbosity = options["verbosity"]

        def progress(done: int) -> None:
            if verbosity >= 2:
                self.stdout.write(f"{done} tickets indexed ({time.monotonic() - started:.0f} s)")

        total = rebuild(batch=options["batch"], using=options["database"], progress=progress)
        self.stdout.write(f"{total} tickets indexed in {time.monotonic() - started:.1f} s.")
