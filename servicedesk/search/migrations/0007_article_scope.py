"""The columns article search filters by, beside each article document (search.articles): who may read it
(audience) and its service. PostgreSQL: in search_articledocument itself, so the candidate pool is read
from one table; SQLite: a plain table search_articlescope (FTS5 would read an article's whole stored text
to give one of its columns)."""

from django.db import migrations


def create(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(
            "ALTER TABLE search_articledocument ADD COLUMN IF NOT EXISTS audience varchar(16) NOT NULL DEFAULT '', "
            "ADD COLUMN IF NOT EXISTS service_id bigint NULL"
        )
    else:
        schema_editor.execute(
            "CREATE TABLE IF NOT EXISTS search_articlescope "
            "(article_id integer PRIMARY KEY, audience varchar(16) NOT NULL, service_id integer NULL)"
        )


def fill(apps, schema_editor):
    from servicedesk.search.articles import rebuild_articles

    if apps.get_model("knowledge", "Article").objects.using(schema_editor.connection.alias).filter(is_live=True).exists():
        rebuild_articles(using=schema_editor.connection.alias)


def drop(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(
            "ALTER TABLE search_articledocument DROP COLUMN IF EXISTS audience, DROP COLUMN IF EXISTS service_id"
        )
    else:
        schema_editor.execute("DROP TABLE IF EXISTS search_articlescope")


class Migration(migrations.Migration):
    atomic = False

    dependencies = [("search", "0006_stemmed_tickets")]

    operations = [
        migrations.RunPython(create, drop),
        migrations.RunPython(fill, migrations.RunPython.noop),
    ]
