"""The article index and article search: live copies only, ranked, scoped to the reader in the query.

A live article has one document: its live title (weight A), its keywords — tags, service and category
names in both languages (B), its live summary (C) and its live body as plain text (D). An article that
is not live has none. PostgreSQL: `search_articledocument (article_id, document tsvector)` with a GIN
index; SQLite: FTS5 `search_article_fts (title, keywords, summary, body)` whose rowid is the article id.

A search matches any of the query's telling words (stopwords left out) and their synonyms, and ranks
the matches in the same statement that applies knowledge.visibility.readable(user): the text rank
(title above keywords above summary above body; on SQLite BM25, whose rarer words count more), lifted
by recency (published_at) and popularity, the reader's language a little above the other.

SQLite's BM25: FTS5's bm25() counts, at every search, the documents holding each of the query's words by
reading each word's whole list of documents, a time that grows with the knowledge base. The counts are
therefore also kept, as documents are written: `search_articleterm_df (term, df)`, `search_articlestats`
(documents, tokens) and per document `search_articleterms (article_id, length, terms)`, its words each with
their column-weighted frequency. A search reads the counts of its words first: few documents in all, and
bm25() ranks the pool; many, and the same formula (k1 1.2, b 0.75, the same column weights: the same
scores) is computed from the pool's kept terms, a time bounded by the pool at any size.
"""

from __future__ import annotations

import collections
import dataclasses
import functools
import html
import math
import re
from collections.abc import Callable

from django.db import connections, transaction

from servicedesk.knowledge import visibility
from servicedesk.knowledge.models import Article, Audience
from servicedesk.knowledge.render import to_text

from . import synonyms
from .index import MAX_BODY_CHARS, Documents, fts5_query, tsquery_literal, tsvector_literal
from .tokens import HAN, any_tokens, stem, tokenize

PG_TABLE = "search_articledocument"
FTS_TABLE = "search_article_fts"
SCOPE_TABLE = "search_articlescope"
TERMS_TABLE, DF_TABLE, STATS_TABLE = "search_articleterms", "search_articleterm_df", "search_articlestats"
ARTICLES = Documents(PG_TABLE, "article_id", FTS_TABLE, ("title", "keywords", "summary", "body"),
                     scope=("audience", "service_id"), scope_table=SCOPE_TABLE)
ORGANISATIONS_TABLE = Article.organisations.through._meta.db_table
# Column weights: SQLite bm25() per column (title, keywords, summary, body); PostgreSQL ts_rank {D, C, B, A}.
FTS_WEIGHTS = (10.0, 4.0, 3.0, 1.0)
BM25_K1, BM25_B = 1.2, 0.75  # FTS5's
# SQLite: FTS5's bm25() reads each query word's whole list of documents, about 2 ms + 0.027 ms per 1,000
# documents listed; reading the pool's kept terms instead costs about 2.8 ms + 0.3 ms per word, at any size
# (measured at 100k articles, bench/README.md). bm25() while the lists hold at most BASE + PER_WORD × words.
BM25_DIRECT_BASE, BM25_DIRECT_PER_WORD = 30_000, 11_000
# A document's terms in search_articleterms: TERM_START <term> TERM_COUNT <weighted frequency>, repeated
# (control characters: never part of a token).
TERM_START, TERM_COUNT = "\x1e", "\x1f"
PG_WEIGHTS = "{0.1, 0.3, 0.5, 1.0}"
# Lifts on the text rank: popularity p gives up to +POPULARITY_LIFT (half of it at p = POPULARITY_HALF);
# a new article up to +RECENCY_LIFT, half of it at RECENCY_HALF_DAYS old; the reader's language ×LANGUAGE_LIFT.
POPULARITY_LIFT, POPULARITY_HALF = 0.5, 5.0
RECENCY_LIFT, RECENCY_HALF_DAYS = 0.3, 180.0
LANGUAGE_LIFT = 1.05
# Articles in the query's own script (Chinese or Latin) above those it reaches only through synonyms.
SCRIPT_LIFT = 2.0
# PostgreSQL: the rank of the words synonyms add, beside the rank of the query's own words.
SYNONYM_WEIGHT = 0.5
# The newest readable matches that are ranked (ranking costs a few µs per row; see PERFORMANCE.md).
RANK_CANDIDATES = 500
# PostgreSQL: what testing one document costs in a walk newest first, in looks at a row found by the index
# (1.2 µs and 2 µs at 100k articles, measured with EXPLAIN ANALYZE).
WALK_COST = 0.6
SNIPPET_CHARS = 200
MAX_SPANS = 200  # matched places considered for a snippet (a long body may have hundreds)
SNIPPET_SOURCE_CHARS = 20_000  # of an article's text searched for the snippet's place
LIVE_FIELDS = frozenset({"is_live", "live_title", "live_summary", "live_body", "tags", "service", "category",
                         "language", "audience"})


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


