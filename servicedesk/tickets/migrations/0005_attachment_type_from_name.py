"""Files stored before the desk decided their type keep the type their uploader claimed (text/html,
image/svg+xml, …): give every stored file the type the desk decides from its name, as new ones get."""

from django.db import migrations

from servicedesk.core.downloads import content_type_for


def decide_types(apps, schema_editor):
    Attachment = apps.get_model("tickets", "Attachment")
    changed = []
    for attachment in Attachment.objects.only("id", "filename", "content_type").iterator(chunk_size=2000):
        decided = content_type_for(attachment.filename)
        if attachment.content_type != decided:
            attachment.content_type = decided
            changed.append(attachment)
        if len(changed) >= 2000:
            Attachment.objects.bulk_update(changed, ["content_type"])
            changed = []
    Attachment.objects.bulk_update(changed, ["content_type"])


class Migration(migrations.Migration):
    dependencies = [("tickets", "0004_unassigned_and_intake_queue_indexes")]

    operations = [migrations.RunPython(decide_types, migrations.RunPython.noop)]
