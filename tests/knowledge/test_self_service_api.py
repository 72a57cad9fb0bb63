"""/api/v1/knowledge for readers (FAQ, feedback, solved) and managers (deflections): audiences and bad input."""

import datetime

from django.utils import timezone

from servicedesk.knowledge.models import Article, ArticleEvent, Audience, EventKind, Feedback

from .self_service import published


def test_faq_within_the_readers_audience_by_popularity(desk, api):
    published(desk, title="First")
    second = published(desk, title="Second", audience=Audience.PUBLIC)
    published(desk, title="Staff only", audience=Audience.STAFF)
    published(desk, title="Other org", organisations=[desk.customer3.organisation])
    Article.objects.filter(pk=second.pk).update(popularity=7)
    response = api("customer1").get("knowledge/faq")
    assert response.status_code == 200
    assert [a["title"] for a in response.json_body] == ["Second", "First"]
    assert response.json_body[0]["url"] == f"/help/articles/{second.pk}/"
    assert [a["title"] for a in api("customer1").get("knowledge/faq", {"limit": 1}).json_body] == ["Second"]
    assert api("customer1").get("knowledge/faq", {"limit": 0}).status_code == 422
    assert api("customer1").get("knowledge/faq", {"service": "x"}).status_code == 422
    assert "Staff only" in [a["title"] for a in api("agent1").get("knowledge/faq").json_body]


def test_feedback_and_solved_once_per_reader_and_hidden_articles_not_found(desk, api):
    article = published(desk)
    staff_only = published(desk, audience=Audience.STAFF)
    customer = api("customer1")
    assert customer.post(f"knowledge/articles/{article.pk}/feedback", {"helpful": False}).status_code == 200
    assert customer.post(f"knowledge/articles/{article.pk}/feedback",
                         {"helpful": True, "comment": "Clear"}).status_code == 200
    assert list(Feedback.objects.values_list("helpful", "comment")) == [(True, "Clear")]
    response = customer.post(f"knowledge/articles/{staff_only.pk}/feedback", {"helpful": True})
    assert response.status_code == 404 and response.json_body == {"message": "Not found."}
    assert customer.post(f"knowledge/articles/{article.pk}/feedback", {"helpful": "perhaps"}).status_code == 422
    assert customer.post(f"knowledge/articles/{article.pk}/feedback", {"helpful": True, "comment": "\u0000"}
                         ).status_code == 422
    assert customer.post(f"knowledge/articles/{article.pk}/solved", {}).status_code == 200
    assert customer.post(f"knowledge/articles/{article.pk}/solved", {}).status_code == 200
    assert ArticleEvent.objects.filter(kind=EventKind.SOLVED).count() == 1
    assert customer.post(f"knowledge/articles/{staff_only.pk}/solved", {}).status_code == 404
    assert customer.post("knowledge/articles/99999999999999999999/solved", {}).status_code in (404, 422)


def test_deflections_for_managers_only(desk, api):
    article = published(desk)
    ArticleEvent.objects.create(article=article, kind=EventKind.SOLVED)
    ArticleEvent.objects.create(article=article, kind=EventKind.DEFLECTION, draft="d" * 20,
                                created_at=timezone.now() - datetime.timedelta(days=40))
    response = api("manager").get("knowledge/deflections")
    assert response.status_code == 200
    assert response.json_body["total"] == 1 and response.json_body["by_article"] == {str(article.pk): 1}
    response = api("manager").get("knowledge/deflections", {"since": "2000-01-01T00:00:00+00:00",
                                                            "until": "2000-06-01T00:00:00+00:00"})
    assert response.json_body["total"] == 0
    for bad in ({"since": "2001-01-01T00:00:00+00:00", "until": "2000-01-01T00:00:00+00:00"},
                {"since": "2000-01-01T00:00:00"}, {"since": "yesterday"}):
        assert api("manager").get("knowledge/deflections", bad).status_code in (400, 422), bad
    for username in ("customer1", "agent1", "lead1"):
        response = api(username).get("knowledge/deflections")
        assert response.status_code == 403 and response.json_body["message"]
