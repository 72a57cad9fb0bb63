"""Reference data for screens, cached: groups, categories, people lists, lifecycle transitions.

Every ticket page and queue page showed the same few small tables (drop-downs of groups, categories,
agents; the transition rows), read afresh each time: a third of a ticket page's queries. They are
cached here under one version number that any change to those tables bumps (signals below), so a
change shows on the next page. The cache is per process unless SERVICEDESK_CACHE_URL names a shared
one; another process then shows the old lists for at most TIMEOUT seconds.

Writes read here too, with `fresh=True`: the priority matrix (tickets.actions),
the routing rules (routing.engine, on every new ticket), the mailboxes and the desks' ticket prefixes
(the mail ingester) — once per ticket or message otherwise. Those entries are keyed by a second
version kept in the database (`ReferenceVersion`), bumped by the same signals inside the changing
transaction, and read with one indexed statement: a committed change applies at once in every
process, whatever the cache; a rolled-back one changes nothing. Changes that send no signal
(`QuerySet.update`, raw SQL) must call `changed()` themselves.
"""

import contextlib
from collections.abc import Callable
from typing import TypeVar

from django.core.cache import cache
from django.db import DEFAULT_DB_ALIAS, connections, transaction
from django.utils import translation

T = TypeVar("T")
VERSION_KEY = "refdata:version"
TIMEOUT = 60


def version() -> int:
    return cache.get_or_set(VERSION_KEY, 1, None)


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
        cache.incr(VERSION_KEY)
    except ValueError:
        cache.set(VERSION_KEY, 1, None)
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
    key = f"refdata:{version()}:{name}"
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
    value = cache.get(key)
    if value is None:
        value = build()
        cache.set(key, value, TIMEOUT)
    if fresh:
        _memo[name] = (key, value)
    return value


_memo: dict[str, tuple[str, object]] = {}


def forget() -> None:
    """Drop what this process keeps (tests: each test's database starts again at the same versions)."""
    _memo.clear()


def connect() -> None:
    """Called from CoreConfig.ready: every model whose rows appear in a cached list."""
    from django.db.models.signals import m2m_changed, post_delete, post_save

    from servicedesk.accounts.models import Desk, Group, Organisation, User
    from servicedesk.console.models import CannedResponse
    from servicedesk.intake.models import Mailbox
    from servicedesk.routing.models import RoutingRule, Tag
    from servicedesk.tickets.models import Category, PriorityRule, Service, Transition

    models = (Group, Organisation, User, Category, Service, Transition, PriorityRule, Desk, Mailbox, RoutingRule,
              Tag, CannedResponse)
    for model in models:
        post_save.connect(changed, sender=model, dispatch_uid=f"refdata-save-{model.__name__}")
        post_delete.connect(changed, sender=model, dispatch_uid=f"refdata-delete-{model.__name__}")
    for through in (Group.members.through, RoutingRule.categories.through, RoutingRule.organisations.through,
                    RoutingRule.desks.through, RoutingRule.add_tags.through):
        m2m_changed.connect(changed, sender=through, dispatch_uid=f"refdata-m2m-{through.__name__}")


# ---------------------------------------------------------------------------------------------
# The lists


def transitions() -> list:
    from servicedesk.tickets.models import Transition

    return cached("transitions", lambda: list(Transition.objects.all()))


def active_groups() -> list:
    from servicedesk.accounts.models import Group

    return cached("groups", lambda: list(Group.objects.filter(is_active=True)))


def group_members(group_id: int | None) -> list:
    """The active staff of a group (members and its lead), by name."""
    from django.db.models import Q

    from servicedesk.accounts.models import STAFF_ROLES, User

    if group_id is None:
        return []
    return cached(f"group-members:{group_id}", lambda: list(
        User.objects.filter(Q(member_of=group_id) | Q(led_groups=group_id), is_active=True, role__in=STAFF_ROLES)
        .distinct().order_by("first_name", "last_name", "username")
    ))


