"""The help centre (/help/) as anonymous visitors and customers read it: the FAQ by service, an article in
the reader's language, feedback, "solved", and the draft key that ties suggestions to a request."""

import re

import pytest
from django.test import Client
from django.urls import reverse

from servicedesk.knowledge.models import Article, ArticleEvent, Audience, EventKind, Feedback
from servicedesk.tickets.models import Category, Service, Ticket
from tests.knowledge.self_service import published

STAFF_TITLE = "Kumquat staff-only runbook"
OTHER_ORG_TITLE = "Walrus organisation B only"


def client_for(user=None, language="en") -> Client:
    client = Client(HTTP_ACCEPT_LANGUAGE=language)
    if user is not None:
        user.language = language
        user.save(update_fields=["language"])
        client.force_login(user)
    return client


@pytest.fixture
def library(desk):
    service = Service.objects.filter(is_active=True).order_by("order", "name").first()
    articles = {
        "public": published(desk, title="Public printer guide", audience=Audience.PUBLIC, service=service),
        "customers": published(desk, title="Customers VPN guide", service=service),
        "staff": published(desk, title=STAFF_TITLE, audience=Audience.STAFF, service=service),
        "other_org": published(desk, title=OTHER_ORG_TITLE, organisations=[desk.customer3.organisation]),
    }
    articles["zh"] = published(desk, title="VPN 使用指南", language="zh-hans", translation_of=articles["customers"],
                               service=service)
    Article.objects.filter(pk=articles["public"].pk).update(popularity=5)
    return articles


def _titles_hidden(body: str) -> bool:
    return STAFF_TITLE not in body and OTHER_ORG_TITLE not in body


def test_anonymous_visitors_read_public_articles_only(library):
    response = Client().get(reverse("help:index"))
    body = response.content.decode()
    assert response.status_code == 200
    assert "Public printer guide" in body and "Customers VPN guide" not in body and _titles_hidden(body)
    for key in ("customers", "staff", "other_org"):
        assert Client().get(reverse("help:article", args=[library[key].pk])).status_code == 404
    assert Client().get(reverse("help:article", args=[library["public"].pk])).status_code == 200


def test_customers_read_their_audience_in_their_language(desk, library):
    client = client_for(desk.customer1, "zh-hans")
    body = client.get(reverse("help:index")).content.decode()
    # One article per translation family: the Chinese one for a Chinese reader.
    assert "VPN 使用指南" in body and "Customers VPN guide" not in body and _titles_hidden(body)
    assert "Public printer guide" in body
    for key in ("staff", "other_org"):
        assert client.get(reverse("help:article", args=[library[key].pk])).status_code == 404
    assert client.get(reverse("help:article", args=[999_999])).status_code == 404
    # The English one offers the reader's language, and a switch.
    body = client.get(reverse("help:article", args=[library["customers"].pk])).content.decode()
    assert reverse("help:article", args=[library["zh"].pk]) in body and "阅读中文版" in body
    body = client.get(reverse("help:article", args=[library["zh"].pk])).content.decode()
    assert "Read in English" in body and "这篇文章有帮助吗？" in body and "问题已解决" in body
    assert "使用指南" in body


def test_article_page_renders_the_live_copy_safely_and_counts_one_view_a_day(desk, library):
    article = published(desk, title="Scripted", body="Hello <script>alert(1)</script> **bold**",
                        audience=Audience.PUBLIC)
    client = client_for(desk.customer2)
    for _ in range(3):
        body = client.get(reverse("help:article", args=[article.pk])).content.decode()
    assert "<strong>bold</strong>" in body and "<script>alert" not in body
    assert ArticleEvent.objects.filter(article=article, kind=EventKind.VIEW).count() == 1


def test_one_answer_per_reader_and_anonymous_votes_by_session(desk, library, settings):
    url = reverse("help:feedback", args=[library["public"].pk])
    customer = client_for(desk.customer1)
    customer.post(url, {"helpful": "no", "comment": "Step 3 is missing"})
    customer.post(url, {"helpful": "yes"})
    assert list(Feedback.objects.values_list("user__username", "helpful", "comment")) == [("customer1", True, "")]
    assert "You said it helped." in customer.get(reverse("help:article", args=[library["public"].pk])).content.decode()
    visitor = Client()
    response = visitor.post(url, {"helpful": "yes"})
    assert response.status_code == 302
    visitor.post(url, {"helpful": "no"})
    assert Feedback.objects.filter(user=None).count() == 1
    assert Feedback.objects.get(user=None).helpful is False
    # Bad input: no vote, a message, never a 500.
    response = customer.post(url, {"helpful": "maybe"}, follow=True)
    assert response.status_code == 200 and "Say whether the article helped." in response.content.decode()
    response = customer.post(url, {"helpful": "yes", "comment": "x" * 5000}, follow=True)
    assert response.status_code == 200
    assert Feedback.objects.get(user=desk.customer1).comment == ""
    # Another audience's article: not found.
    assert customer.post(reverse("help:feedback", args=[library["staff"].pk]), {"helpful": "yes"}).status_code == 404


def test_anonymous_votes_are_rate_limited(library, settings):
    settings.SERVICEDESK_HELP_VOTES_PER_MINUTE = 2
    url = reverse("help:feedback", args=[library["public"].pk])
    visitor = Client()
    statuses = [visitor.post(url, {"helpful": "yes"}).status_code for _ in range(3)]
    assert statuses == [302, 302, 429]
    assert visitor.post(reverse("help:solved", args=[library["public"].pk])).status_code == 429


def test_solved_counts_once_with_the_draft(desk, library):
    client = client_for(desk.customer1)
    url = reverse("help:solved", args=[library["customers"].pk])
    response = client.post(url, {"draft": "draft-key-0123456789ab"}, follow=True)
    assert "You do not need to send a request" in response.content.decode()
    client.post(url, {"draft": "draft-key-0123456789ab"})
    solved = ArticleEvent.objects.get(kind=EventKind.SOLVED)
    assert solved.draft == "draft-key-0123456789ab" and solved.user == desk.customer1
    assert client.post(reverse("help:solved", args=[library["other_org"].pk])).status_code == 404


def test_a_request_sent_after_opening_a_suggestion_is_tied_to_it(desk, library):
    client = client_for(desk.customer1)
    form = client.get(reverse("portal:new")).content.decode()
    draft = re.search(r'name="draft" value="([A-Za-z0-9_-]+)"', form).group(1)
    assert 'data-suggest-url="/help/suggest"' in form
    client.get(reverse("help:article", args=[library["customers"].pk]), {"from": "suggest", "draft": draft})
    client.get(reverse("help:article", args=[library["customers"].pk]), {"from": "suggest", "draft": "<odd>"})
    opened = ArticleEvent.objects.get(kind=EventKind.SUGGESTED)
    assert opened.draft == draft and opened.ticket is None
    category = Category.objects.filter(is_active=True).first()
    response = client.post(reverse("portal:new"), {"type": "incident", "category": category.pk, "title": "VPN down",
                                                   "description": "", "urgency": "2", "draft": draft})
    assert response.status_code == 302
    opened.refresh_from_db()
    assert opened.ticket == Ticket.objects.get(title="VPN down")


def test_home_and_help_list_the_most_popular_first(desk, library):
    Article.objects.filter(pk=library["customers"].pk).update(popularity=9)
    body = client_for(desk.customer2).get(reverse("portal:home")).content.decode()
    assert body.index("Customers VPN guide") < body.index("Public printer guide")
    assert _titles_hidden(body)
