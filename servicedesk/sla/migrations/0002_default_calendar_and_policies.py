"""The default calendar (China mainland office hours) and the default SLA policies of seed 003;
administrators edit both afterwards. Its official holidays and 调休 days are loaded by 0007, once
calendar days record where they came from."""

from django.db import migrations

CALENDAR = "China mainland office hours"
OFFICE = [["09:00", "12:00"], ["13:00", "18:00"]]
FOLLOW_UP = 480  # routed requests are followed up daily (one working day)

POLICIES = [
    # name, order, priorities, first response, resolution (business minutes)
    ("Critical", 10, [1], 60, 480),
    ("High", 20, [2], 60, 960),
    ("Medium", 30, [3], 480, 2400),
    ("Low and planning", 40, [4, 5], 960, 4800),
]


def create_defaults(apps, schema_editor):
    Calendar = apps.get_model("sla", "Calendar")
    SlaPolicy = apps.get_model("sla", "SlaPolicy")
    calendar, _created = Calendar.objects.get_or_create(
        name=CALENDAR,
        defaults={"time_zone": "Asia/Shanghai", "is_default": not Calendar.objects.filter(is_default=True).exists(),
                  "weekly": {str(day): OFFICE for day in range(5)}},
    )
    if SlaPolicy.objects.exists():
        return
    for name, order, priorities, first_response, resolution in POLICIES:
        SlaPolicy.objects.create(
            name=name, order=order, calendar=calendar, priorities=priorities,
            first_response_minutes=first_response, resolution_minutes=resolution, follow_up_minutes=FOLLOW_UP,
            pause_statuses=["pending"], pause_reasons=["customer"], restart_on_reopen=True,
        )


class Migration(migrations.Migration):
    dependencies = [("sla", "0001_initial")]

    operations = [migrations.RunPython(create_defaults, migrations.RunPython.noop)]
