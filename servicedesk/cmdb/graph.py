"""An in-process, read-only copy of the impact graph (each item → the items a failure of it reaches directly,
over models.IMPACT_KINDS), walked breadth-first in Python: a network device's five levels reach 37,000 items,
and asking the database for them level by level cost 150–250 ms on PostgreSQL, mostly in returning the ids.

The copy is never stale. Every change of an impact relation bumps the database's graph version (one row,
GraphVersion) and logs the change (RelationChange) in the same transaction (cmdb.actions: add_relation,
remove_relation, and relations_replaced for rows written in bulk). A walk first reads the version — one small
statement — and, when it moved, the copy applies the logged changes since its own version or, when they are
too many, pruned, or the copy's version is not in the log (a rolled-back transaction's), is built again from
the relation table. The version's token (random at each bump) tells a version from a rolled-back one that had
the same number.

The base maps each target to a tuple of its sources (one int object per item): 11–12 MB at 500,000
relations, against 9 MB for arrays in CSR form, whose slices the walk had to box into new ints — twice as
slow. Changes since the base are an overlay of (source, kind) → present per target. A copy is never changed
once published: applying changes makes a new one, so threads walk without a lock; one lock per database keeps
two threads from building at once.
"""

from __future__ import annotations

import threading

from django.db import connections

from .models import IMPACT_KINDS, GraphVersion, Relation, RelationChange

# More logged changes than this since a copy's version: building again is cheaper than applying them.
MAX_DELTA = 20_000
FETCH = 20_000

_KINDS = [str(kind) for kind in IMPACT_KINDS]
_KIND_CODE = {kind: code for code, kind in enumerate(_KINDS)}


class Copy:
    __slots__ = ("version", "token", "sources", "kinds", "overlay", "changes")

    def __init__(self, version, token, sources, kinds, overlay=None, changes=0):
        self.version, self.token = version, token
        self.sources: dict[int, tuple[int, ...]] = sources  # target → the items a failure of it reaches directly
        self.kinds: dict[int, bytes] = kinds  # target → the kind code of each of those relations (for the overlay)
        self.overlay: dict[int, dict[tuple[int, int], bool]] = overlay or {}
        self.changes = changes

    def sources_of(self, target: int) -> set[int]:
        """The items a failure of `target` reaches directly, the overlay applied."""
        changed = self.overlay.get(target, {})
        base = zip(self.sources.get(target, ()), self.kinds.get(target, b""), strict=True)
        found = {source for source, kind in base if changed.get((source, kind), True)}
        found.update(source for (source, _kind), present in changed.items() if present)
        return found

    def walk(self, item_id: int, depth: int) -> dict[int, int]:
        get, overlay = self.sources.get, self.overlay
        found: dict[int, int] = {}
        seen = {item_id}
        frontier = [item_id]
        for level in range(1, depth + 1):
            if overlay:
                reached = set().union(*(self.sources_of(t) if t in overlay else get(t, ()) for t in frontier))
            else:
                # The union in C over the frontier's tuples: a Python loop over them took twice as long.
                reached = set().union(*filter(None, map(get, frontier)))
            reached -= seen
            if not reached:
                break
            seen |= reached
            found.update(dict.fromkeys(reached, level))
            frontier = reached
        return found

    def applied(self, rows, version: int, token: int) -> Copy:
        """A new copy: this one with the logged (source, target, kind, change) rows applied in order (a change
        seen twice — the build read it already — leaves the same state)."""
        overlay = dict(self.overlay)
        for source, target, kind, change in rows:
            entries = overlay[target] = dict(overlay.get(target, {}))
            entries[(source, _KIND_CODE[kind])] = change > 0
        return Copy(version, token, self.sources, self.kinds, overlay, self.changes + len(rows))


_copies: dict[str, Copy] = {}
_locks: dict[str, threading.Lock] = {}
_locks_lock = threading.Lock()


def _read_version(cursor) -> tuple[int, int]:
    cursor.execute(f"SELECT version, token FROM {GraphVersion._meta.db_table} WHERE id = 1")
    row = cursor.fetchone()
    # No row: relations never changed through the actions since the table was made (or a test flushed it).
    return (row[0], row[1]) if row else (0, 0)


def build(cursor) -> Copy:
    """The copy from the relation table. The version is read first: a change committed between the two
    statements is in the copy and is applied again from the log at the next walk, which changes nothing."""
    version, token = _read_version(cursor)
    kinds = ", ".join(["%s"] * len(_KINDS))
    # In the order of the index cmdb_relation_impact (target, kind, source): read from it alone.
    cursor.execute(f"SELECT target_id, source_id, kind FROM {Relation._meta.db_table} WHERE kind IN ({kinds})"
                   " ORDER BY target_id, kind, source_id", _KINDS)
    sources: dict[int, tuple[int, ...]] = {}
    kinds: dict[int, bytes] = {}
    # One int object per item however many relations name it: 3 MB rather than 16 at 500,000 relations.
    same: dict[int, int] = {}
    last, found, codes = None, [], bytearray()
    while rows := cursor.fetchmany(FETCH):
        for target, source, kind in rows:
            if target != last:
                if found:
                    sources[last], kinds[last] = tuple(found), bytes(codes)
                last, found, codes = target, [], bytearray()
            found.append(same.setdefault(source, source))
            codes.append(_KIND_CODE[kind])
    if found:
        sources[last], kinds[last] = tuple(found), bytes(codes)
    return Copy(version, token, sources, kinds)


def _refresh(cursor, copy: Copy | None, version: int, token: int) -> Copy:
    if copy is None:
        return build(cursor)
    cursor.execute(f"SELECT version, token, source, target, kind, change FROM {RelationChange._meta.db_table}"
                   " WHERE version >= %s ORDER BY version, id LIMIT %s", [copy.version, MAX_DELTA + 1])
    rows = cursor.fetchall()
    # The log must hold the copy's own version (same token: not a rolled-back one), then every version after
    # it, none of them a replacement in bulk, up to at least the version just read.
    if (len(rows) > MAX_DELTA or not rows or rows[0][:2] != (copy.version, copy.token) or rows[-1][0] < version
            or copy.changes + len(rows) > MAX_DELTA):
        return build(cursor)
    previous = copy.version
    changes = []
    for number, _token, source, target, kind, change in rows:
        if number == copy.version:
            continue
        if number > previous + 1 or change == 0:
            return build(cursor)
        previous = number
        changes.append((source, target, kind, change))
    return copy.applied(changes, rows[-1][0], rows[-1][1])


def current(using: str = "default") -> Copy:
    """The copy of database `using` as of now: one statement when nothing changed."""
    connection = connections[using]
    with connection.cursor() as cursor:
        version, token = _read_version(cursor)
        copy = _copies.get(using)
        if copy is not None and (copy.version, copy.token) == (version, token):
            return copy
        with _locks_lock:
            lock = _locks.setdefault(using, threading.Lock())
        with lock:
            copy = _copies.get(using)
            if copy is None or (copy.version, copy.token) != (version, token):
                copy = _copies[using] = _refresh(cursor, copy, version, token)
        return copy
