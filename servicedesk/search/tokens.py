"""One tokenizer for documents and queries: Chinese segmented with jieba, other text in lower-cased words.

Punctuation, symbols and white space only separate tokens; they are never part of one, so nothing a
user types can reach the full-text engines' query syntax.
"""

from __future__ import annotations

import functools
import logging
import re
import threading

import jieba

# Runs of letters and digits (any script). Underscore and punctuation separate.
WORD = re.compile(r"[^\W_]+")
# The ideographs jieba segments (its own Han class); other scripts are kept as whole words.
HAN = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")
# Longer tokens (hashes, base64 blobs) are not searchable words; the same cap applies to queries.
MAX_TOKEN = 64
# A query's first words only: each adds an AND term.
MAX_QUERY_TOKENS = 16

_ready = threading.Lock()
_initialised = False


def _jieba():
    global _initialised
    if not _initialised:
        with _ready:
            if not _initialised:
                jieba.setLogLevel(logging.WARNING)
                jieba.initialize()
                _initialised = True
    return jieba


def tokenize(text: str | None) -> list[str]:
    """The tokens of `text` in order, repeats kept (positions matter for ranking).

    Chinese goes through `jieba.lcut_for_search`, which yields the words and the shorter words inside
    them (打印机 → 打印, 打印机), so two-character words are found inside longer ones. Mixed runs
    such as "VPN连接失败" are split by jieba too (vpn, 连接, 失败)."""
    if not text:
        return []
    out: list[str] = []
    for run in WORD.findall(text.lower()):
        if HAN.search(run):
            out.extend(_segment(run))
        elif len(run) <= MAX_TOKEN:
            out.append(run)
    return out


@functools.lru_cache(maxsize=65536)
def _segment(run: str) -> tuple[str, ...]:
    """jieba's tokens of one run of letters and digits. A run is segmented on its own (punctuation and
    spaces around it do not matter), so phrases that come back again and again are segmented once."""
    # jieba may return separators or glue runs with its own rules: keep word characters only.
    return tuple(tok for piece in _jieba().lcut_for_search(run) for tok in WORD.findall(piece) if len(tok) <= MAX_TOKEN)


def query_tokens(text: str | None) -> list[str]:
    """The distinct tokens of a query, in order; every one must match."""
    seen: dict[str, None] = {}
    for tok in tokenize(text):
        seen.setdefault(tok, None)
        if len(seen) >= MAX_QUERY_TOKENS:
            break
    return list(seen)
