"""The index's table: PostgreSQL full text or an SQLite FTS5 table, whichever the database is."""

from django.db import migrations


def create(apps, schema_editor):
    ticket_table = apps.get_model("tickets", "Ticket")._meta.db_table
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(
            "CREATE TABLE IF NOT EXISTS search_ticketdocument ("
            f" ticket_id bigint PRIMARY KEY REFERENCES {ticket_table} (id) ON DELETE CASCADE"
            " DEFERRABLE INITIALLY DEFERRED,"
            " document tsvector NOT NULL)"
        )
    elif schema_editor.connection.vendor == "sqlite":
        schema_editor.execute(
            "CREATE VIRTUAL TABLE IF NOT EXISTS search_ticket_fts USING fts5(title, body, tokenize = 'unicode61 remove_diacritics 0')"
        )
    else:
        raise RuntimeError("Ticket search needs PostgreSQL or SQLite.")


def create_index(apps, schema_editor):
    # After the fill: one GIN build is much faster than growing the index row by row.
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute("CREATE INDEX IF NOT EXISTS search_ticketdocument_gin ON search_ticketdocument USING gin (document)")


def drop(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute("DROP TABLE IF EXISTS search_ticketdocument")
    else:
        schema_editor.execute("DROP TABLE IF EXISTS search_ticket_fts")


def fill(apps, schema_editor):
    # An existing desk gets its tickets indexed now; a new one has none. Uses the current code
    # (tokenizer, document layout), as `servicedesk reindex-search` does.
    from servicedesk.search.index import rebuild

    Ticket = apps.get_model("tickets", "Ticket")
    if Ticket.objects.using(schema_editor.connection.alias).exists():
        rebuild(using=schema_editor.connection.alias)


class Migration(migrations.Migration):
    # Not one transaction: the table is created and committed first, then the existing tickets are
    # indexed batch by batch (minutes at a million tickets) without holding a lock on the ticket table.
    atomic = False

    dependencies = [("tickets", "0004_unassigned_and_intake_queue_indexes")]

    operations = [
        migrations.RunPython(create, drop),
        migrations.RunPython(fill, migrations.RunPython.noop),
        migrations.RunPython(create_index, migrations.RunPython.noop),
    ]
