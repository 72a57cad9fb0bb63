import datetime

from django.core.management.base import BaseCommand, CommandError

from servicedesk.knowledge import ranking


class Command(BaseCommand):
    help = ("Count the deflections of request drafts left unsent after a suggested article was opened, then "
            "recompute every article's popularity (the FAQ's order) — what the periodic schedule does, on demand.")

    def add_arguments(self, parser):
        parser.add_argument("--now", help="Count as if it were this time (ISO 8601 with a time zone; default now).")
        parser.add_argument("--window-days", type=int, default=30,
                            help="Days of use the popularity is computed over (default 30).")

    def handle(self, *args, **options):
        now = None
        if options["now"]:
            try:
                now = datetime.datetime.fromisoformat(options["now"])
            except ValueError:
                raise CommandError(f"--now is not a time: {options['now']!r}") from None
            if now.tzinfo is None:
                raise CommandError("--now needs a time zone, e.g. 2026-12-07T10:00:00+08:00.")
        if not 1 <= options["window_days"] <= 3650:
            raise CommandError("--window-days is 1 to 3650.")
        deflected = ranking.count_deflections(now=now)
        ranked = ranking.refresh_popularity(options["window_days"], now=now)
        self.stdout.write(f"{deflected} deflection(s) counted, {ranked} article(s) ranked.")
