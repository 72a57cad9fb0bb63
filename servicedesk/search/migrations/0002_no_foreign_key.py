"""The index's PostgreSQL table keeps no foreign key to the ticket table.

With one, PostgreSQL refuses a TRUNCATE of the ticket table that does not name the index too, and
Django's `flush` (used between transactional tests, and by administrators) truncates only the
models' tables. Rows of deleted tickets are removed by the post_delete receiver; rows left by a
flush are cleared by the post_migrate receiver that follows it (apps.py).
"""

from django.db import migrations


def drop_foreign_key(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(
            "ALTER TABLE search_ticketdocument DROP CONSTRAINT IF EXISTS search_ticketdocument_ticket_id_fkey"
        )


class Migration(migrations.Migration):
    dependencies = [("search", "0001_initial")]

    operations = [migrations.RunPython(drop_foreign_key, migrations.RunPython.noop)]