# Markdown's marks, for a snippet's text: rendering every hit's body (to_text, as the index does) cost
# more than the search itself. Images and links keep their text, HTML tags and formatting marks go.
MARKDOWN_MARKS = [
    (re.compile(r"!?\[([^\]]*)\]\([^)]*\)"), r"\1"),
    (re.compile(r"<[^>]*>"), " "),
    (re.compile(r"^\s{0,3}(?:#{1,6}|[-*+]|\d+[.)]|>|`{3,}\w*)\s*", re.M), ""),
    (re.compile(r"(?<!\w)[*_`~]{1,3}(?=\S)|(?<=\S)[*_`~]{1,3}(?!\w)"), ""),
]


def _snippet_text(body: str) -> str:
    text = body[:SNIPPET_SOURCE_CHARS]
    for pattern, replacement in MARKDOWN_MARKS:
        text = pattern.sub(replacement, text)
    return html.unescape(text)


def _parts(article: Article) -> tuple[list[str], ...]:
    """The tokens of the document's columns: title, keywords, summary, body."""
    return (tokenize(article.live_title), tokenize(_keywords(article)), tokenize(article.live_summary),
            tokenize(to_text(article.live_body)[:MAX_BODY_CHARS]))


def _row(article: Article, parts: tuple[list[str], ...], vendor: str) -> tuple:
    scope = (article.audience, article.service_id)
    if vendor == "postgresql":
        return (article.pk, tsvector_literal(*parts), *scope)
    return (article.pk, *(" ".join(tokens) for tokens in parts), *scope)


def term_row(pk: int, parts: tuple[list[str], ...]) -> tuple[int, int, str]:
    """SQLite: (article id, length in tokens, terms) — each term once with its frequency weighted by column
    as FTS5's bm25() weights it."""
    weighted: collections.Counter = collections.Counter()
    for tokens, weight in zip(parts, FTS_WEIGHTS, strict=True):
        for token in tokens:
            weighted[token] += weight
    terms = "".join(f"{TERM_START}{term}{TERM_COUNT}{count:g}" for term, count in weighted.items())
    return (pk, sum(len(tokens) for tokens in parts), terms)


def _terms_of(terms: str) -> set[str]:
    return {entry.partition(TERM_COUNT)[0] for entry in terms.split(TERM_START)[1:]}


def _replace_statistics(cur, gone: str, params: list, added: list[tuple[int, int, str]]) -> None:
    """SQLite: the documents `gone` selects (a condition on article_id) leave the BM25 statistics and
    `added` (term_row()s) enter them. In the transaction that writes the documents."""
    df: collections.Counter = collections.Counter()
    documents = tokens = 0
    cur.execute(f"SELECT length, terms FROM {TERMS_TABLE} WHERE {gone}", params)
    for length, terms in cur.fetchall():
        documents, tokens = documents - 1, tokens - length
        df.subtract(_terms_of(terms))
    cur.execute(f"DELETE FROM {TERMS_TABLE} WHERE {gone}", params)
    for _pk, length, terms in added:
        documents, tokens = documents + 1, tokens + length
        df.update(_terms_of(terms))
    cur.executemany(f"INSERT INTO {TERMS_TABLE} (article_id, length, terms) VALUES (%s, %s, %s)", added)
    cur.executemany(f"INSERT INTO {DF_TABLE} (term, df) VALUES (%s, %s) "
                    "ON CONFLICT (term) DO UPDATE SET df = df + excluded.df",
                    [(term, count) for term, count in df.items() if count])
    cur.executemany(f"DELETE FROM {DF_TABLE} WHERE term = %s AND df <= 0",
                    [(term,) for term, count in df.items() if count < 0])
    if documents or tokens:
        cur.execute(f"UPDATE {STATS_TABLE} SET documents = documents + %s, tokens = tokens + %s",
                    [documents, tokens])


