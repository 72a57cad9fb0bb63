"""Policies that pause on the customer also pause while a ticket waits for approval: an approval policy pends
its ticket only when it means to stop the clock (servicedesk.approvals)."""

from django.db import migrations


def pause_on_approval(apps, schema_editor):
    SlaPolicy = apps.get_model("sla", "SlaPolicy")
    for policy in SlaPolicy.objects.all():
        reasons = list(policy.pause_reasons or [])
        if "customer" in reasons and "approval" not in reasons:
            policy.pause_reasons = [*reasons, "approval"]
            policy.save(update_fields=["pause_reasons"])


class Migration(migrations.Migration):
    dependencies = [("sla", "0007_calendar_day_source")]

    operations = [migrations.RunPython(pause_on_approval, migrations.RunPython.noop)]
