"""Reference data for screens, cached: groups, categories, people lists, lifecycle transitions.

This module is the mechanism; the lists live with the app that owns their tables (accounts.refdata,
tickets.refdata, intake.refdata, routing.refdata, console's canned responses), and each app names the
models they read in its ready() (`watch()`).

Every ticket page and queue page showed the same few small tables (drop-downs of groups, categories,
agents; the transition rows), read afresh each time: a third of a ticket page's queries. They are
cached here under one version number that any change to those tables bumps (signals below), so a
change shows on the next page. The cache is per process unless SERVICEDESK_CACHE_URL names a shared
one; another process then shows the old lists for at most TIMEOUT seconds.

Writes read through it too, with `fresh=True`: the priority matrix (tickets.actions),
the routing rules (routing.engine, on every new ticket), the mailboxes and the desks' ticket prefixes
(the mail ingester) — once per ticket or message otherwise. Those entries are keyed by a second
version kept in the database (`ReferenceVersion`), bumped by the same signals inside the changing
transaction, and read with one indexed statement: a committed change applies at once in every
process, whatever the cache; a rolled-back one changes nothing. Changes that send no signal
(`QuerySet.update`, raw SQL) must call `changed()` themselves.
"""

import contextlib
import logging
from collections.abc import Callable
from typing import TypeVar

from django.core.cache import cache
from django.db import DEFAULT_DB_ALIAS, connections, transaction
from django.utils import translation

T = TypeVar("T")
VERSION_KEY = "refdata:version"
TIMEOUT = 60
log = logging.getLogger(__name__)


def _unreachable(error: Exception) -> None:
    # A shared cache that does not answer (Redis restarting) is no reason to refuse a page or to fail a
    # request after its change is committed: the lists are built from the database meanwhile, and entries
    # written before it went away expire within TIMEOUT once it is back.
    log.warning("The reference-data cache does not answer (%s): reading the database", error)


def version() -> int | None:
    """The cached lists' version; None while the cache does not answer."""
    try:
        return cache.get_or_set(VERSION_KEY, 1, None)
    except Exception as error:
        _unreachable(error)
        return None


_UNREAD = object()  # inside one_version(), before the first read


def stored_version(using: str = DEFAULT_DB_ALIAS) -> int:
    """The database's version of the reference data (0 before the first change); inside `one_version()`
    read once."""
    connection = connections[using]
    pinned = getattr(connection, "_refdata_pinned", None)
    if pinned is not None and pinned is not _UNREAD and (
            pinned != (getattr(connection, "_refdata_bumped", None) or (None,))[0]
            or _uncommitted_version(connection)):
        return pinned
    with connection.cursor() as cursor:
        cursor.execute(_READ_SQL)
        row = cursor.fetchone()
    value = int(row[0]) if row else 0
    if pinned is _UNREAD:
        connection._refdata_pinned = value
    return value


def _uncommitted_version(connection) -> int | None:
    """The version this connection's own change made, while its transaction is still open."""
    bumped = getattr(connection, "_refdata_bumped", None)
    if bumped is None:
        return None
    if connection.in_atomic_block and any(hook[1] is bumped[1] for hook in connection.run_on_commit):
        return bumped[0]
    connection._refdata_bumped = None  # committed or rolled back
    return None


def changing(using: str = DEFAULT_DB_ALIAS) -> bool:
    """Whether this connection's open transaction changed the reference data: what is read meanwhile is kept
    nowhere (cached() builds it afresh), so a list read per person may as well be read for that person."""
    return _uncommitted_version(connections[using]) is not None


@contextlib.contextmanager
def one_version(using: str = DEFAULT_DB_ALIAS):
    """Inside one transaction that reads several fresh entries (the mail ingester's filing: mailboxes,
    the priority matrix, routing rules): the database's version is read once, at the first use. A
    change made inside (`changed()`) makes the next use read it again."""
    connection = connections[using]
    previous = getattr(connection, "_refdata_pinned", None)
    connection._refdata_pinned = _UNREAD
    try:
        yield
    finally:
        connection._refdata_pinned = previous


