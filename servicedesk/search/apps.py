from django.apps import AppConfig
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _


def clear_orphans_after_flush(sender, using="default", **kwargs) -> None:
    """`flush` empties the ticket and article tables but not the index (not a model's table); it then
    sends post_migrate. With no tickets (articles) left, no document of one may stay. (A desk with
    tickets or articles is untouched.)"""
    from django.db import connections

    from servicedesk.knowledge.models import Article
    from servicedesk.tickets.models import Ticket

    from . import articles, index

    connection = connections[using]
    existing = connection.introspection.table_names(include_views=False)
    for model, pg_table, fts_table in ((Ticket, index.PG_TABLE, index.FTS_TABLE),
                                       (Article, articles.PG_TABLE, articles.FTS_TABLE)):
        table = pg_table if connection.vendor == "postgresql" else fts_table
        if table not in existing or model.objects.using(using).exists():
            continue
        with connection.cursor() as cursor:
            cursor.execute(f"DELETE FROM {table}")


def rebuild_after_restore(sender, using="default", progress=None, **kwargs) -> None:
    """A restored desk's index is rebuilt, not archived: it is derived from the tickets and articles."""
    from . import articles, index

    progress.start(_("search index"), 0)
    progress.advance(index.rebuild(using=using) + articles.rebuild_articles(using=using))
    progress.finish(unit="documents")


class SearchConfig(AppConfig):
    name = "servicedesk.search"
    label = "search"
    verbose_name = _("Search")

    def ready(self) -> None:
        from servicedesk.core import backup, refdata

        from . import (
            receivers,  # noqa: F401  (connects the signals that keep the index current)
            synonyms,
            tokens,
        )
        from .models import Synonym

        refdata.watch(Synonym)
        tokens.words_from(synonyms.words)
        post_migrate.connect(clear_orphans_after_flush, sender=self, dispatch_uid="search-clear-orphans")
        backup.restored.connect(rebuild_after_restore, dispatch_uid="search-rebuild-after-restore")
