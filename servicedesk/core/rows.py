"""Reading and writing rows on the hot paths (mail ingestion, ticket actions) with statements built
once per model.

`select` reads whole model instances as a queryset would (every concrete field, each value through
the same converters), for a WHERE clause the caller writes.

`insert` writes what `Model.save()` writes for a new row: each field's `pre_save` (defaults,
auto_now, files already stored) and database preparation, `pre_save`/`post_save` signals with
`created=True`, the primary key read back with RETURNING. `update` writes named columns of an
existing row, with the signals `save(update_fields=...)` sends, and raises as it does when the row is
gone. What they leave out is the ORM's statement compilation, which costs more than running the
statement on both databases (measured by `bench.ingest`, again in bench/README.md "core.rows: guarded or
replaced"). Without a compiler they cannot write expressions (`F()`, `Now()`, a field's `db_default`):
such a value is a TypeError, never a row written wrong. Callers pass instances whose related objects
are saved (as the actions do). The append-only tables are guarded by the database (triggers, see
`core.appendonly`), whichever way a statement reaches them.
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import cache
from typing import TypeVar

from django.db import DatabaseError, connections, models, router
from django.db.models.signals import post_save, pre_save

M = TypeVar("M", bound=models.Model)
# Parameters in one statement, under SQLite's limit (32,766) and PostgreSQL's (65,535).
MAX_PARAMETERS = 30_000


@cache
def _columns(model: type[models.Model], alias: str) -> tuple[tuple[str, ...], tuple, tuple]:
    """Every concrete column of `model` as table.column, their attnames, and (index, column, converters)."""
    meta = model._meta
    connection = connections[alias]
    quote = connection.ops.quote_name
    fields = tuple(meta.concrete_fields)
    converters = []
    for index, field in enumerate(fields):
        column = field.get_col(meta.db_table)
        found = connection.ops.get_db_converters(column) + column.get_db_converters(connection)
        if found:
            converters.append((index, column, tuple(found)))
    table = quote(meta.db_table)
    return tuple(f"{table}.{quote(f.column)}" for f in fields), tuple(f.attname for f in fields), tuple(converters)


@cache
def _select_plan(model: type[models.Model], alias: str) -> tuple[str, tuple, tuple]:
    columns, names, converters = _columns(model, alias)
    return f"SELECT {', '.join(columns)} FROM {connections[alias].ops.quote_name(model._meta.db_table)} WHERE ", \
        names, converters


def _build(model: type[M], using: str, names: tuple, converters: tuple, row, connection) -> M:
    if converters:
        row = list(row)
        for index, column, functions in converters:
            value = row[index]
            for function in functions:
                value = function(value, column, connection)
            row[index] = value
    return model.from_db(using, names, row)


def select(model: type[M], where: str, params: Sequence = (), *, for_update: bool = False,
           using: str | None = None) -> list[M]:
    """Instances of `model` whose rows match `where` (SQL after WHERE, may end with ORDER BY/LIMIT),
    built as a queryset builds them. for_update: lock the rows (where the database can)."""
    using = using or (router.db_for_write(model) if for_update else router.db_for_read(model))
    connection = connections[using]
    sql, names, converters = _select_plan(model, using)
    sql += where
    if for_update and connection.features.has_select_for_update:
        sql += " FOR UPDATE"
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        fetched = cursor.fetchall()
    return [_build(model, using, names, converters, row, connection) for row in fetched]


@cache
def _joined_plan(model: type[models.Model], name: str, alias: str) -> tuple[str, models.Field, int]:
    field = model._meta.get_field(name)
    related = field.related_model
    quote = connections[alias].ops.quote_name
    own, _names, _converters = _columns(model, alias)
    theirs, _names, _converters = _columns(related, alias)
    table, other = quote(model._meta.db_table), quote(related._meta.db_table)
    join = "LEFT OUTER JOIN" if field.null else "INNER JOIN"
    sql = (f"SELECT {', '.join(own + theirs)} FROM {table} {join} {other} "
           f"ON {table}.{quote(field.column)} = {other}.{quote(field.target_field.column)} WHERE ")
    return sql, field, len(own)


def select_related(model: type[M], name: str, where: str, params: Sequence = (), *,
                   using: str | None = None) -> list[M]:
    """As `select`, each instance with its foreign key `name` read in the same statement (a join, as
    `select_related(name)` joins: LEFT OUTER for a nullable key): `where` names its columns with their
    table (`"tickets_ticket"."number" = %s`)."""
    using = using or router.db_for_read(model)
    connection = connections[using]
    sql, field, width = _joined_plan(model, name, using)
    related = field.related_model
    _columns_a, names, converters = _columns(model, using)
    _columns_b, related_names, related_converters = _columns(related, using)
    key = width + related_names.index(related._meta.pk.attname)
    with connection.cursor() as cursor:
        cursor.execute(sql + where, params)
        fetched = cursor.fetchall()
    found = []
    for row in fetched:
        obj = _build(model, using, names, converters, row[:width], connection)
        other = None if row[key] is None else _build(related, using, related_names, related_converters,
                                                     row[width:], connection)
        field.set_cached_value(obj, other)
        found.append(obj)
    return found


def _value(field: models.Field, value, connection):
    if hasattr(value, "resolve_expression"):
        raise TypeError(f"core.rows cannot write the expression {value!r} into {field.model.__name__}.{field.name}: "
                        "give a value, or use the ORM")
    return field.get_db_prep_save(value, connection=connection)


@cache
def _insert_plan(model: type[models.Model], alias: str, rows: int) -> tuple[str, tuple]:
    meta = model._meta
    fields = tuple(f for f in meta.concrete_fields if not f.generated and not (f.primary_key and isinstance(
        f, models.AutoField | models.BigAutoField | models.SmallAutoField)))
    quote = connections[alias].ops.quote_name
    columns = ", ".join(quote(f.column) for f in fields)
    one = "(" + ", ".join(["%s"] * len(fields)) + ")"
    sql = (f"INSERT INTO {quote(meta.db_table)} ({columns}) VALUES {', '.join([one] * rows)} "
           f"RETURNING {quote(meta.pk.column)}")
    return sql, fields


def insert(obj: models.Model, using: str | None = None) -> models.Model:
    """INSERT one new row as `obj.save(force_insert=True)` would, and return `obj` with its key."""
    insert_many([obj], using)
    return obj


def insert_many(objs: Sequence[models.Model], using: str | None = None) -> Sequence[models.Model]:
    """INSERT new rows of one model in one statement (as `bulk_create`, but with the save signals and
    each field's `pre_save`, like `save()`); each gets its key."""
    if not objs:
        return objs
    model = type(objs[0])
    per_statement = max(1, MAX_PARAMETERS // len(model._meta.concrete_fields))
    if len(objs) > per_statement:
        for start in range(0, len(objs), per_statement):
            insert_many(objs[start:start + per_statement], using)
        return objs
    using = using or router.db_for_write(model)
    connection = connections[using]
    sql, fields = _insert_plan(model, using, len(objs))
    params: list = []
    for obj in objs:
        pre_save.send(sender=model, instance=obj, raw=False, using=using, update_fields=None)
        params.extend(_value(f, f.pre_save(obj, True), connection) for f in fields)
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        keys = [row[0] for row in cursor.fetchall()]
    for obj, key in zip(objs, keys, strict=True):
        obj.pk = key
        obj._state.adding = False
        obj._state.db = using
        post_save.send(sender=model, instance=obj, created=True, update_fields=None, raw=False, using=using)
    return objs


@cache
def _update_plan(model: type[models.Model], alias: str, names: tuple[str, ...]) -> tuple[str, tuple]:
    meta = model._meta
    fields = tuple(meta.get_field(name) for name in names)
    quote = connections[alias].ops.quote_name
    sets = ", ".join(f"{quote(f.column)} = %s" for f in fields)
    return f"UPDATE {quote(meta.db_table)} SET {sets} WHERE {quote(meta.pk.column)} = %s", fields


def update(obj: models.Model, update_fields: Sequence[str], using: str | None = None) -> None:
    """UPDATE the named columns of an existing row as `obj.save(update_fields=...)` would (signals
    included, and its DatabaseError when no row has the key). Field names, not attnames: "group", not
    "group_id"."""
    model = type(obj)
    using = using or obj._state.db or router.db_for_write(model)
    connection = connections[using]
    names = tuple(update_fields)
    sql, fields = _update_plan(model, using, names)
    frozen = frozenset(names)
    pre_save.send(sender=model, instance=obj, raw=False, using=using, update_fields=frozen)
    params = [_value(f, f.pre_save(obj, False), connection) for f in fields]
    params.append(obj.pk)
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        if cursor.rowcount != 1:
            raise DatabaseError(f"Save with update_fields did not affect any rows ({model.__name__} {obj.pk}).")
    post_save.send(sender=model, instance=obj, created=False, update_fields=frozen, raw=False, using=using)