def remove_article(article_id: int, using: str = "default") -> None:
    with transaction.atomic(using=using):
        ARTICLES.remove(article_id, using)
        if _vendor(using) == "sqlite":
            with connections[using].cursor() as cur:
                _replace_statistics(cur, "article_id = %s", [article_id], [])


def index_article(article: Article | int, using: str = "default") -> None:
    """(Re)index one article's live copy as it is in the database now; one not live loses its document."""
    pk = article.pk if isinstance(article, Article) else article
    found = Article.objects.using(using).select_related("service", "category").filter(pk=pk).first()
    if found is None or not found.is_live:
        remove_article(pk, using)
        return
    vendor, parts = _vendor(using), _parts(found)
    with transaction.atomic(using=using):
        ARTICLES.write([_row(found, parts, vendor)], using)
        if vendor == "sqlite":
            with connections[using].cursor() as cur:
                _replace_statistics(cur, "article_id = %s", [pk], [term_row(pk, parts)])


def rebuild_articles(batch: int = 500, using: str = "default") -> int:
    """Re-index every live article, `batch` per transaction; returns how many documents were written."""
    vendor = _vendor(using)
    total, low = 0, 0
    while True:
        with transaction.atomic(using=using):
            articles = list(Article.objects.using(using).select_related("service", "category")
                            .filter(pk__gt=low).order_by("pk")[:batch])
            high = articles[-1].pk if len(articles) == batch else None
            ARTICLES.clear_range(low, high, using)
            documents = [(article, _parts(article)) for article in articles if article.is_live]
            rows = [_row(article, parts, vendor) for article, parts in documents]
            ARTICLES.write(rows, using)
            if vendor == "sqlite":
                gone, params = ("article_id > %s", [low]) if high is None else (
                    "article_id > %s AND article_id <= %s", [low, high])
                added = [term_row(article.pk, parts) for article, parts in documents]
                with connections[using].cursor() as cur:
                    _replace_statistics(cur, gone, params, added)
        total += len(rows)
        if high is None:
            break
        low = high
    ARTICLES.analyze(using)
    return total


# ---------------------------------------------------------------------------------------------
# Search


def _score_sql(vendor: str, text: str) -> str:
    """The score of a matching row (higher is better) from its `text` rank; parameters: those of `text`,
    the reader's language, the query's own language."""
    popularity = (f"(1 + {POPULARITY_LIFT} * knowledge_article.popularity"
                  f" / (knowledge_article.popularity + {POPULARITY_HALF}))")
    if vendor == "postgresql":
        age = "COALESCE(EXTRACT(EPOCH FROM (now() - knowledge_article.published_at)) / 86400.0, 3650)"
    else:
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


def readable_documents_sql(user, table: str) -> tuple[str, list]:
    """knowledge.visibility.readable_q(user) on the documents of `table` (each a live article): its scope
    columns and the article's organisations, without reading the article row. The organisations are
    read where they are kept (an article whose organisations change is scoped anew at once)."""
    if visibility.sees_working_copies(user):  # desk staff read every live article
        return "TRUE", []
    public = f"{table}.audience = %s"
    if user is None or not getattr(user, "is_authenticated", False) or not user.is_active:
        return public, [Audience.PUBLIC]
    named = f"SELECT 1 FROM {ORGANISATIONS_TABLE} WHERE {ORGANISATIONS_TABLE}.article_id = {table}.article_id"
    customers, params = f"NOT EXISTS ({named})", []
    if user.organisation_id:
        customers = f"({customers} OR EXISTS ({named} AND {ORGANISATIONS_TABLE}.organisation_id = %s))"
        params = [user.organisation_id]
    return f"({public} OR ({table}.audience = %s AND {customers}))", [Audience.PUBLIC, Audience.CUSTOMERS, *params]


def _set_local(cur, **switches: bool | None) -> None:
    """Switch PostgreSQL settings (jit, enable_<plan>) for the rest of the transaction, in one round trip;
    None: back to the default (SET LOCAL outlasts the release of a savepoint)."""
    cur.execute("; ".join(f"SET LOCAL {name} " + ("TO DEFAULT" if on is None else "= on" if on else "= off")
                          for name, on in switches.items()))


