"""The ticket search index: PostgreSQL full text or SQLite FTS5 over jieba tokens, behind one interface.

Each searchable ticket has one document: its title (weighted higher) and its body, the description
followed by the public replies. Internal notes are not indexed: the API lets customers search their
own tickets, and a hit on a word of an internal note would tell them the note exists.
Merged tickets have no document (their conversation moved to the ticket they were merged into).

PostgreSQL: table `search_ticketdocument (ticket_id, document tsvector)` with a GIN index. The
tsvector and the tsquery are built from the tokens as literals (lexemes taken verbatim, no parser or
dictionary in between), so the result does not depend on the server's locale or text-search config.
SQLite: FTS5 table `search_ticket_fts (title, body)` whose rowid is the ticket id, holding the
space-joined tokens; queries are quoted phrases.

Tokens are letters and digits only (see tokens.py) and are quoted again when put into a query, and
the query travels as a bound parameter: user text never becomes SQL or query syntax.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Iterable, Iterator

from django.db import connections, transaction
from django.db.models import BooleanField, QuerySet
from django.db.models.expressions import RawSQL

from servicedesk.tickets.models import Comment, Ticket
from servicedesk.tickets.numbers import number_candidates

from .synonyms import expand
from .tokens import any_tokens, query_tokens, tokenize

PG_TABLE = "search_ticketdocument"
FTS_TABLE = "search_ticket_fts"
TICKET_TABLE = Ticket._meta.db_table
# Body text indexed per ticket (description + public replies); a tsvector is limited to 1 MB.
MAX_BODY_CHARS = 100_000
# PostgreSQL keeps positions 1..16383; a lexeme's positions beyond this many add nothing to ranking.
MAX_POSITION = 16383
MAX_POSITIONS_PER_LEXEME = 32
# ranked(): the newest matches that are ranked (ranking costs ~1 µs per row; see PERFORMANCE.md).
RANK_CANDIDATES = 2000
TITLE_WEIGHT, BODY_WEIGHT = 4.0, 1.0


def _vendor(using: str = "default") -> str:
    return connections[using].vendor


# ---------------------------------------------------------------------------------------------
# Documents


def _quote_lexeme(token: str) -> str:
    if "'" in token or "\\" in token:
        token = token.replace("\\", "\\\\").replace("'", "''")
    return f"'{token}'"


def tsvector_literal(*parts: Iterable[str]) -> str:
    """A tsvector in its text form: each lexeme with its positions, weighted by the part it is in: the
    first part (a title) A, then B, C, D."""
    positions: dict[str, list[str]] = {}
    position = 0
    for weight, tokens in zip("ABCD"[:len(parts)], parts, strict=True):
        for token in tokens:
            seen = positions.setdefault(token, [])
            if position >= MAX_POSITION:
                if not seen:
                    seen.append(f"{MAX_POSITION}{weight}")
                continue
            position += 1
            if len(seen) < MAX_POSITIONS_PER_LEXEME:
                seen.append(f"{position}{weight}")
    return " ".join(f"{_quote_lexeme(tok)}:{','.join(pos)}" for tok, pos in positions.items())


def tsquery_literal(tokens: Iterable[str], any_word: bool = False) -> str:
    """All tokens (AND; `any_word`: any of them, OR), each a quoted lexeme: operators in user text are
    never operators here."""
    return (" | " if any_word else " & ").join(_quote_lexeme(tok) for tok in tokens)


def fts5_query(tokens: Iterable[str], any_word: bool = False) -> str:
    """All tokens (FTS5 ANDs adjacent phrases; `any_word`: ORs them), each a double-quoted phrase."""
    return (" OR " if any_word else " ").join('"' + tok.replace('"', '""') + '"' for tok in tokens)


def _body(description: str, replies: Iterable[str]) -> str:
    body = "\n".join([description or "", *replies])
    return body[:MAX_BODY_CHARS]


def _public_replies(ticket_ids: list[int], using: str) -> dict[int, list[str]]:
    replies: dict[int, list[str]] = {}
    rows = (
        Comment.objects.using(using).filter(ticket_id__in=ticket_ids, internal=False)
        .order_by("ticket_id", "created_at", "id").values_list("ticket_id", "body")
    )
    for ticket_id, body in rows:
        replies.setdefault(ticket_id, []).append(body)
    return replies


def document_row(ticket_id: int, title: str, body: str, vendor: str) -> tuple:
    """The row the index stores for one ticket, ready for the vendor's table."""
    title_tokens, body_tokens = tokenize(title), tokenize(body)
    if vendor == "postgresql":
        return (ticket_id, tsvector_literal(title_tokens, body_tokens))
    return (ticket_id, " ".join(title_tokens), " ".join(body_tokens))


