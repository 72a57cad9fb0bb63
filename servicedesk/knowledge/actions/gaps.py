"""Searches that found no article (the knowledge gap): one row per normalised query, counted.

Called on every explicit search without a hit, so it is one statement and never fails the search."""

from __future__ import annotations

import contextlib
import logging

from django.db import DatabaseError, connections, transaction
from django.utils import timezone

from ..models import SearchGap

log = logging.getLogger(__name__)

MAX_CHARS = 200


def gap_key(text: str) -> str:
    """The query's distinct tokens, sorted: "Printer broken" and "broken printers" are one gap."""
    from servicedesk.search.tokens import query_tokens

    return " ".join(sorted(query_tokens(text)))[:MAX_CHARS]


def record_search_gap(text: str, language: str = "", using: str = "default") -> None:
    """Count a search that found nothing: a new row for a new query, else its count and last time."""
    try:
        query = " ".join(str(text or "").replace("\x00", "").split())[:MAX_CHARS]
        key = gap_key(query)
        if not key:
            return
        now = timezone.now()
        table = SearchGap._meta.db_table
        connection = connections[using]
        # Inside a transaction, a savepoint: a failure here must not abort the caller's (PostgreSQL).
        # Outside one (a search request), the upsert is the only statement.
        guard = transaction.atomic(using=using) if connection.in_atomic_block else contextlib.nullcontext()
        with guard, connection.cursor() as cursor:
            cursor.execute(
                f'INSERT INTO {table} (query, "key", language, "count", first_at, last_at, resolved) '
                "VALUES (%s, %s, %s, 1, %s, %s, %s) "
                f'ON CONFLICT ("key") DO UPDATE SET "count" = {table}."count" + 1, last_at = EXCLUDED.last_at, '
                "resolved = %s",
                [query, key, str(language or "")[:10], now, now, False, False],
            )
    except DatabaseError:
        log.exception("Could not record a search without result")