def _pg_pool(cur, match: str, scope: str, scope_params: list) -> list[int]:
    """The ids of the newest RANK_CANDIDATES readable documents matching `match`, read the cheaper way.

    Walking the documents newest first tests each one (reading its tsvector): cheap when many match, the
    whole table when few do. The GIN index gives every match, each a look at its row: cheap when few
    match. The planner's guess of how many documents an any-word query matches is often far off (a walk of
    the whole table for a rare word), so the index is asked first, for at most about sqrt(RANK_CANDIDATES
    × documents × WALK_COST) of them: fewer is every match, already in hand; that many means a walk is
    short. No JIT: the costs the planner gives these statements (a tsvector test per row) are far above
    jit_above_cost, and compiling took longer (10–100 ms) than running them. Leaves JIT and the index scans
    (or the bitmap scans) switched off."""
    cur.execute(f"SELECT GREATEST(reltuples, 0) FROM pg_class WHERE oid = '{PG_TABLE}'::regclass")
    enough = max(RANK_CANDIDATES * 4, int(math.sqrt(RANK_CANDIDATES * cur.fetchone()[0] * WALK_COST)))
    _set_local(cur, jit=False, enable_seqscan=False, enable_indexscan=False)
    cur.execute(f"SELECT article_id FROM (SELECT article_id FROM {PG_TABLE} WHERE {PG_TABLE}.document @@ "
                f"%s::tsquery AND {scope} LIMIT %s) matches ORDER BY article_id DESC",
                [match, *scope_params, enough])
    found = [row[0] for row in cur.fetchall()]
    if len(found) < enough:
        return found[:RANK_CANDIDATES]
    _set_local(cur, enable_indexscan=True, enable_bitmapscan=False)
    cur.execute(f"SELECT article_id FROM {PG_TABLE} WHERE {PG_TABLE}.document @@ %s::tsquery AND {scope} "
                f"ORDER BY article_id DESC LIMIT {RANK_CANDIDATES}", [match, *scope_params])
    return [row[0] for row in cur.fetchall()]