@dataclasses.dataclass(frozen=True)
class Documents:
    """One kind of document's tables: PostgreSQL (`key`, document tsvector, *`scope`) or FTS5 (rowid,
    `columns`) beside a plain table `scope_table` (`key`, *`scope`): the columns a search filters by,
    read without opening the document (SQLite: FTS5 would read the whole stored text to give one)."""

    pg_table: str
    key: str
    fts_table: str
    columns: tuple[str, ...]
    scope: tuple[str, ...] = ()
    scope_table: str = ""

    def _tables(self, using: str) -> list[tuple[str, str]]:
        if _vendor(using) == "postgresql":
            return [(self.pg_table, self.key)]
        return [(self.fts_table, "rowid"), *([(self.scope_table, self.key)] if self.scope else [])]

    def write(self, rows: list[tuple], using: str, *, new: bool = False) -> None:
        """Store rows as document_row() makes them (id first, the scope's values last), replacing those
        of the same ids (`new`: there are none, the rows' owners were just created)."""
        if not rows:
            return
        with connections[using].cursor() as cur:
            if _vendor(using) == "postgresql":
                columns = [self.key, "document", *self.scope]
                cur.executemany(
                    f"INSERT INTO {self.pg_table} ({', '.join(columns)}) "
                    f"VALUES (%s, %s::tsvector{', %s' * len(self.scope)}) ON CONFLICT ({self.key}) DO UPDATE SET "
                    + ", ".join(f"{column} = EXCLUDED.{column}" for column in columns[1:]),
                    rows,
                )
                return
            width = 1 + len(self.columns)
            if not new:
                cur.executemany(f"DELETE FROM {self.fts_table} WHERE rowid = %s", [(row[0],) for row in rows])
            cur.executemany(f"INSERT INTO {self.fts_table} (rowid, {', '.join(self.columns)}) "
                            f"VALUES (%s{', %s' * len(self.columns)})", [row[:width] for row in rows])
            if self.scope:
                cur.executemany(f"INSERT OR REPLACE INTO {self.scope_table} ({self.key}, {', '.join(self.scope)}) "
                                f"VALUES (%s{', %s' * len(self.scope)})", [(row[0], *row[width:]) for row in rows])

    def remove(self, pk: int, using: str) -> None:
        with connections[using].cursor() as cur:
            for table, key in self._tables(using):
                cur.execute(f"DELETE FROM {table} WHERE {key} = %s", [pk])

    def clear_range(self, low: int, high: int | None, using: str) -> None:
        """Drop the documents of ids in (low, high] (high None: all above low), before a rebuild writes them."""
        with connections[using].cursor() as cur:
            for table, key in self._tables(using):
                if high is None:
                    cur.execute(f"DELETE FROM {table} WHERE {key} > %s", [low])
                else:
                    cur.execute(f"DELETE FROM {table} WHERE {key} > %s AND {key} <= %s", [low, high])

    def analyze(self, using: str) -> None:
        """After a rebuild: fresh statistics; on PostgreSQL also the GIN index's pending list merged in
        (a rebuild fills it to gin_pending_list_limit, and every search reads it all until autovacuum
        gets to it; a manual ANALYZE leaves it)."""
        with connections[using].cursor() as cur:
            if _vendor(using) == "postgresql":
                cur.execute(f"ANALYZE {self.pg_table}")
                cur.execute("SELECT gin_clean_pending_list(index.indexrelid) FROM pg_index index "
                            "JOIN pg_class class ON class.oid = index.indexrelid "
                            "JOIN pg_am method ON method.oid = class.relam "
                            f"WHERE index.indrelid = '{self.pg_table}'::regclass AND method.amname = 'gin'")
            elif self.scope:
                cur.execute(f"ANALYZE {self.scope_table}")


TICKETS = Documents(PG_TABLE, "ticket_id", FTS_TABLE, ("title", "body"))


def remove(ticket_id: int, using: str = "default") -> None:
    """Take a ticket out of the index (deleted or merged)."""
    TICKETS.remove(ticket_id, using)


