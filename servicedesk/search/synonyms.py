"""The synonym sets, cached as reference data (core.refdata: a change shows at the next search), and
the expansion of a query by them: each query term that is a whole term of a set adds the set's other
terms' tokens (any-word queries only: articles and similar tickets)."""

from __future__ import annotations

import dataclasses
import logging

from django.db import DatabaseError, transaction

from servicedesk.core import refdata

from . import tokens

log = logging.getLogger(__name__)


@dataclasses.dataclass(frozen=True)
class Table:
    groups: tuple[tuple[tuple[str, ...], ...], ...] = ()  # per set, each term's tokens
    words: frozenset[str] = frozenset()  # the Chinese terms, for jieba's dictionary


def _build() -> Table:
    from .models import Synonym

    try:
        with transaction.atomic():  # a savepoint: a database without the table yet stays usable
            sets = [s.term_list() for s in Synonym.objects.order_by("pk")]
    except DatabaseError:
        log.warning("No synonyms table yet; searching without synonyms.")
        return Table()
    words = frozenset(term for terms in sets for term in terms if tokens.HAN.search(term))
    tokens.add_words(words)  # before the terms themselves are segmented
    groups = []
    for terms in sets:
        group = tuple(dict.fromkeys(t for t in (_term_tokens(term) for term in terms) if t))
        if len(group) > 1:
            groups.append(group)
    return Table(tuple(groups), words)


def _term_tokens(term: str) -> tuple[str, ...]:
    """A term's tokens. A Chinese word (in the dictionary now) is its one token: the shorter words
    segmentation also finds inside it (打印机 → 打印, 印机) would count one meaning three times."""
    if tokens.WORD.fullmatch(term) and tokens.HAN.search(term) and not term.isascii():
        whole = term.lower()
        if all(tokens.HAN.match(char) for char in whole):
            return (whole,)
    return tuple(tokens.plain_tokens(term))


def table() -> Table:
    return refdata.cached("search:synonyms", _build)


def words() -> frozenset[str]:
    """The synonyms' Chinese terms (tokens.words_from: in jieba's dictionary before a text is segmented)."""
    return table().words


def expand(query: list[str]) -> list[str]:
    """`query`'s tokens followed by those its synonyms add (distinct, in order)."""
    present = set(query)
    out = dict.fromkeys(query)
    for group in table().groups:
        if any(set(term) <= present for term in group):
            for term in group:
                out.update(dict.fromkeys(term))
    return list(out)
