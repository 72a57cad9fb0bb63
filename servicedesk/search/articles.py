"""The article index and article search: live copies only, ranked, scoped to the reader in the query.

A live article has one document: its live title (weight A), its keywords — tags, service and category
names in both languages (B), its live summary (C) and its live body as plain text (D). An article that
is not live has none. PostgreSQL: `search_articledocument (article_id, document tsvector)` with a GIN
index; SQLite: FTS5 `search_article_fts (title, keywords, summary, body)` whose rowid is the article id.

A search matches any of the query's telling words (stopwords left out) and their synonyms, and ranks
the matches in the same statement that applies knowledge.visibility.readable(user): the text rank
(title above keywords above summary above body; on SQLite BM25, whose rarer words count more), lifted
by recency (published_at) and popularity, the reader's language a little above the other.
"""

from __future__ import annotations

import dataclasses
import functools
import html
import itertools
import re
from collections.abc import Iterator

from django.db import connections, transaction

from servicedesk.knowledge import visibility
from servicedesk.knowledge.models import Article
from servicedesk.knowledge.render import to_text

from . import synonyms
from .index import MAX_BODY_CHARS, fts5_query, tsquery_literal, tsvector_literal
from .tokens import HAN, WORD, any_tokens, segmenter, stem, tokenize

PG_TABLE = "search_articledocument"
FTS_TABLE = "search_article_fts"
# Column weights: SQLite bm25() per column (title, keywords, summary, body); PostgreSQL ts_rank {D, C, B, A}.
FTS_WEIGHTS = (10.0, 4.0, 3.0, 1.0)
PG_WEIGHTS = "{0.1, 0.3, 0.5, 1.0}"
# Lifts on the text rank: popularity p gives up to +POPULARITY_LIFT (half of it at p = POPULARITY_HALF);
# a new article up to +RECENCY_LIFT, half of it at RECENCY_HALF_DAYS old; the reader's language ×LANGUAGE_LIFT.
POPULARITY_LIFT, POPULARITY_HALF = 0.5, 5.0
RECENCY_LIFT, RECENCY_HALF_DAYS = 0.3, 180.0
LANGUAGE_LIFT = 1.05
# Articles in the query's own script (Chinese or Latin) above those it reaches only through synonyms.
SCRIPT_LIFT = 1.3
SNIPPET_CHARS = 200
MAX_SPANS = 200  # matched places considered for a snippet (a long body may have hundreds)
LIVE_FIELDS = frozenset({"is_live", "live_title", "live_summary", "live_body", "tags", "service", "category",
                         "language"})


def _vendor(using: str) -> str:
    return connections[using].vendor


@dataclasses.dataclass
class ArticleHit:
    article: Article
    score: float
    title_html: str
    snippet_html: str


# ---------------------------------------------------------------------------------------------
# Documents


def _keywords(article: Article) -> str:
    names = [*article.tags]
    for related in (article.service, article.category):
        if related is not None:
            names += [related.name, related.name_zh]
    return "\n".join(names)


@functools.lru_cache(maxsize=512)
def _plain(body: str) -> str:
    return to_text(body)


def _row(article: Article, vendor: str) -> tuple:
    parts = (tokenize(article.live_title), tokenize(_keywords(article)), tokenize(article.live_summary),
             tokenize(_plain(article.live_body)[:MAX_BODY_CHARS]))
    if vendor == "postgresql":
        return (article.pk, tsvector_literal(*parts))
    return (article.pk, *(" ".join(tokens) for tokens in parts))


def _write(rows: list[tuple], using: str) -> None:
    if not rows:
        return
    with connections[using].cursor() as cur:
        if _vendor(using) == "postgresql":
            cur.executemany(
                f"INSERT INTO {PG_TABLE} (article_id, document) VALUES (%s, %s::tsvector) "
                "ON CONFLICT (article_id) DO UPDATE SET document = EXCLUDED.document", rows)
        else:
            cur.executemany(f"DELETE FROM {FTS_TABLE} WHERE rowid = %s", [(row[0],) for row in rows])
            cur.executemany(f"INSERT INTO {FTS_TABLE} (rowid, title, keywords, summary, body) "
                            "VALUES (%s, %s, %s, %s, %s)", rows)