def index_ticket(ticket: Ticket | int, using: str = "default", *, replies: bool = True, new: bool = False) -> None:
    """(Re)index one ticket from what is in the database now. Merged tickets are removed.

    `replies=False` skips reading the conversation; `new`: the ticket was just created (no conversation,
    no document to replace)."""
    if not isinstance(ticket, Ticket):
        ticket = Ticket.objects.using(using).only("id", "title", "description", "merged_into").filter(
            pk=ticket).first()
        if ticket is None:
            return
    if ticket.merged_into_id:
        remove(ticket.pk, using)
        return
    texts = _public_replies([ticket.pk], using).get(ticket.pk, []) if replies and not new else []
    TICKETS.write([document_row(ticket.pk, ticket.title, _body(ticket.description, texts), _vendor(using))], using,
                  new=new)


# ---------------------------------------------------------------------------------------------
# Queries


def _number_candidates(text: str) -> list[str]:
    return number_candidates(text)


def _matches_sql(tokens: list[str], numbers: list[str], vendor: str, any_word: bool = False) -> tuple[str, list]:
    """SQL selecting the ids of the tickets that match all tokens (`any_word`: any), or whose number is
    one of `numbers`."""
    parts, params = [], []
    if tokens:
        if vendor == "postgresql":
            parts.append(f"SELECT ticket_id FROM {PG_TABLE} WHERE document @@ %s::tsquery")
            params.append(tsquery_literal(tokens, any_word))
        else:
            parts.append(f"SELECT rowid FROM {FTS_TABLE} WHERE {FTS_TABLE} MATCH %s")
            params.append(fts5_query(tokens, any_word))
    if numbers:
        parts.append(f"SELECT id FROM {TICKET_TABLE} WHERE number IN ({', '.join(['%s'] * len(numbers))})")
        params.extend(numbers)
    return " UNION ALL ".join(parts), params


def search(queryset: QuerySet, text: str, *, page: bool = True) -> QuerySet:
    """The tickets of `queryset` that contain every word of `text` (or whose number is `text`).

    The caller's ordering, slicing and other filters are kept: the matches are an `id IN (…)`
    condition, so a queue still reads its page through its own index. `page=False` says the caller
    reads many rows, not a page (no walking of its order on SQLite)."""
    tokens = query_tokens(text)
    numbers = _number_candidates(text or "")
    if not tokens and not numbers:
        return queryset.none()
    vendor = _vendor(queryset.db)
    sql, params = _matches_sql(tokens, numbers, vendor)
    if page and vendor == "sqlite" and tokens and _sqlite_common(tokens, queryset.db):
        # SQLite cannot tell how many rows FTS5 will give, and always fetches every match and sorts.
        # For a common word, walking the caller's order and keeping the rows found in the match list
        # reads far fewer rows; "+id" stops SQLite from driving the query by the list.
        table = queryset.model._meta.db_table
        return queryset.filter(RawSQL(f'+"{table}"."id" IN ({sql})', params, output_field=BooleanField()))
    return queryset.filter(id__in=RawSQL(sql, params))


def _sqlite_common(tokens: list[str], using: str) -> bool:
    """Whether more than about sqrt(50 × tickets) / 2 tickets match: where reading a page in the queue's
    order (~50 × tickets / matches rows, cheap index steps) becomes cheaper than fetching every match
    by id and sorting (about four times the cost per row, measured at 100k)."""
    with connections[using].cursor() as cur:
        cur.execute(f"SELECT rowid FROM {FTS_TABLE} ORDER BY rowid DESC LIMIT 1")  # MAX() would scan
        last = cur.fetchone()
        threshold = max(200, int(math.sqrt(50 * (last[0] if last else 0)) / 2))
        cur.execute(f"SELECT COUNT(*) FROM (SELECT 1 FROM {FTS_TABLE} WHERE {FTS_TABLE} MATCH %s LIMIT %s)",
                    [fts5_query(tokens), threshold])
        return cur.fetchone()[0] >= threshold