def _ranked_ids(words: list[str], tokens: list[str], user, language: str | None, service_id: int | None,
                limit: int, using: str) -> list[tuple[int, float]]:
    """(id, score) of the best `limit` readable articles with any of `tokens` (`words` and their synonyms).

    The newest RANK_CANDIDATES readable matches are ranked (the reader's scope is a condition of the
    pool itself, never applied after its limit): a common word costs a bounded time at any size. The pool
    is read from the documents and their scope alone; only its articles are read for the ranking."""
    vendor = _vendor(using)
    script = _script_language(words)
    table = PG_TABLE if vendor == "postgresql" else SCOPE_TABLE
    scope, scope_params = readable_documents_sql(user, table)
    if service_id is not None:
        scope, scope_params = f"{scope} AND {table}.service_id = %s", [*scope_params, service_id]
    if vendor == "postgresql":
        added = [token for token in tokens if token not in words]
        ranks = [tsquery_literal(words, any_word=True), *([tsquery_literal(added, any_word=True)] if added else [])]
        # ts_rank counts each matched word of the query (it has no notion of rarity): the synonyms of one
        # word ranked with it would count one meaning several times. They are ranked apart, below it.
        text = f"ts_rank('{PG_WEIGHTS}', {PG_TABLE}.document, %s::tsquery, 1)"
        if len(ranks) > 1:
            text = f"({text} + {SYNONYM_WEIGHT} * {text})"
        with transaction.atomic(using=using), connections[using].cursor() as cur:
            pool = _pg_pool(cur, tsquery_literal(tokens, any_word=True), scope, scope_params)
            ranked = []
            if pool:
                cur.execute(f"SELECT knowledge_article.id, {_score_sql(vendor, text)} AS score "
                            f"FROM knowledge_article JOIN {PG_TABLE} ON {PG_TABLE}.article_id = knowledge_article.id "
                            "WHERE knowledge_article.id = ANY(%s) ORDER BY score DESC, knowledge_article.id DESC "
                            "LIMIT %s", [*ranks, language or "", script, pool, limit])
                ranked = cur.fetchall()
            # An error rolls the savepoint back, and the settings with it.
            _set_local(cur, jit=None, enable_seqscan=None, enable_indexscan=None, enable_bitmapscan=None)
            return ranked
    match = fts5_query(tokens, any_word=True)
    with connections[using].cursor() as cur:
        statistics = _statistics(cur, tokens)
        if statistics is None:
            return []
        # FTS5 gives the matches newest first as they are read (CROSS JOIN keeps it driving), each kept or
        # left by its scope row; the article rows (and the kept terms) are read for the pool's rows only.
        pool = (f"FROM {FTS_TABLE} CROSS JOIN {SCOPE_TABLE} CROSS JOIN {{rows}} "
                f"WHERE {FTS_TABLE} MATCH %s AND {SCOPE_TABLE}.article_id = {FTS_TABLE}.rowid AND {scope} "
                f"AND {{joined}} ORDER BY {FTS_TABLE}.rowid DESC LIMIT {RANK_CANDIDATES}")
        if sum(statistics.df.values()) <= BM25_DIRECT_BASE + BM25_DIRECT_PER_WORD * len(statistics.df):
            text = f"(-bm25({FTS_TABLE}, {', '.join(map(str, FTS_WEIGHTS))}))"
            rows = pool.format(rows="knowledge_article", joined=f"knowledge_article.id = {FTS_TABLE}.rowid")
            cur.execute(f"SELECT id, score FROM (SELECT {FTS_TABLE}.rowid AS id, {_score_sql(vendor, text)} AS score "
                        f"{rows}) ORDER BY score DESC, id DESC LIMIT %s",
                        [language or "", script, match, *scope_params, limit])
            return cur.fetchall()
        # The lifts (recency, popularity, language) in SQL, the text rank here (cheaper than as SQL
        # expressions per word and row).
        rows = pool.format(rows=f"{TERMS_TABLE} CROSS JOIN knowledge_article",
                           joined=f"{TERMS_TABLE}.article_id = {FTS_TABLE}.rowid "
                                  f"AND knowledge_article.id = {FTS_TABLE}.rowid")
        cur.execute(f"SELECT knowledge_article.id, {_score_sql(vendor, '1')}, {TERMS_TABLE}.length, "
                    f"{TERMS_TABLE}.terms {rows}", [language or "", script, match, *scope_params])
        text_rank = statistics.bm25()
        ranked = [(pk, lift * text_rank(length, terms)) for pk, lift, length, terms in cur.fetchall()]
    ranked.sort(key=lambda row: (-row[1], -row[0]))
    return ranked[:limit]


@dataclasses.dataclass(frozen=True)
class Statistics:
    """SQLite: what BM25 needs of the whole index for some tokens: documents, their tokens, and how many
    documents have each token (those no document has are left out)."""

    documents: int
    tokens: int
    df: dict[str, int]

    def bm25(self) -> Callable[[int, str], float]:
        """The BM25 of a document of search_articleterms (a function of its length and terms) — FTS5's
        formula: the sum over the tokens it has of idf · f(k1 + 1) / (f + k1(1 − b + b · length / average
        length)), f the token's weighted frequency, idf log((N − df + ½) / (df + ½)) and at least 1e-6."""
        needles = [(f"{TERM_START}{term}{TERM_COUNT}",
                    max(math.log((self.documents - df + 0.5) / (df + 0.5)), 1e-6) * (BM25_K1 + 1))
                   for term, df in self.df.items()]
        base, per_token = BM25_K1 * (1 - BM25_B), BM25_K1 * BM25_B * self.documents / self.tokens

        def rank(length: int, terms: str) -> float:
            k, score = base + per_token * length, 0.0
            for needle, weight in needles:
                at = terms.find(needle)
                if at >= 0:
                    start = at + len(needle)
                    end = terms.find(TERM_START, start)
                    frequency = float(terms[start:end] if end >= 0 else terms[start:])
                    score += weight * frequency / (frequency + k)
            return score

        return rank


