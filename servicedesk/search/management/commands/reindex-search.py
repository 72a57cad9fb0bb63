import time

from django.core.management.base import BaseCommand, CommandError

from servicedesk.search.articles import rebuild_articles
from servicedesk.search.index import rebuild


class Command(BaseCommand):
    help = ("Rebuild the search index of tickets and articles (safe while the desk runs: one batch at a time). "
            "Run it after an upgrade that changes the tokenizer, and after new words in words.txt or new Chinese "
            "synonyms, so that stored documents are segmented as queries are.")

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
        started = time.monotonic()
        total = rebuild_articles(using=options["database"])
        self.stdout.write(f"{total} articles indexed in {time.monotonic() - started:.1f} s.")
