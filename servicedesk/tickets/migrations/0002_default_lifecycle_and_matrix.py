from django.db import migrations

from servicedesk.tickets import defaults


def seed(apps, schema_editor):
    defaults.ensure_defaults(apps.get_model("tickets", "Transition"), apps.get_model("tickets", "PriorityRule"))


class Migration(migrations.Migration):
    dependencies = [("tickets", "0001_initial")]
    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