def _statistics(cur, tokens: list[str]) -> Statistics | None:
    """The kept statistics for `tokens`; None when no document has any of them."""
    marks = ", ".join(["%s"] * len(tokens))
    cur.execute(f"SELECT NULL, documents, tokens FROM {STATS_TABLE} UNION ALL "
                f"SELECT term, df, NULL FROM {DF_TABLE} WHERE term IN ({marks})", tokens)
    rows = cur.fetchall()
    totals = [(documents, total) for term, documents, total in rows if term is None]
    df = {term: count for term, count, _ in rows if term is not None}
    return Statistics(*totals[0], df) if totals and totals[0][0] and df else None


def find_articles(text: str, *, user, language: str | None = None, service_id: int | None = None,
                  limit: int = 10, record_gap: bool = False, using: str = "default") -> list[ArticleHit]:
    """The live articles `user` may read that best match `text` (any of its words), best first.

    One article per translation family: where an article and its translation both match, the one in the
    reader's `language` takes the better place of the two (the other is left out)."""
    words = any_tokens(text)
    tokens = synonyms.expand(words) if words else []
    limit = max(1, min(limit, 100))
    # Twice the room: translations found together leave as many places as they take.
    ranked = _ranked_ids(words, tokens, user, language, service_id, limit * 2, using) if tokens else []
    if not ranked:
        if record_gap and words:
            from servicedesk.knowledge.actions.gaps import record_search_gap

            record_search_gap(text, language or "")
        return []
    # The scope rule itself once more, on the few found: should readable_documents_sql ever fall behind
    # visibility (a new audience), an article is left out rather than shown to the wrong reader.
    found = visibility.readable(user, Article.objects.using(using)).in_bulk([pk for pk, _ in ranked])
    chosen = _one_per_family([(found[pk], score) for pk, score in ranked if pk in found], language)[:limit]
    marked = frozenset(tokens)
    return [ArticleHit(article, float(score), highlight(article.live_title, marked),
                       snippet(article.live_summary + "\n" + _snippet_text(article.live_body), marked))
            for article, score in chosen]


def _one_per_family(ranked: list[tuple[Article, float]], language: str | None) -> list[tuple[Article, float]]:
    """The best-placed member of each translation family, in its place; the member in `language` instead
    when it matched too (with the better score of the two)."""
    places: dict[int, int] = {}
    chosen: list[tuple[Article, float]] = []
    for article, score in ranked:
        family = article.family_id
        if family not in places:
            places[family] = len(chosen)
            chosen.append((article, score))
        elif language and article.language == language and chosen[places[family]][0].language != language:
            chosen[places[family]] = (article, chosen[places[family]][1])
    return chosen


# ---------------------------------------------------------------------------------------------
# Highlighting


# Words of other scripts than Chinese (Latin, digits, …), also where they touch Chinese ("VPN连接").
NOT_HAN_WORD = re.compile(r"[^\W_\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]+")


@functools.lru_cache(maxsize=1024)
def _han_pattern(marked: frozenset[str]) -> re.Pattern | None:
    """The marked Chinese words, longest first (打印机 before 打印): found where they occur, without
    segmenting the text again (segmenting every hit's body cost more than the search)."""
    words = sorted((word for word in marked if HAN.search(word)), key=lambda word: (-len(word), word))
    return re.compile("|".join(map(re.escape, words))) if words else None


def _spans(text: str, marked: frozenset[str]) -> list[tuple[int, int]]:
    """(start, end) of each word of `text` whose token is one of `marked`, in order, not overlapping."""
    found = [m.span() for m in NOT_HAN_WORD.finditer(text) if stem(m.group().lower()) in marked]
    pattern = _han_pattern(marked)
    if pattern is not None:
        found += [m.span() for m in pattern.finditer(text.lower())]
    spans, last = [], 0
    for begin, end in sorted(found):
        if begin >= last:
            spans.append((begin, end))
            last = end
    return spans


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
    return _marked(text, _spans(text, marked))


SPACES = re.compile(r"\s+")


def snippet(text: str, marked: frozenset[str], size: int = SNIPPET_CHARS) -> str:
    """About `size` characters of `text` around the place where most distinct matched words are close
    together, escaped, the matched words in <mark>; the text's start when nothing matches."""
    text = SPACES.sub(" ", text).strip()
    text = text[:SNIPPET_SOURCE_CHARS]
    spans = _spans(text, marked)[:MAX_SPANS]
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