def _rank(pool: QuerySet, tokens: list[str], limit: int, using: str, any_word: bool = False) -> list[int]:
    """The best `limit` ids of `pool` (a query of ticket ids), ranked in the same statement: reading the pool's
    ids into Python and sending them back as a list cost a round trip and its (de)serialising."""
    if not tokens:
        return []
    pool_sql, pool_params = pool.query.sql_with_params()
    with connections[using].cursor() as cur:
        if _vendor(using) == "postgresql":
            query = tsquery_literal(tokens, any_word)
            cur.execute(
                f"SELECT ticket_id FROM {PG_TABLE} WHERE ticket_id IN (SELECT id FROM ({pool_sql}) pool) "
                f"ORDER BY ts_rank('{{0.1, 0.2, {BODY_WEIGHT / TITLE_WEIGHT}, 1.0}}', document, %s::tsquery) DESC,"
                " ticket_id DESC LIMIT %s",
                [*pool_params, query, limit],
            )
        else:
            cur.execute(
                f"SELECT rowid FROM {FTS_TABLE} WHERE {FTS_TABLE} MATCH %s "
                # "+rowid": a plain filter. As a constraint FTS5 would run the query once per pooled id.
                f"AND +rowid IN (SELECT id FROM ({pool_sql})) "
                f"ORDER BY bm25({FTS_TABLE}, {TITLE_WEIGHT}, {BODY_WEIGHT}), rowid DESC LIMIT %s",
                [fts5_query(tokens, any_word), *pool_params, limit],
            )
        return [row[0] for row in cur.fetchall()]


def ranked(queryset: QuerySet, text: str, limit: int = 20, candidates: int = RANK_CANDIDATES, *,
           any_word: bool = False, fields: tuple[str, ...] = ()) -> list:
    """The best `limit` matches of `queryset`, most relevant first (an exact number first of all).

    `any_word`: tickets with any of the text's telling words (synonyms added), those with more of them
    first, instead of all. Only the newest `candidates` matches are ranked, so a very common word costs
    a bounded time. `fields` (with "id"): the matches as dicts of these columns instead of model instances,
    for a caller that shows a few columns (building fifty tickets cost more than ranking them)."""
    tokens = expand(any_tokens(text)) if any_word else query_tokens(text)
    numbers = _number_candidates(text or "")
    using = queryset.db
    exact = list(queryset.filter(number__in=numbers).values_list("id", flat=True)) if numbers else []
    ids = []
    if tokens:
        sql, params = _matches_sql(tokens, [], _vendor(using), any_word)
        matches = queryset.filter(id__in=RawSQL(sql, params))
        ids = _rank(matches.order_by("-id").values("id")[:candidates], tokens, limit, using, any_word)
    order = list(dict.fromkeys([*exact, *ids]))[:limit]
    if not order:
        return []
    if fields:
        # By key alone: every id came through `queryset` above; its conditions again cost more than the read.
        rows = queryset.model._base_manager.using(using).filter(pk__in=order).values(*fields)
        found = {row["id"]: row for row in rows}
    else:
        found = queryset.order_by().in_bulk(order)
    return [found[pk] for pk in order if pk in found]


# ---------------------------------------------------------------------------------------------
# Rebuilding


def _batches(using: str, batch: int) -> Iterator[tuple[int, int | None]]:
    """Consecutive id ranges (low, high] of about `batch` tickets; the last one is open-ended."""
    low = 0
    while True:
        ids = list(
            Ticket.objects.using(using).filter(pk__gt=low).order_by("pk").values_list("pk", flat=True)[batch - 1:batch]
        )
        if not ids:
            yield low, None
            return
        yield low, ids[0]
        low = ids[0]


def _range_rows(low: int, high: int | None, using: str, lock: bool) -> list[tuple]:
    tickets = Ticket.objects.using(using).filter(pk__gt=low, merged_into__isnull=True)
    if high is not None:
        tickets = tickets.filter(pk__lte=high)
    if lock and _vendor(using) == "postgresql":
        # Edits of these tickets wait until this batch is written, so it cannot store an older text.
        tickets = tickets.select_for_update(no_key=True)
    rows = list(tickets.order_by("pk").values_list("pk", "title", "description"))
    replies = _public_replies([row[0] for row in rows], using) if rows else {}
    vendor = _vendor(using)
    return [document_row(pk, title, _body(description, replies.get(pk, [])), vendor)
            for pk, title, description in rows]


def rebuild(batch: int = 2000, using: str = "default", progress=None) -> int:
    """Re-index every ticket, `batch` tickets per transaction; returns how many documents were written.

    Safe on a live desk: each batch replaces the documents of its id range in one transaction
    (tickets deleted or merged since lose theirs) and holds edits of those tickets meanwhile."""
    total = 0
    for low, high in _batches(using, batch):
        with transaction.atomic(using=using):
            rows = _range_rows(low, high, using, lock=True)
            TICKETS.clear_range(low, high, using)
            TICKETS.write(rows, using)
        total += len(rows)
        if progress is not None:
            progress(total)
    TICKETS.analyze(using)
    return total
