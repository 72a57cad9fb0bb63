"""Searching the help centre and the suggestions under a new request: highlighted matches within the
reader's audience, searches without a result recorded (suggestions never), odd and huge input."""

from django.contrib.auth.models import AnonymousUser
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from servicedesk.knowledge import ranking
from servicedesk.knowledge.models import Audience, SearchGap
from tests.knowledge.self_service import published

from .test_help import client_for


def _library(desk):
    return {
        "public": published(desk, title="Printer offline on floor 3", audience=Audience.PUBLIC),
        "customers": published(desk, title="Printer driver for customers"),
        "staff": published(desk, title="Printer spooler runbook", audience=Audience.STAFF),
        "other_org": published(desk, title="Printer quota for organisation B",
                               organisations=[desk.customer3.organisation]),
    }


def test_search_highlights_within_the_audience_and_records_gaps(desk):
    _library(desk)
    body = client_for(desk.customer1).get(reverse("help:search"), {"q": "printer"}).content.decode()
    assert "<mark>Printer</mark> offline" in body and "driver for customers" in body
    assert "spooler" not in body and "quota" not in body
    body = Client().get(reverse("help:search"), {"q": "printer"}).content.decode()
    assert "offline" in body and "driver for customers" not in body
    assert client_for(desk.customer1).get(reverse("help:search"), {"q": "zebra wombat"}).status_code == 200
    assert SearchGap.objects.count() == 1


def test_odd_and_huge_searches_are_answered_escaped(desk):
    _library(desk)
    client = client_for(desk.customer1)
    for text in ("<script>alert(1)</script>", "%_\\*\"'()[]{}:^~-", "打印机 🖨️", "AND OR NOT NEAR", "x" * 20_000,
                 "   "):
        response = client.get(reverse("help:search"), {"q": text})
        assert response.status_code == 200, text
        assert "<script>alert(1)" not in response.content.decode()
        response = client.get(reverse("help:suggest"), {"q": text, "draft": text})
        assert response.status_code == 200, text
    assert client.get(reverse("help:search"), {"q": "a\x00b"}).status_code == 400


def test_suggestions_carry_the_draft_and_keep_the_audience(desk, django_assert_max_num_queries):
    library = _library(desk)
    draft = "draft-key-0123456789ab"
    visitor = Client()
    visitor.get(reverse("help:suggest"), {"q": "printer"})  # the synonyms and words are read once, then cached
    # One search, nothing else: the endpoint answers on every key press. (The search's own statements: 2 on
    # SQLite; on PostgreSQL also its planner settings and the pool's size check.)
    with CaptureQueriesContext(connection) as one_search:
        ranking.suggestions("printer offline", AnonymousUser())
    with django_assert_max_num_queries(len(one_search)):
        body = visitor.get(reverse("help:suggest"), {"q": "printer offline", "draft": draft}).content.decode()
    assert f'href="/help/articles/{library["public"].pk}/?from=suggest&amp;draft={draft}"' in body
    assert 'target="_blank"' in body and "driver for customers" not in body
    body = client_for(desk.customer1).get(reverse("help:suggest"), {"q": "printer"}).content.decode()
    assert "driver for customers" in body and "spooler" not in body and "quota" not in body
    assert client_for(desk.customer1).get(reverse("help:suggest"), {"q": "zebra wombat"}).content.strip() == b""
    assert not SearchGap.objects.exists()


def test_api_suggestions_within_the_audience(desk, api):
    _library(desk)
    response = api("customer1").get("knowledge/suggest", {"q": "printer"})
    assert response.status_code == 200
    titles = {hit["title"] for hit in response.json_body}
    assert titles == {"Printer offline on floor 3", "Printer driver for customers"}
    assert all("<mark>" in hit["title_html"] for hit in response.json_body)
    assert {hit["title"] for hit in api("customer3").get("knowledge/suggest", {"q": "printer"}).json_body} == {
        "Printer offline on floor 3", "Printer driver for customers", "Printer quota for organisation B"}
    assert api("customer1").get("knowledge/suggest", {"q": "x" * 301}).status_code == 422
    assert api("customer1").get("knowledge/suggest", {"q": "<b>"}).status_code == 200