def first_line_teams() -> list[frozenset[int]]:
    """The people (members and lead) of each active 1st-line group: who follows up what the desk routes."""
    from servicedesk.accounts.models import Group, Tier

    def build():
        teams: dict[int, set[int]] = {}
        for group_id, member_id, lead_id in (Group.objects.filter(tier=Tier.FIRST, is_active=True)
                                             .values_list("id", "members", "lead")):
            teams.setdefault(group_id, set()).update(pk for pk in (member_id, lead_id) if pk is not None)
        return [frozenset(team) for team in teams.values()]

    return cached("first-line-teams", build)


def staff() -> list[tuple[int, str, str]]:
    """(id, username, display name) of every active desk staff member, by username."""
    from servicedesk.accounts.models import STAFF_ROLES, User

    return cached("staff", lambda: [
        (u.pk, u.username, u.display_name)
        for u in User.objects.filter(role__in=STAFF_ROLES, is_active=True)
        .only("username", "first_name", "last_name").order_by("username")
    ])


def category_choices() -> list[tuple[int, str]]:
    """(id, "Service / Category / Subcategory") of active categories, in the user's language."""
    from servicedesk.tickets.models import Category

    return cached("categories", lambda: [
        (c.pk, str(c)) for c in Category.objects.filter(is_active=True).select_related("service", "parent__service")
        .in_catalogue_order()
    ], per_language=True)


def priority_matrix(*, fresh: bool = False) -> dict[tuple[int, int], int]:
    from servicedesk.tickets.actions import DEFAULT_MATRIX
    from servicedesk.tickets.models import PriorityRule

    def build():
        matrix = dict(DEFAULT_MATRIX)
        matrix.update({(r.impact, r.urgency): r.priority for r in PriorityRule.objects.all()})
        return matrix

    return cached("priority-matrix", build, fresh=fresh)


def mailboxes() -> list:
    """Every mailbox with its desk, by name (the mail ingester's own addresses and recipients)."""
    from servicedesk.intake.models import Mailbox

    return cached("mailboxes", lambda: list(
        Mailbox.objects.select_related("desk").defer("imap_password", "imap_last_error").order_by("name", "pk")
    ), fresh=True)


def desk_prefixes() -> tuple[str, ...]:
    """The desks' ticket number prefixes (threading by the number in a subject)."""
    from servicedesk.accounts.models import Desk

    return cached("desk-prefixes", lambda: tuple(Desk.objects.values_list("prefix", flat=True)), fresh=True)


def routing_rules() -> list:
    """The active routing rules in order, with what their conditions and actions name (every new ticket)."""
    from servicedesk.routing.models import RoutingRule

    return cached("routing-rules", lambda: list(
        RoutingRule.objects.filter(is_active=True)
        .select_related("set_group", "set_category", "set_owner")
        .prefetch_related("categories", "organisations", "desks", "add_tags")
    ), fresh=True)


def group_names() -> dict[int, str]:
    """Every group's name by id in the user's language, inactive ones included (old tickets still show them)."""
    from servicedesk.accounts.models import Group

    return cached("group-names", lambda: {g.pk: g.local_name for g in Group.objects.only("name", "name_zh")},
                  per_language=True)


def group_names_by_key() -> dict[str, str]:
    """Every group's name in the user's language by its stored English name (as history rows keep it)."""
    from servicedesk.accounts.models import Group

    return cached("group-names-by-key", lambda: {
        g.name: g.local_name for g in Group.objects.only("name", "name_zh")
    }, per_language=True)


def category_labels() -> dict[int, str]:
    """Every category's short label by id (Category.short_label), in the user's language."""
    from servicedesk.tickets.models import Category

    return cached("category-labels", lambda: {
        c.pk: c.short_label for c in Category.objects.select_related("parent")
    }, per_language=True)


def category_paths() -> dict[int, str]:
    """Every category's full path by id ("Service / Category / Subcategory"), in the user's language,
    inactive ones included (old tickets still show them)."""
    from servicedesk.tickets.models import Category

    return cached("category-paths", lambda: {
        c.pk: str(c) for c in Category.objects.select_related("service", "parent__service")
    }, per_language=True)
