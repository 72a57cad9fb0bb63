"""The knowledge benchmarks' data and arithmetic: the corpus and the labelled queries hold together, the
relevance scores are computed as bench/README.md says, the corpus publishes through the actions, and the
speed bench's generated articles are varied, mixed in audience and found through the search module."""

import re

from bench import knowledge_corpus, knowledge_relevance, knowledge_speed
from servicedesk import search
from servicedesk.knowledge.models import Article, Audience, Language
from servicedesk.search.articles import rebuild_articles

CJK = re.compile(r"[\u4e00-\u9fff]")


def test_corpus_is_bilingual_with_linked_translations():
    articles = knowledge_corpus.articles()
    by_id = {a["id"]: a for a in articles}
    assert len(by_id) == len(articles) >= 150
    languages = [a["language"] for a in articles]
    assert set(languages) == set(Language.values)
    assert abs(languages.count("en") - languages.count("zh-hans")) < len(articles) / 5
    pairs = [a for a in articles if a.get("translation_of")]
    assert len(pairs) >= 20
    for article in pairs:
        assert by_id[article["translation_of"]]["language"] != article["language"]
    for article in articles:
        assert article["audience"] in Audience.values and article["title"] and "\n" in article["body"]
        assert bool(CJK.search(article["title"])) == (article["language"] == "zh-hans")


def test_queries_name_corpus_articles_and_cover_the_issue_words():
    ids = {a["id"] for a in knowledge_corpus.articles()}
    queries = knowledge_corpus.queries()
    assert len(queries) >= 100
    for query in queries:
        assert query["first"] and set(query["first"] + query["also"]) <= ids
    short = {q["q"] for q in queries if q["kind"] == "short2"}
    assert {"网络", "密码", "打印", "邮箱", "蓝屏", "无线", "会议", "账号"} <= short
    assert all(len(word) == 2 for word in short)
    assert {"mixed", "sentence", "synonym", "inflection", "en"} <= {q["kind"] for q in queries}


def test_scores():
    result = {"first": ["a", "b"], "also": ["c"], "got": ["x", "b", "c", "a", "y"]}
    scored = knowledge_relevance.score(result)
    assert scored["rank"] == 2 and scored["rr"] == 0.5 and not scored["hit1"] and scored["hit2"]
    assert scored["p5"] == 1.0  # all three labelled articles are in the top 5
    missed = knowledge_relevance.score({"first": ["a"], "also": [], "got": ["x"]})
    assert missed["rr"] == 0 and missed["p5"] == 0 and missed["rank"] is None
    summary = knowledge_relevance.summary([(result, scored), ({}, missed)])
    assert summary["mrr"] == 0.25 and summary["hit2"] == 0.5


def test_corpus_publishes_through_the_actions(desk):
    corpus = knowledge_corpus.articles()[:6]
    pks = knowledge_corpus.publish_corpus(desk.users["agent1"], desk.users["lead1"], corpus)
    live = Article.objects.filter(pk__in=pks.values(), is_live=True)
    assert live.count() == 6 and set(live.values_list("published_by__username", flat=True)) == {"lead1"}
    translated = Article.objects.get(pk=pks["vpn-connect-fail-en"])
    assert translated.translation_of_id == pks["vpn-connect-fail-zh"]
    assert translated.category.name == "Cannot connect" and translated.service.name == "Network"


def test_generated_articles_are_varied_and_searchable(desk):
    people = {name: desk.users[name] for name in ("agent1", "lead1")}
    corpus = knowledge_corpus.articles()
    knowledge_speed.top_up(400, corpus, people, seed=1, batch=150)
    articles = Article.objects.all()
    assert articles.count() == 400
    assert len(set(articles.values_list("title", flat=True))) == 400
    assert {Audience.PUBLIC, Audience.CUSTOMERS, Audience.STAFF} == set(articles.values_list("audience", flat=True))
    assert articles.filter(organisations__isnull=False).exists()
    assert 0.8 < articles.filter(is_live=True).count() / 400 < 0.97
    assert rebuild_articles() == articles.filter(is_live=True).count()
    hits = search.find_articles("打印机卡纸", user=desk.users["customer1"], language="zh-hans")
    assert hits and all(hit.article.audience != Audience.STAFF for hit in hits)
