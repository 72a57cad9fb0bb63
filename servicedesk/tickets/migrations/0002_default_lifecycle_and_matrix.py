from django.db import migrations

from servicedesk.tickets import defaults


def seed(apps, schema_editor):
    Transition = apps.get_model("tickets", "Transition")
    PriorityRule = apps.get_model("tickets", "PriorityRule")
    for order, (action, label, label_zh, sources, target, roles, requester_may) in enumerate(defaults.TRANSITIONS):
        Transition.objects.get_or_create(
            action=action,
            defaults={
                "label": label, "label_zh": label_zh, "from_statuses": sources, "to_status": target,
                "roles": roles, "requester_may": requester_may, "order": order,
            },
        )
    for impact, urgency, priority in defaults.PRIORITY_MATRIX:
        PriorityRule.objects.get_or_create(impact=impact, urgency=urgency, defaults={"priority": priority})


class Migration(migrations.Migration):
    dependencies = [("tickets", "0001_initial")]
    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
