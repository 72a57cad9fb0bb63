"""Full-text search of tickets and knowledge articles, one small interface over PostgreSQL full text and
SQLite FTS5.

    from servicedesk import search
    search.search(queryset, "VPN 连接")      # the matching tickets of queryset, its order kept
    search.ranked(queryset, "打印", limit=20)  # the best 20 matches, most relevant first
    search.index_ticket(ticket)  /  search.remove(ticket_id)  /  search.rebuild(batch=2000)
    search.find_articles("my printer will not print", user=request.user, language="en")  # [ArticleHit]
    search.similar_tickets(text, user=agent, exclude_id=ticket.pk)  # resolved/closed tickets like it
    search.index_article(article)  /  search.remove_article(article_id)

Tickets and articles are indexed by the signal receivers of this app as they are written; `servicedesk
reindex-search` rebuilds the whole index. See index.py (tickets) and articles.py for what a document
holds, tokens.py for the words (jieba, English stems), synonyms.py for the synonyms.
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


def find_articles(text: str, *, user, language: str | None = None, service_id: int | None = None, limit: int = 10,
                  record_gap: bool = False) -> list:
    """The live articles `user` may read best matching any word of `text`: a list of ArticleHit."""
    from .articles import find_articles as _find

    return _find(text, user=user, language=language, service_id=service_id, limit=limit, record_gap=record_gap)


def similar_tickets(text: str, *, user, limit: int = 5, exclude_id: int | None = None) -> list:
    """Resolved or closed tickets `user` may see most like `text` (any-word match, best first)."""
    from servicedesk.tickets.models import Status, Ticket
    from servicedesk.tickets.permissions import visible_tickets

    from .index import ranked as _ranked

    tickets = visible_tickets(user, Ticket.objects.filter(status__in=[Status.RESOLVED, Status.CLOSED]))
    if exclude_id is not None:
        tickets = tickets.exclude(pk=exclude_id)
    return _ranked(tickets, text, limit, any_word=True)


def index_article(article_or_id, using: str = "default") -> None:
    from .articles import index_article as _index_article

    _index_article(article_or_id, using)


def remove_article(article_id: int, using: str = "default") -> None:
    from .articles import remove_article as _remove_article

    _remove_article(article_id, using)


def __getattr__(name: str):
    if name == "ArticleHit":  # the models it names load after this package
        from .articles import ArticleHit

        return ArticleHit
    raise AttributeError(name)
