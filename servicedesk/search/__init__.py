"""Ticket full-text search, one small interface over PostgreSQL full text and SQLite FTS5.

    from servicedesk import search
    search.search(queryset, "VPN 连接")      # the matching tickets of queryset, its order kept
    search.ranked(queryset, "打印", limit=20)  # the best 20 matches, most relevant first
    search.index_ticket(ticket)  /  search.remove(ticket_id)  /  search.rebuild(batch=2000)

Tickets are indexed by the signal receivers of this app as they are written; `servicedesk
reindex-search` rebuilds the whole index. See index.py for what a document holds.
"""

from __future__ import annotations


def search(queryset, text: str, *, page: bool = True):
    from .index import search as _search

    return _search(queryset, text, page=page)


def ranked(queryset, text: str, limit: int = 20, **options):
    from .index import ranked as _ranked

    return _ranked(queryset, text, limit, **options)


def index_ticket(ticket_or_id, using: str = "default") -> None:
    from .index import index_ticket as _index_ticket

    _index_ticket(ticket_or_id, using)


def remove(ticket_id: int, using: str = "default") -> None:
    from .index import remove as _remove

    _remove(ticket_id, using)


def rebuild(batch: int = 2000, using: str = "default", progress=None) -> int:
    from .index import rebuild as _rebuild

    return _rebuild(batch=batch, using=using, progress=progress)