def remove_article(article_id: int, using: str = "default") -> None:
    table, key = (PG_TABLE, "article_id") if _vendor(using) == "postgresql" else (FTS_TABLE, "rowid")
    with connections[using].cursor() as cur:
        cur.execute(f"DELETE FROM {table} WHERE {key} = %s", [article_id])


def index_article(article: Article | int, using: str = "default") -> None:
    """(Re)index one article's live copy as it is in the database now; one not live loses its document."""
    pk = article.pk if isinstance(article, Article) else article
    found = Article.objects.using(using).select_related("service", "category").filter(pk=pk).first()
    if found is None or not found.is_live:
        remove_article(pk, using)
        return
    _write([_row(found, _vendor(using))], using)


def rebuild_articles(batch: int = 500, using: str = "default") -> int:
    """Re-index every live article, `batch` per transaction; returns how many documents were written."""
    vendor = _vendor(using)
    table, key = (PG_TABLE, "article_id") if vendor == "postgresql" else (FTS_TABLE, "rowid")
    total, low = 0, 0
    while True:
        with transaction.atomic(using=using):
            articles = list(Article.objects.using(using).select_related("service", "category")
                            .filter(pk__gt=low).order_by("pk")[:batch])
            high = articles[-1].pk if len(articles) == batch else None
            with connections[using].cursor() as cur:
                if high is None:
                    cur.execute(f"DELETE FROM {table} WHERE {key} > %s", [low])
                else:
                    cur.execute(f"DELETE FROM {table} WHERE {key} > %s AND {key} <= %s", [low, high])
            rows = [_row(article, vendor) for article in articles if article.is_live]
            _write(rows, using)
        total += len(rows)
        if high is None:
            break
        low = high
    if vendor == "postgresql":
        with connections[using].cursor() as cur:
            cur.execute(f"ANALYZE {PG_TABLE}")
    return total


# ---------------------------------------------------------------------------------------------
# Search


def _score_sql(vendor: str) -> str:
    """The score of a matching row (higher is better); parameters: the query (PostgreSQL only), the
    reader's language, the query's own language."""
    popularity = (f"(1 + {POPULARITY_LIFT} * knowledge_article.popularity"
                  f" / (knowledge_article.popularity + {POPULARITY_HALF}))")
    if vendor == "postgresql":
        text = f"ts_rank('{PG_WEIGHTS}', {PG_TABLE}.document, %s::tsquery, 1)"
        age = "COALESCE(EXTRACT(EPOCH FROM (now() - knowledge_article.published_at)) / 86400.0, 3650)"
    else:
        text = f"(-bm25({FTS_TABLE}, {', '.join(map(str, FTS_WEIGHTS))}))"
        age = "COALESCE(julianday('now') - julianday(knowledge_article.published_at), 3650)"
    larger = "GREATEST" if vendor == "postgresql" else "MAX"  # of two values (a clock a little ahead)
    recency = f"(1 + {RECENCY_LIFT} / (1 + {larger}({age}, 0) / {RECENCY_HALF_DAYS}))"
    language = (f"(CASE WHEN knowledge_article.language = %s THEN {LANGUAGE_LIFT} ELSE 1 END)"
                f" * (CASE WHEN knowledge_article.language = %s THEN {SCRIPT_LIFT} ELSE 1 END)")
    return f"{text} * {popularity} * {recency} * {language}"


def _script_language(words: list[str]) -> str:
    """The article language a query's own words are in: Chinese if it has any, else English."""
    if any(HAN.search(word) for word in words):
        return "zh-hans"
    return "en" if any(word.isascii() and word.isalpha() for word in words) else ""


