"""Django's `flush`, able to empty the append-only tables on SQLite (see core.appendonly)."""

from django.core.management.commands import flush
from django.db import DEFAULT_DB_ALIAS, connections, transaction

from servicedesk.core.appendonly import SUFFIX


class Command(flush.Command):
    def handle(self, **options):
        connection = connections[options.get("database", DEFAULT_DB_ALIAS)]
        if connection.vendor != "sqlite":  # TRUNCATE fires no row triggers
            return super().handle(**options)
        # Its DELETEs run in any order: a history row's before its ticket's, which the guard refuses.
        with transaction.atomic(using=connection.alias), connection.cursor() as cursor:
            cursor.execute("SELECT name, sql FROM sqlite_master WHERE type = 'trigger' AND name LIKE %s ESCAPE '\\'",
                           ["%" + SUFFIX.replace("_", "\\_") + "%"])
            guards = cursor.fetchall()
            for name, _sql in guards:
                cursor.execute(f"DROP TRIGGER {connection.ops.quote_name(name)}")
            super().handle(**options)
            for _name, sql in guards:
                cursor.execute(sql)