_READ_SQL = "SELECT value FROM core_referenceversion WHERE id = 1"
# One statement on both engines (an upsert): the row may be missing (a fresh or flushed database).
_BUMP_SQL = ("INSERT INTO core_referenceversion (id, value) VALUES (1, 1) "
             "ON CONFLICT (id) DO UPDATE SET value = core_referenceversion.value + 1 RETURNING value")


def changed(sender=None, **kwargs) -> None:
    """Signal receiver: a reference table changed; every cached list is stale."""
    if set(kwargs.get("update_fields") or ()) == {"last_login"}:
        return  # signing in saves the user; nothing shown in a list changed
    instance = kwargs.get("instance")
    if kwargs.get("created") and getattr(instance, "is_customer", False) is True:
        return  # a new customer is in no cached list (the mail ingester creates them as mail comes)
    try:
        try:
            cache.incr(VERSION_KEY)
        except ValueError:
            cache.set(VERSION_KEY, 1, None)
    except Exception as error:
        _unreachable(error)
    connection = connections[kwargs.get("using") or DEFAULT_DB_ALIAS]
    with connection.cursor() as cursor:
        cursor.execute(_BUMP_SQL)
        bumped = int(cursor.fetchone()[0])
    if connection.in_atomic_block:
        # The version this change made may still be rolled back, and another process's later change
        # would then get the same number with other data: while it is not committed, what is read
        # under it is kept nowhere (cached()). The marker leaves the pending on-commit hooks when the
        # transaction (or the savepoint it was made in) ends.
        def marker():
            return None

        transaction.on_commit(marker, using=connection.alias)
        connection._refdata_bumped = (bumped, marker)
    if getattr(connection, "_refdata_pinned", None) is not None:
        connection._refdata_pinned = _UNREAD  # inside one_version(): read the new version at the next use


def cached(name: str, build: Callable[[], T], *, per_language: bool = False, fresh: bool = False) -> T:
    """`build()`'s value, computed once per version (and language when it holds translated text).
    fresh: also once per database version, so a change committed by another process shows at once
    (for the writes, see above)."""
    cached_version = version()
    if cached_version is None:
        return build()
    key = f"refdata:{cached_version}:{name}"
    if fresh:
        stored = stored_version()
        if stored == _uncommitted_version(connections[DEFAULT_DB_ALIAS]):
            return build()  # this transaction's own change: not kept (see changed())
        key = f"{key}:{stored}"
    if per_language:
        key = f"{key}:{translation.get_language()}"
    if fresh:
        # The writes' entries are read on every message or ticket: the last value of each is also kept
        # in this process, as it is (a cache hands out a copy, unpickled each time). Its key holds both
        # versions, so a change anywhere gives a new key; callers only read what they get.
        memo = _memo.get(name)
        if memo is not None and memo[0] == key:
            return memo[1]
    try:
        value = cache.get(key)
    except Exception as error:
        _unreachable(error)
        return build()
    if value is None:
        value = build()
        try:
            cache.set(key, value, TIMEOUT)
        except Exception as error:
            _unreachable(error)
    if fresh:
        _memo[name] = (key, value)
    return value


_memo: dict[str, tuple[str, object]] = {}


def forget() -> None:
    """Drop what this process keeps (tests: each test's database starts again at the same versions)."""
    _memo.clear()


def watch(*models) -> None:
    """Called from each app's ready() with every model whose rows appear in its cached lists (an
    auto-created many-to-many table, `Model.field.through`, for changes of that relation): a change
    to one makes every cached list stale."""
    from django.db.models.signals import m2m_changed, post_delete, post_save

    for model in models:
        if model._meta.auto_created:
            m2m_changed.connect(changed, sender=model, dispatch_uid=f"refdata-m2m-{model.__name__}")
        else:
            post_save.connect(changed, sender=model, dispatch_uid=f"refdata-save-{model.__name__}")
            post_delete.connect(changed, sender=model, dispatch_uid=f"refdata-delete-{model.__name__}")
