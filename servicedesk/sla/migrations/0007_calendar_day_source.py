"""Calendar days say where they came from, so load-holidays never overwrites a day set by hand.

Days that equal the official data (loaded from the former data file) are marked official; the
default calendar gets the official days of 2025–2026 (a new desk's, or any it lacks)."""

from django.db import migrations, models

from servicedesk.sla.calendars import load_official_days_into
from servicedesk.sla.holidays import load_official_days

CALENDAR = "China mainland office hours"  # created by 0002
YEARS = [2025, 2026]


def mark_and_load(apps, schema_editor):
    Calendar = apps.get_model("sla", "Calendar")
    CalendarDay = apps.get_model("sla", "CalendarDay")
    holidays, adjusted = load_official_days("CN", years=YEARS)
    official = {(d, "holiday") for d in holidays} | {(d, "workday") for d in adjusted}
    marked = [day for day in CalendarDay.objects.filter(date__in=[d for d, _kind in official])
              if (day.date, day.kind) in official]
    for day in marked:
        day.source = "official"
    CalendarDay.objects.bulk_update(marked, ["source"])
    calendar = Calendar.objects.filter(name=CALENDAR).first()
    if calendar is not None:
        load_official_days_into(calendar, country="CN", years=YEARS, day_model=CalendarDay)


class Migration(migrations.Migration):
    dependencies = [("sla", "0006_clock_sync")]

    operations = [
        migrations.AddField(
            model_name="calendarday",
            name="source",
            field=models.CharField(choices=[("manual", "Entered by hand"), ("official", "Loaded from the official calendar")],
                                   default="manual", max_length=8, verbose_name="source"),
        ),
        migrations.RunPython(mark_and_load, migrations.RunPython.noop),
    ]
