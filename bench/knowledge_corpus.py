"""The knowledge benchmarks' data: bench/knowledge/articles.json (the corpus) and queries.json (the labelled
relevance set), and loading the corpus into a desk through knowledge.actions as its staff would.

Used by bench.knowledge_relevance and bench.knowledge_speed (run inside a configured Django).
"""

from __future__ import annotations

import json
from pathlib import Path

DATA = Path(__file__).resolve().parent / "knowledge"


def articles() -> list[dict]:
    return json.loads((DATA / "articles.json").read_text(encoding="utf-8"))["articles"]


def queries() -> list[dict]:
    return json.loads((DATA / "queries.json").read_text(encoding="utf-8"))["queries"]


def catalogue() -> tuple[dict, dict]:
    """The demo catalogue's services by name, and its categories by (service name, category name)."""
    from servicedesk.tickets.models import Category, Service

    services = {s.name: s for s in Service.objects.all()}
    categories = {(c.service.name, c.name): c for c in Category.objects.select_related("service")}
    return services, categories


def publish_corpus(writer, publisher, corpus: list[dict] | None = None) -> dict[str, int]:
    """Every corpus article written by `writer` and published by `publisher` through knowledge.actions
    (translations linked); returns corpus id → Article pk."""
    from servicedesk.knowledge.actions import ArticleInput, create_article, publish_article
    from servicedesk.knowledge.models import Article
    from servicedesk.tickets.models import Channel

    services, categories = catalogue()
    pks: dict[str, int] = {}
    for item in corpus if corpus is not None else articles():
        service = services.get(item["service"]) if item["service"] else None
        category = categories.get((item["service"], item["category"])) if item["category"] else None
        translated = item.get("translation_of")
        data = ArticleInput(
            title=item["title"], summary=item["summary"], body=item["body"], language=item["language"],
            audience=item["audience"], service=service, category=category, tags=item["tags"],
            translation_of=Article.objects.get(pk=pks[translated]) if translated else None,
        )
        article = create_article(data, actor=writer, channel=Channel.SYSTEM)
        publish_article(article, actor=publisher, channel=Channel.SYSTEM)
        pks[item["id"]] = article.pk
    return pks
