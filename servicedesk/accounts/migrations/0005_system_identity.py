"""The desk's one system identity (accounts.identity): made on every desk, and the mail robot of
earlier versions deactivated. What the robot did stays attributed to it (the tickets' history is
append-only); it is shown like the system identity."""

from django.conf import settings
from django.contrib.auth.hashers import make_password
from django.db import migrations


def forwards(apps, schema_editor):
    User = apps.get_model("accounts", "User")
    system, _created = User.objects.get_or_create(
        username=settings.SERVICEDESK_SYSTEM_USERNAME,
        defaults={"role": "manager", "first_name": "Service desk", "last_name": "(system)", "is_active": True},
    )
    system.password = make_password(None)  # unusable: it never signs in
    system.role = "manager"
    system.is_active = True
    system.save(update_fields=["password", "role", "is_active"])
    User.objects.filter(username="mail-robot").update(is_active=False, password=make_password(None))


def backwards(apps, schema_editor):
    User = apps.get_model("accounts", "User")
    User.objects.filter(username="mail-robot").update(is_active=True)


class Migration(migrations.Migration):

    dependencies = [
        ("accounts", "0004_group_name_zh"),
    ]

    operations = [
        migrations.RunPython(forwards, backwards),
    ]
