"""SQLite article search ranks by BM25 from kept statistics (search.articles): they follow every publish,
republish, unpublish and delete, and the score they give is FTS5's own bm25() for the same rows."""

import collections
import math

import pytest
from django.db import connection

from servicedesk.knowledge import actions
from servicedesk.search import articles

from .test_articles import CONSOLE, publish

pytestmark = pytest.mark.skipif(connection.vendor != "sqlite", reason="SQLite's ranking statistics")


def recount() -> tuple[tuple[int, int], dict[str, int]]:
    """The statistics as they should be, counted afresh from the FTS5 documents."""
    with connection.cursor() as cur:
        cur.execute(f"SELECT rowid, title, keywords, summary, body FROM {articles.FTS_TABLE}")
        rows = [articles.term_row(pk, tuple(column.split() for column in columns))
                for pk, *columns in cur.fetchall()]
    df = collections.Counter()
    for _pk, _length, terms in rows:
        df.update(articles._terms_of(terms))
    return (len(rows), sum(length for _pk, length, _terms in rows)), dict(df)


def kept() -> tuple[tuple[int, int], dict[str, int]]:
    with connection.cursor() as cur:
        cur.execute(f"SELECT documents, tokens FROM {articles.STATS_TABLE}")
        stats = cur.fetchone()
        cur.execute(f"SELECT term, df FROM {articles.DF_TABLE}")
        return tuple(stats), dict(cur.fetchall())


def test_statistics_follow_publish_republish_unpublish_delete_and_rebuild(desk):
    manager, agent = desk.users["manager"], desk.users["agent1"]
    printer = publish(desk, "Printer jam", "Open the printer's front cover and remove the paper.")
    publish(desk, "打印机卡纸", "打开打印机前盖，取出卡住的纸张。", language="zh-hans")
    vpn = publish(desk, "VPN from home", "Install the VPN client.", tags=["vpn", "remote"])
    assert kept() == recount() and kept()[0][0] == 3
    printer = actions.update_article(printer, actions.ArticleInput(title="Toner and paper jams"), actor=agent,
                                     channel=CONSOLE)
    actions.publish_article(printer, actor=manager, channel=CONSOLE)
    assert kept() == recount() and "toner" in kept()[1] and "printer" in kept()[1]
    actions.unpublish_article(vpn, actor=manager, channel=CONSOLE)
    assert kept() == recount() and "vpn" not in kept()[1], "a term no document has any more leaves the counts"
    assert articles.rebuild_articles(batch=1) == 2
    assert kept() == recount() and kept()[0][0] == 2


def test_the_score_is_fts5s_bm25(desk):
    publish(desk, "Printer on your floor does not print", "Check the paper tray and restart the printer.")
    publish(desk, "Connect to the VPN from home", "Install the client, then sign in with your account.")
    publish(desk, "Paper jam in the printer", "Open the cover. Remove the paper. Close the cover.",
            summary="Printer jams", tags=["printer"])
    publish(desk, "打印机卡纸的处理方法", "打开打印机前盖，取出卡住的纸张。", language="zh-hans")
    for subject in ("Mailbox full", "Forgotten password", "Blue screen", "Slow laptop"):
        publish(desk, subject, "Ask the service desk.")
    tokens = ["printer", "paper", "vpn", "打印机"]
    weights = ", ".join(map(str, articles.FTS_WEIGHTS))
    with connection.cursor() as cur:
        cur.execute(f"SELECT rowid, -bm25({articles.FTS_TABLE}, {weights}) FROM {articles.FTS_TABLE} "
                    f"WHERE {articles.FTS_TABLE} MATCH %s", [" OR ".join(f'"{t}"' for t in tokens)])
        expected = dict(cur.fetchall())
        rank = articles._statistics(cur, tokens).bm25()
        cur.execute(f"SELECT article_id, length, terms FROM {articles.TERMS_TABLE}")
        computed = {pk: rank(length, terms) for pk, length, terms in cur.fetchall()}
    computed = {pk: score for pk, score in computed.items() if score > 0}
    assert len(expected) == 4 and computed.keys() == expected.keys()
    for pk, score in expected.items():
        assert math.isclose(computed[pk], score, rel_tol=1e-9), (pk, computed[pk], score)


def test_both_ways_of_ranking_give_the_same_order_and_scores(desk, monkeypatch):
    """bm25() while the query's words have few documents, the kept terms beyond: the same answer."""
    publish(desk, "Printer on your floor does not print", "Check the paper tray and restart the printer.")
    publish(desk, "Paper jam in the printer", "Open the cover. Remove the paper.", summary="Printer jams")
    publish(desk, "Printer driver", "Install the printer driver from the software centre.", tags=["printer"])
    publish(desk, "打印机卡纸的处理方法", "打开打印机前盖，取出卡住的纸张。", language="zh-hans")
    for subject in ("Mailbox full", "Forgotten password", "Blue screen", "Slow laptop"):
        publish(desk, subject, "Ask the service desk.")
    customer = desk.users["customer1"]
    words = ["printer", "paper", "打印机"]

    def ranked(direct_up_to: int) -> list[tuple[int, float]]:
        monkeypatch.setattr(articles, "BM25_DIRECT_BASE", direct_up_to)
        monkeypatch.setattr(articles, "BM25_DIRECT_PER_WORD", 0)
        return articles._ranked_ids(words, words, customer, "en", None, 10, "default")

    by_fts5, by_kept_terms = ranked(10**9), ranked(-1)
    assert len(by_fts5) == 4
    assert [pk for pk, _ in by_fts5] == [pk for pk, _ in by_kept_terms]
    assert all(math.isclose(a, b, rel_tol=1e-9) for (_, a), (_, b) in zip(by_fts5, by_kept_terms, strict=True))
