"""English words are stemmed from now on (search.tokens): ticket documents written before hold the
unstemmed words, which stemmed queries no longer find. A desk of up to REBUILD_UP_TO tickets is
re-indexed here (about a minute at that size); a larger one keeps answering from the old documents
until an administrator runs `servicedesk reindex-search` (safe while the desk runs), as the README's
upgrade notes say."""

import sys

from django.db import migrations

REBUILD_UP_TO = 100_000


def reindex(apps, schema_editor):
    from servicedesk.search.index import rebuild

    Ticket = apps.get_model("tickets", "Ticket")
    using = schema_editor.connection.alias
    if not Ticket.objects.using(using).exists():
        return
    if Ticket.objects.using(using).count() <= REBUILD_UP_TO:
        rebuild(using=using)
    else:
        sys.stdout.write("\n  Run `servicedesk reindex-search` now: ticket search finds stemmed words after it.\n")


class Migration(migrations.Migration):
    atomic = False

    dependencies = [("search", "0005_article_index")]

    operations = [migrations.RunPython(reindex, migrations.RunPython.noop)]
