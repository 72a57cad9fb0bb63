from django.apps import AppConfig
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _


def clear_orphans_after_flush(sender, using="default", **kwargs) -> None:
    """`flush` empties the ticket table but not the index (not a model's table); it then sends
    post_migrate. With no tickets left, no document may stay. (A desk with tickets is untouched.)"""
    from django.db import connections

    from servicedesk.tickets.models import Ticket

    from .index import FTS_TABLE, PG_TABLE

    connection = connections[using]
    if Ticket.objects.using(using).exists():
        return
    table = PG_TABLE if connection.vendor == "postgresql" else FTS_TABLE
    if table not in connection.introspection.table_names(include_views=False) and connection.vendor == "postgresql":
        return
    with connection.cursor() as cursor:
        try:
            cursor.execute(f"DELETE FROM {table}")
        except Exception:  # the table does not exist yet (migrations not applied up to search)
            pass


class SearchConfig(AppConfig):
    name = "servicedesk.search"
    label = "search"
    verbose_name = _("Search")

    def ready(self) -> None:
        from . import receivers  # noqa: F401  (connects the signals that keep the index current)

        post_migrate.connect(clear_orphans_after_flush, sender=self, dispatch_uid="search-clear-orphans")
