"""Append-only tables (a ticket's history, a person's account events), guarded by the database.

`Model.save()`/`delete()` overrides guard only the ORM's own path; `core.rows`, a queryset's
`update()`, a shell or a script reach the rows without them. A migration adds triggers (SQLite and
PostgreSQL) that refuse, with an IntegrityError:
- every UPDATE, except one that only sets the named columns to NULL (what `on_delete=SET_NULL` does
  when the row a column points at is deleted);
- a DELETE while the row's parent still exists.
The rows go with their parent: the parent's deletion removes them in the same statement (a trigger
on the parent), so the model's foreign key to the parent is `on_delete=DO_NOTHING` — Django's
collector would delete the rows before the parent, which the guard refuses.

`flush` (tests, `servicedesk flush`) empties every table in no particular order: on SQLite it runs
with the guards `lifted` (core/management/commands/flush.py); PostgreSQL's TRUNCATE fires no row
triggers. Trigger names have `_append_only_` in them, which is how `lifted` finds them.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager

from django.db import DEFAULT_DB_ALIAS, connections, migrations, transaction

SUFFIX = "_append_only_"


def _statements(model, parent_field: str, nullable: Sequence[str], quote, vendor: str) -> tuple[list[str], list[str]]:
    meta = model._meta
    foreign_key = meta.get_field(parent_field)
    table, parent = meta.db_table, foreign_key.related_model._meta.db_table
    key, parent_key = foreign_key.column, foreign_key.target_field.column
    settable = {meta.get_field(name).column for name in nullable}
    same = "IS" if vendor == "sqlite" else "IS NOT DISTINCT FROM"
    kept = " AND ".join(
        f"(NEW.{quote(c)} {same} OLD.{quote(c)} OR NEW.{quote(c)} IS NULL)" if c in settable
        else f"NEW.{quote(c)} {same} OLD.{quote(c)}"
        for c in (f.column for f in meta.concrete_fields))
    refuse_update = f"WHEN (NOT ({kept}))" if settable else ""
    parent_exists = f"EXISTS (SELECT 1 FROM {quote(parent)} WHERE {quote(parent_key)} = OLD.{quote(key)})"
    message = f"{table} is append-only"
    names = {what: quote(f"{table}{SUFFIX}{what}") for what in ("update", "delete", "cascade")}
    if vendor == "sqlite":
        create = [
            f"CREATE TRIGGER {names['update']} BEFORE UPDATE ON {quote(table)} {refuse_update} "
            f"BEGIN SELECT RAISE(ABORT, '{message}'); END",
            f"CREATE TRIGGER {names['delete']} BEFORE DELETE ON {quote(table)} WHEN {parent_exists} "
            f"BEGIN SELECT RAISE(ABORT, '{message}'); END",
            f"CREATE TRIGGER {names['cascade']} AFTER DELETE ON {quote(parent)} "
            f"BEGIN DELETE FROM {quote(table)} WHERE {quote(key)} = OLD.{quote(parent_key)}; END",
        ]
        drop = [f"DROP TRIGGER IF EXISTS {name}" for name in names.values()]
        return create, drop
    refuse, cascade = quote(f"{table}{SUFFIX}refuse"), quote(f"{table}{SUFFIX}follow")
    create = [
        # restrict_violation (SQLSTATE 23001): an IntegrityError, as SQLite's RAISE(ABORT) is.
        f"CREATE OR REPLACE FUNCTION {refuse}() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN "
        f"IF TG_OP = 'UPDATE' OR {parent_exists} THEN "
        f"RAISE EXCEPTION '{message}' USING ERRCODE = 'restrict_violation'; END IF; RETURN OLD; END $$",
        f"CREATE OR REPLACE FUNCTION {cascade}() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN "
        f"DELETE FROM {quote(table)} WHERE {quote(key)} = OLD.{quote(parent_key)}; RETURN NULL; END $$",
        f"CREATE TRIGGER {names['update']} BEFORE UPDATE ON {quote(table)} FOR EACH ROW {refuse_update} "
        f"EXECUTE FUNCTION {refuse}()",
        f"CREATE TRIGGER {names['delete']} BEFORE DELETE ON {quote(table)} FOR EACH ROW EXECUTE FUNCTION {refuse}()",
        f"CREATE TRIGGER {names['cascade']} AFTER DELETE ON {quote(parent)} FOR EACH ROW EXECUTE FUNCTION {cascade}()",
    ]
    drop = [f"DROP TRIGGER IF EXISTS {names['update']} ON {quote(table)}",
            f"DROP TRIGGER IF EXISTS {names['delete']} ON {quote(table)}",
            f"DROP TRIGGER IF EXISTS {names['cascade']} ON {quote(parent)}",
            f"DROP FUNCTION IF EXISTS {refuse}()", f"DROP FUNCTION IF EXISTS {cascade}()"]
    return create, drop


def guard(app_label: str, model_name: str, *, parent: str, nullable: Sequence[str] = ()) -> migrations.RunPython:
    """A migration operation that makes the model's table append-only: `parent` names the foreign key
    whose row the rows go with; `nullable`, foreign keys `on_delete=SET_NULL` may clear. With
    `nullable`, the UPDATE guard lists the table's columns as the migration's state has them: a later
    migration that adds a column calls `guard` again (it replaces the triggers)."""

    def run(apps, schema_editor, *, index: int):
        model = apps.get_model(app_label, model_name)
        connection = schema_editor.connection
        for sql in _statements(model, parent, nullable, connection.ops.quote_name, connection.vendor)[index]:
            schema_editor.execute(sql, params=None)

    def forward(apps, schema_editor):
        run(apps, schema_editor, index=1)
        run(apps, schema_editor, index=0)

    def backward(apps, schema_editor):
        run(apps, schema_editor, index=1)

    return migrations.RunPython(forward, backward)


@contextmanager
def lifted(using: str = DEFAULT_DB_ALIAS) -> Iterator[None]:
    """The guards off for the block, inside one transaction: for `flush`, and for tests that move a
    ticket's history back in time. Never for the desk's own writes. PostgreSQL: for the tables' owner
    (ALTER TABLE … DISABLE TRIGGER, undone at the end of the block; no superuser needed)."""
    connection = connections[using]
    quote = connection.ops.quote_name
    with transaction.atomic(using=using), connection.cursor() as cursor:
        if connection.vendor != "sqlite":
            cursor.execute("SELECT c.relname, t.tgname FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid "
                           "WHERE t.tgname LIKE %s AND NOT t.tgisinternal", ["%" + SUFFIX + "%"])
            guards = cursor.fetchall()
            # A table with deferred foreign-key checks still pending cannot be altered: run them now.
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
            cursor.execute("SET CONSTRAINTS ALL DEFERRED")
            for table, name in guards:
                cursor.execute(f"ALTER TABLE {quote(table)} DISABLE TRIGGER {quote(name)}")
            yield
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
            cursor.execute("SET CONSTRAINTS ALL DEFERRED")
            for table, name in guards:
                cursor.execute(f"ALTER TABLE {quote(table)} ENABLE TRIGGER {quote(name)}")
            return
        cursor.execute("SELECT name, sql FROM sqlite_master WHERE type = 'trigger' AND name LIKE %s ESCAPE '\\'",
                       ["%" + SUFFIX.replace("_", "\\_") + "%"])
        guards = cursor.fetchall()
        for name, _sql in guards:
            cursor.execute(f"DROP TRIGGER {connection.ops.quote_name(name)}")
        yield
        for _name, sql in guards:
            cursor.execute(sql)
