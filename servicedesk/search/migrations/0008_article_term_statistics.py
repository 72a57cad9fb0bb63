"""SQLite: the statistics article search ranks by (search.articles: BM25 computed from kept counts instead of
FTS5's bm25(), which counts every query word's documents at each search). PostgreSQL: nothing (ts_rank needs
no counts)."""

from django.db import migrations


def create(apps, schema_editor):
    if schema_editor.connection.vendor != "sqlite":
        return
    schema_editor.execute("CREATE TABLE IF NOT EXISTS search_articleterms "
                          "(article_id integer PRIMARY KEY, length integer NOT NULL, terms text NOT NULL)")
    schema_editor.execute("CREATE TABLE IF NOT EXISTS search_articleterm_df "
                          "(term text PRIMARY KEY, df integer NOT NULL) WITHOUT ROWID")
    schema_editor.execute("CREATE TABLE IF NOT EXISTS search_articlestats "
                          "(id integer PRIMARY KEY CHECK (id = 1), documents integer NOT NULL, tokens integer NOT NULL)")
    schema_editor.execute("INSERT OR IGNORE INTO search_articlestats (id, documents, tokens) VALUES (1, 0, 0)")


def fill(apps, schema_editor):
    from servicedesk.search.articles import rebuild_articles

    alias = schema_editor.connection.alias
    if schema_editor.connection.vendor == "sqlite" and apps.get_model("knowledge", "Article").objects.using(
            alias).filter(is_live=True).exists():
        rebuild_articles(using=alias)


def drop(apps, schema_editor):
    if schema_editor.connection.vendor == "sqlite":
        for table in ("search_articleterms", "search_articleterm_df", "search_articlestats"):
            schema_editor.execute(f"DROP TABLE IF EXISTS {table}")


class Migration(migrations.Migration):
    atomic = False

    dependencies = [("search", "0007_article_scope")]

    operations = [
        migrations.RunPython(create, drop),
        migrations.RunPython(fill, migrations.RunPython.noop),
    ]
