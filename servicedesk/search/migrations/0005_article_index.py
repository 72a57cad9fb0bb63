"""The article index's table (search.articles): PostgreSQL full text or an SQLite FTS5 table."""

from django.db import migrations


def create(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        # No foreign key to the article table, for the reason 0002 gives for tickets (flush).
        schema_editor.execute(
            "CREATE TABLE IF NOT EXISTS search_articledocument (article_id bigint PRIMARY KEY, document tsvector NOT NULL)"
        )
    else:
        schema_editor.execute(
            "CREATE VIRTUAL TABLE IF NOT EXISTS search_article_fts USING fts5("
            "title, keywords, summary, body, tokenize = 'unicode61 remove_diacritics 0')"
        )


def fill(apps, schema_editor):
    # Existing live articles are indexed with the current code, as `servicedesk reindex-search` does.
    from servicedesk.search.articles import rebuild_articles

    if apps.get_model("knowledge", "Article").objects.using(schema_editor.connection.alias).filter(is_live=True).exists():
        rebuild_articles(using=schema_editor.connection.alias)


def create_index(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(
            "CREATE INDEX IF NOT EXISTS search_articledocument_gin ON search_articledocument USING gin (document)"
        )


def drop(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute("DROP TABLE IF EXISTS search_articledocument")
    else:
        schema_editor.execute("DROP TABLE IF EXISTS search_article_fts")


class Migration(migrations.Migration):
    atomic = False

    dependencies = [("search", "0004_default_synonyms"), ("knowledge", "0001_initial")]

    operations = [
        migrations.RunPython(create, drop),
        migrations.RunPython(fill, migrations.RunPython.noop),
        migrations.RunPython(create_index, migrations.RunPython.noop),
    ]