def _ranked_ids(tokens: list[str], script: str, user, language: str | None, service_id: int | None, limit: int,
                using: str) -> list[tuple[int, float]]:
    vendor = _vendor(using)
    articles = visibility.readable(user, Article.objects.using(using))
    if service_id is not None:
        articles = articles.filter(service_id=service_id)
    if vendor == "postgresql":
        query = tsquery_literal(tokens, any_word=True)
        where = [f"{PG_TABLE}.article_id = knowledge_article.id", f"{PG_TABLE}.document @@ %s::tsquery"]
    else:
        query = fts5_query(tokens, any_word=True)
        where = [f"{FTS_TABLE}.rowid = knowledge_article.id", f"{FTS_TABLE} MATCH %s"]
    select_params = [*([query] if vendor == "postgresql" else []), language or "", script]
    rows = (articles.extra(select={"score": _score_sql(vendor)}, select_params=select_params,
                           tables=[PG_TABLE if vendor == "postgresql" else FTS_TABLE], where=where, params=[query])
            .order_by("-score", "-id").values_list("id", "score").distinct()[:limit])
    return list(rows)


def find_articles(text: str, *, user, language: str | None = None, service_id: int | None = None,
                  limit: int = 10, record_gap: bool = False, using: str = "default") -> list[ArticleHit]:
    """The live articles `user` may read that best match `text` (any of its words), best first."""
    words = any_tokens(text)
    tokens = synonyms.expand(words) if words else []
    ranked = (_ranked_ids(tokens, _script_language(words), user, language, service_id, max(1, min(limit, 100)),
                          using) if tokens else [])
    if not ranked:
        if record_gap and words:
            from servicedesk.knowledge.actions.gaps import record_search_gap

            record_search_gap(text, language or "")
        return []
    found = Article.objects.using(using).in_bulk([pk for pk, _ in ranked])
    marked = frozenset(tokens)
    hits = []
    for pk, score in ranked:
        article = found.get(pk)
        if article is not None:
            hits.append(ArticleHit(article, float(score), highlight(article.live_title, marked),
                                   snippet(article.live_summary + "\n" + _plain(article.live_body), marked)))
    return hits


# ---------------------------------------------------------------------------------------------
# Highlighting


def _spans(text: str, marked: frozenset[str]) -> Iterator[tuple[int, int]]:
    """(start, end) of each word of `text` whose token is one of `marked`, in order, not overlapping."""
    last = 0
    for match in WORD.finditer(text):
        run, start = match.group(), match.start()
        if HAN.search(run):
            # The longest marked word at each place (打印机 over 打印 and 印机).
            pieces = sorted(((start + a, start + b) for word, a, b in segmenter().tokenize(run.lower(), mode="search")
                             if stem(word) in marked), key=lambda span: (span[0], -span[1]))
            for begin, end in pieces:
                if begin >= last:
                    yield begin, end
                    last = end
        elif stem(run.lower()) in marked and start >= last:
            yield start, match.end()
            last = match.end()


def _marked(text: str, spans: list[tuple[int, int]], start: int = 0, end: int | None = None) -> str:
    end = len(text) if end is None else end
    out, at = [], start
    for begin, finish in spans:
        if begin < start or finish > end:
            continue
        out.append(html.escape(text[at:begin]))
        out.append(f"<mark>{html.escape(text[begin:finish])}</mark>")
        at = finish
    out.append(html.escape(text[at:end]))
    return "".join(out)


def highlight(text: str, marked: frozenset[str]) -> str:
    """`text` escaped, its matched words in <mark>."""
    return _marked(text, list(_spans(text, marked)))


SPACES = re.compile(r"\s+")


def snippet(text: str, marked: frozenset[str], size: int = SNIPPET_CHARS) -> str:
    """About `size` characters of `text` around the place where most distinct matched words are close
    together, escaped, the matched words in <mark>; the text's start when nothing matches."""
    text = SPACES.sub(" ", text).strip()
    spans = list(itertools.islice(_spans(text, marked), MAX_SPANS))
    start = 0
    if spans:
        best = -1
        for begin, _end in spans:
            inside = {text[b:e].lower() for b, e in spans if begin <= b and e <= begin + size}
            if len(inside) > best:
                best, start = len(inside), begin
        start = max(0, start - size // 5)
        if start:  # begin at a word
            space = text.find(" ", start, start + 20)
            start = space + 1 if space != -1 and not HAN.search(text[start:start + 1]) else start
    end = min(len(text), start + size)
    body = _marked(text, spans, start, end)
    return ("…" if start > 0 else "") + body + ("…" if end < len(text) else "")
