"""Default escalation rules: warn the assignee, the owner and the group lead at 75 %; at the breach tell them
and the desk managers. Administrators edit them (and add functional moves) afterwards."""

from django.db import migrations

RULES = [
    # name, order, threshold, assignee, owner, group lead, managers
    ("Warn at 75 %", 10, 75, True, True, True, False),
    ("Breach: tell the desk managers", 20, 100, True, True, True, True),
]


def create_defaults(apps, schema_editor):
    EscalationRule = apps.get_model("sla", "EscalationRule")
    if EscalationRule.objects.exists():
        return
    for name, order, threshold, assignee, owner, lead, managers in RULES:
        EscalationRule.objects.create(
            name=name, order=order, threshold=threshold, notify_assignee=assignee, notify_owner=owner,
            notify_group_lead=lead, notify_managers=managers,
        )


class Migration(migrations.Migration):
    dependencies = [("sla", "0003_watching")]

    operations = [migrations.RunPython(create_defaults, migrations.RunPython.noop)]
