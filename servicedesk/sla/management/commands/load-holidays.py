from django.core.management.base import BaseCommand, CommandError

from servicedesk.sla.calendars import load_official_days_into
from servicedesk.sla.holidays import official_days_info
from servicedesk.sla.models import Calendar


class Command(BaseCommand):
    help = (
        "Load a country's official holidays and adjusted working days (调休) from the data file in "
        "servicedesk/sla/holidays/ into a calendar. Safe to run again: official dates are reset to the "
        "notice, the calendar's own days are kept."
    )

    def add_arguments(self, parser):
        parser.add_argument("--calendar", help="Calendar name or id (default: the default calendar).")
        parser.add_argument("--country", default="CN", help="Country code of the data file (default CN).")
        parser.add_argument("--years", type=int, nargs="*", help="Only these years (default: all in the file).")
        parser.add_argument("--works-as", type=int, default=0,
                            help="Weekday whose hours adjusted working days work, 0 = Monday (default).")

    def handle(self, *args, **options):
        name = options["calendar"]
        if name is None:
            calendar = Calendar.objects.filter(is_default=True).order_by("id").first()
        else:
            query = Calendar.objects.filter(name=name)
            if name.isdigit():
                query = query | Calendar.objects.filter(pk=int(name))
            calendar = query.first()
        if calendar is None:
            raise CommandError(f"No calendar {name!r}." if name else "No default calendar; pass --calendar.")
        if not 0 <= options["works_as"] <= 6:
            raise CommandError("--works-as is a weekday 0 (Monday) to 6 (Sunday).")
        try:
            info = official_days_info(options["country"])
            count = load_official_days_into(calendar, country=options["country"], years=options["years"],
                                            works_as=options["works_as"])
        except LookupError as exc:
            raise CommandError(str(exc)) from None
        years = options["years"] or sorted(info["years"])
        self.stdout.write(f"{calendar.name}: {count} official days of {info['country']} for "
                          f"{', '.join(map(str, years))} loaded.")
