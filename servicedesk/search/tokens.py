"""One tokenizer for documents and queries: Chinese segmented with jieba, other text in lower-cased words,
English words stemmed (printers, printing → printer, print).

Punctuation, symbols and white space only separate tokens; they are never part of one, so nothing a
user types can reach the full-text engines' query syntax.

Documents and queries must be segmented alike: jieba's dictionary gets the desk's own words
(words.txt) before the first segmentation, and the Chinese terms of the synonyms (search.synonyms)
as they are loaded. A change to either, or to the stemming, changes the tokens of texts already
indexed: `servicedesk reindex-search` makes the stored documents agree again.
"""

from __future__ import annotations

import functools
import logging
import re
import threading
from collections.abc import Callable, Iterable
from pathlib import Path

import jieba
import Stemmer

# Runs of letters and digits (any script). Underscore and punctuation separate.
WORD = re.compile(r"[^\W_]+")
# The ideographs jieba segments (its own Han class); other scripts are kept as whole words.
HAN = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")
# Longer tokens (hashes, base64 blobs) are not searchable words; the same cap applies to queries.
MAX_TOKEN = 64
# A query's first words only: each adds an AND term.
MAX_QUERY_TOKENS = 16
WORDS_FILE = Path(__file__).with_name("words.txt")
# Words too common to tell articles apart: an any-word query leaves them out when it has other words
# (else "my printer will not print" would rank nearly every article). Stemmed below, as tokenize() gives.
_COMMON = (
    "a an and are as at be been but by can cannot could do does did for from get got had has have how i if in "
    "into is it its me my no not of on or our please so that the their them then there this to too us was we "
    "what when where which who why will with would you your "
    "的 了 是 我 我们 你 您 在 和 也 都 不 就 吗 呢 吧 啊 一个 有 没有 怎么 怎么办 如何 什么 为什么 请 请问 一下 "
    "无法 不能 不了 时候"
).split()
# A sentence's first words only.
MAX_ANY_TOKENS = 24

_ready = threading.Lock()
_initialised = False
_added: set[str] = set()
# Where the words beyond words.txt come from (the synonyms' Chinese terms; set in SearchConfig.ready).
_words_source: Callable[[], Iterable[str]] | None = None
_stemmers = threading.local()  # a Stemmer object is not thread-safe: one per thread


def _jieba():
    global _initialised
    if not _initialised:
        with _ready:
            if not _initialised:
                jieba.setLogLevel(logging.WARNING)
                jieba.initialize()
                for line in WORDS_FILE.read_text(encoding="utf-8").splitlines():
                    word = line.split("#", 1)[0].strip()
                    if word:
                        jieba.add_word(word)
                        _added.add(word)
                _initialised = True
    return jieba


def add_words(words: Iterable[str]) -> bool:
    """Add words to jieba's dictionary (the synonyms' Chinese terms); returns whether any was new.

    Texts segmented before keep their old tokens: the cache of segmented runs is cleared, the index is not."""
    new = {w for w in words if w and HAN.search(w) and w not in _added}
    if not new:
        return False
    segmenter = _jieba()
    with _ready:
        for word in sorted(new):
            segmenter.add_word(word)
            _added.add(word)
        _segment.cache_clear()
    return True


def words_from(source: Callable[[], Iterable[str]] | None) -> None:
    """Name the function giving the current extra words; each text with Chinese asks it first (it is
    expected to be cached), so that every process segments with the same dictionary."""
    global _words_source
    _words_source = source


def _stemmer() -> Stemmer.Stemmer:
    stemmer = getattr(_stemmers, "english", None)
    if stemmer is None:
        stemmer = _stemmers.english = Stemmer.Stemmer("english")
    return stemmer


@functools.lru_cache(maxsize=65536)
def stem(token: str) -> str:
    """English stem of a Latin word; other tokens as they are."""
    if not token.isascii() or token.isdigit():
        return token
    return _stemmer().stemWord(token)


def tokenize(text: str | None) -> list[str]:
    """The tokens of `text` in order, repeats kept (positions matter for ranking).

    Chinese goes through `jieba.lcut_for_search`, which yields the words and the shorter words inside
    them (打印机 → 打印, 打印机), so two-character words are found inside longer ones. Mixed runs
    such as "VPN连接失败" are split by jieba too (vpn, 连接, 失败)."""
    if not text:
        return []
    if _words_source is not None and HAN.search(text):
        add_words(_words_source())
    return plain_tokens(text)


def plain_tokens(text: str) -> list[str]:
    """tokenize() with the dictionary as it is now (for the synonyms' own terms, being loaded)."""
    out: list[str] = []
    for run in WORD.findall(text.lower()):
        if HAN.search(run):
            out.extend(_segment(run))
        elif len(run) <= MAX_TOKEN:
            out.append(stem(run))
    return out


@functools.lru_cache(maxsize=65536)
def _segment(run: str) -> tuple[str, ...]:
    """jieba's tokens of one run of letters and digits. A run is segmented on its own (punctuation and
    spaces around it do not matter), so phrases that come back again and again are segmented once."""
    # jieba may return separators or glue runs with its own rules: keep word characters only.
    return tuple(stem(tok) for piece in _jieba().lcut_for_search(run) for tok in WORD.findall(piece)
                 if len(tok) <= MAX_TOKEN)


def query_tokens(text: str | None) -> list[str]:
    """The distinct tokens of a query, in order; every one must match."""
    seen: dict[str, None] = {}
    for tok in tokenize(text):
        seen.setdefault(tok, None)
        if len(seen) >= MAX_QUERY_TOKENS:
            break
    return list(seen)


def any_tokens(text: str | None) -> list[str]:
    """The distinct tokens of an any-word query (a sentence a customer types), without the words that
    tell nothing apart: stopwords and single characters, unless nothing else is left."""
    tokens = list(dict.fromkeys(tokenize(text)))
    telling = [tok for tok in tokens if tok not in STOPWORDS and len(tok) > 1]
    return (telling or [tok for tok in tokens if tok not in STOPWORDS] or tokens)[:MAX_ANY_TOKENS]


STOPWORDS = frozenset(stem(word) for word in _COMMON)
