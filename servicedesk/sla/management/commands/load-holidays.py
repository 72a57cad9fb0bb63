from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from servicedesk.sla.calendars import load_official_days_into
from servicedesk.sla.holidays import official_days_info
from servicedesk.sla.models import Calendar


class Command(BaseCommand):
    help = (
        "Load a country's official holidays and adjusted working days (调休) into a calendar: from the "
        "chinesecalendar package for CN, the holidays package for other countries. Safe to run again: days "
        "it loaded before are brought up to the source, days entered or changed by hand in the admin are kept."
    )

    def add_arguments(self, parser):
        parser.add_argument("--calendar", help="Calendar name or id (default: the default calendar).")
        parser.add_argument("--country", default="CN", help="Country code (default CN).")
        parser.add_argument("--year", "--years", dest="years", type=int, nargs="+", action="extend",
                            help="The years to load, e.g. --year 2027 (default: for CN every year the source "
                                 "covers from this one on, else this year).")
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
            this_year = timezone.localdate().year
            years = options["years"] or (
                [y for y in info["years"] if y >= this_year] if info["years"] is not None else [this_year])
            if not years:
                raise CommandError(
                    f"{info['source']} covers no year from {this_year} on: upgrade it (pip install -U "
                    "chinesecalendar) once the State Council has published the year's notice, or pass --year."
                )
            loaded = load_official_days_into(calendar, country=options["country"], years=years,
                                             works_as=options["works_as"])
        except LookupError as exc:
            raise CommandError(str(exc)) from None
        self.stdout.write(
            f"{calendar.name}: {loaded.total} official days of {info['country']} for "
            f"{', '.join(map(str, sorted(set(years))))} from {info['source']}: {loaded.created} added, "
            f"{loaded.updated} updated, {loaded.kept} set by hand kept."
        )
