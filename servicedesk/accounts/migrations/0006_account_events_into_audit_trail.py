"""Account events (tokens issued and revoked, sign-in unlocked) move into the one audit trail (core.AuditEntry):
each is copied as an event on the person's account, with its author, time and note. The channel an event
came through was not kept before: copied events say "system"; one with no author is the system identity's."""

from django.conf import settings
from django.db import migrations


def copy_events(apps, schema_editor):
    AccountEvent = apps.get_model("accounts", "AccountEvent")
    AuditEntry = apps.get_model("core", "AuditEntry")
    ContentType = apps.get_model("contenttypes", "ContentType")
    user_type, _ = ContentType.objects.get_or_create(app_label="accounts", model="user")
    system_name = getattr(settings, "SERVICEDESK_SYSTEM_USERNAME", "system")
    # Made by 0005: what nobody signed for (a command on the server) is the system identity's.
    system = apps.get_model("accounts", "User").objects.filter(username=system_name).first()
    events = AccountEvent.objects.select_related("user", "actor", "token").order_by("id")
    batch = []
    for event in events.iterator(chunk_size=2000):
        note = f"{event.token.prefix}… {event.note}".strip() if event.token_id else event.note
        batch.append(AuditEntry(
            at=event.at, actor_id=event.actor_id or (system.pk if system else None), actor_name=event.actor.username if event.actor_id else system_name,
            channel="system", content_type=user_type, object_id=str(event.user_id),
            object_repr=event.user.username[:200], action=event.kind, note=note[:500],
        ))
        if len(batch) >= 2000:
            AuditEntry.objects.bulk_create(batch)
            batch = []
    AuditEntry.objects.bulk_create(batch)


class Migration(migrations.Migration):

    dependencies = [
        ("accounts", "0005_system_identity"),
        ("contenttypes", "0002_remove_content_type_name"),
        ("core", "0002_audit_trail"),
    ]

    operations = [migrations.RunPython(copy_events, migrations.RunPython.noop)]
