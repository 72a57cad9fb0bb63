"""/api/v1/knowledge/articles: readers get the live copy of what their audience may read, staff the working
copies; writes go through knowledge.actions with the version read; refusals are JSON in the caller's
language."""

import pytest

from servicedesk.core import audit
from servicedesk.knowledge import actions
from servicedesk.knowledge.models import Article, Audience

CONSOLE = audit.Channel.CONSOLE
A = "/api/v1/knowledge/articles"


def _article(desk, title, audience=Audience.CUSTOMERS, live=True, organisations=None, language="en", **fields):
    article = actions.create_article(
        actions.ArticleInput(title=title, body=f"About **{title}**", audience=audience, language=language,
                             organisations=organisations, **fields), actor=desk.agent1, channel=CONSOLE)
    if live:
        article = actions.publish_article(article, actor=desk.manager, channel=CONSOLE)
    return article


@pytest.fixture
def shelf(desk):
    org_b = desk.customer3.organisation
    return {
        "public": _article(desk, "Public printer guide", Audience.PUBLIC),
        "customers": _article(desk, "Customer VPN guide"),
        "org_b": _article(desk, "Org B wiki guide", organisations=[org_b]),
        "staff": _article(desk, "Staff runbook", Audience.STAFF),
        "draft": _article(desk, "Draft idea", Audience.PUBLIC, live=False),
    }


def _titles(response):
    assert response.status_code == 200, response.content
    return {item["title"] for item in response.json_body["items"]}


def test_each_reader_lists_what_their_audience_may_read(api, desk, shelf):
    assert _titles(api("customer1").get(A)) == {"Public printer guide", "Customer VPN guide"}
    assert _titles(api("customer3").get(A)) == {"Public printer guide", "Customer VPN guide", "Org B wiki guide"}
    assert _titles(api("agent1").get(A)) == {"Public printer guide", "Customer VPN guide", "Org B wiki guide",
                                             "Staff runbook"}
    assert "Draft idea" in _titles(api("agent1").get(A, {"working": "true"}))
    assert _titles(api("agent1").get(A, {"working": "true", "state": "draft"})) == {"Draft idea"}
    response = api("customer1").get(A, {"working": "true"}, HTTP_ACCEPT_LANGUAGE="zh-hans")
    assert response.status_code == 403
    assert response.json_body["message"] == "只有服务台人员才能看到知识文章的工作副本。"


def test_detail_hides_what_a_reader_may_not_read(api, desk, shelf):
    for key in ("org_b", "staff", "draft"):
        response = api("customer1").get(f"{A}/{shelf[key].pk}", HTTP_ACCEPT_LANGUAGE="zh-hans")
        assert response.status_code == 404 and response.json_body == {"message": "没有这篇文章。"}
    response = api("customer3").get(f"{A}/{shelf['org_b'].pk}")
    assert response.status_code == 200
    body = response.json_body
    assert body["body_html"] == "<p>About <strong>Org B wiki guide</strong></p>"
    assert body["state"] is None and body["body"] is None and body["organisations"] is None and body["owner"] is None
    assert api("agent1").get(f"{A}/{shelf['draft'].pk}").json_body["state"] == "draft"


def test_readers_read_the_live_copy_while_the_working_copy_changes(api, desk, shelf):
    article = shelf["customers"]
    actions.update_article(article, actions.ArticleInput(title="Secret new title", body="Secret new text"),
                           actor=desk.agent1, channel=CONSOLE)
    body = api("customer1").get(f"{A}/{article.pk}").json_body
    assert body["title"] == "Customer VPN guide" and "Secret" not in str(body)
    assert "Secret new title" not in str(api("customer1").get(A).json_body)
    staff = api("agent1").get(f"{A}/{article.pk}").json_body
    assert staff["title"] == "Secret new title" and staff["live_title"] == "Customer VPN guide"
    assert staff["state"] == "draft" and "<strong>Customer VPN guide</strong>" in staff["live_body_html"]


def test_translations_are_listed_to_who_may_read_them(api, desk, shelf):
    english = shelf["public"]
    chinese = _article(desk, "打印机指南", Audience.PUBLIC, language="zh-hans", translation_of=english)
    _article(desk, "Printer guide (draft FR)", Audience.PUBLIC, live=False)
    body = api("customer1").get(f"{A}/{english.pk}").json_body
    assert body["translations"] == [{"id": chinese.pk, "language": "zh-hans", "title": "打印机指南"}]
    actions.unpublish_article(chinese, actor=desk.manager, channel=CONSOLE)
    assert api("customer1").get(f"{A}/{english.pk}").json_body["translations"] == []
    assert len(api("agent1").get(f"{A}/{english.pk}").json_body["translations"]) == 1


def test_the_workflow_through_the_api(api, desk, settings):
    response = api("agent1").post(A, {"title": "Reset a password", "body": "Use the portal.", "tags": ["密码"],
                                      "audience": "public", "note": "first"})
    assert response.status_code == 201, response.content
    article = response.json_body
    assert article["state"] == "draft" and article["owner"] == desk.agent1.pk and article["current_version"] == 1
    url = f"{A}/{article['id']}"
    response = api("agent1").patch(url, {"body": "Use the portal, then sign in.", "version": article["version"]})
    assert response.status_code == 200 and response.json_body["current_version"] == 2
    version = response.json_body["version"]
    # A stale version changes nothing.
    response = api("agent1").patch(url, {"title": "Mine", "version": article["version"]})
    assert response.status_code == 409 and "Someone else changed this article" in response.json_body["message"]
    response = api("agent1").post(f"{url}/publish", {"version": version})
    assert response.status_code == 403
    response = api("agent1").post(f"{url}/submit", {"reviewer": desk.lead1.pk, "version": version})
    assert response.status_code == 200 and response.json_body["state"] == "review"
    version = response.json_body["version"]
    response = api("lead1").post(f"{url}/publish", {"version": version})
    assert response.status_code == 200 and response.json_body["is_live"] is True
    assert api("customer1").get(url).status_code == 200
    version = response.json_body["version"]

    versions = api("agent1").get(f"{url}/versions").json_body
    assert [v["number"] for v in versions] == [2, 1] and versions[1]["note"] == "first"
    diff = api("agent1").get(f"{url}/diff", {"from": 1, "to": 2}).json_body
    assert {"kind": "add", "text": "+Use the portal, then sign in."} in diff["lines"]
    assert api("agent1").get(f"{url}/diff", {"from": 1, "to": 5}).status_code == 404
    assert api("customer1").get(f"{url}/versions").status_code == 403

    response = api("agent1").post(f"{url}/restore", {"number": 1, "version": version})
    assert response.status_code == 200 and response.json_body["current_version"] == 3
    assert response.json_body["state"] == "draft" and response.json_body["is_live"] is True
    version = response.json_body["version"]
    response = api("manager").post(f"{url}/unpublish", {"version": version})
    assert response.status_code == 200 and response.json_body["is_live"] is False
    assert api("customer1").get(url).status_code == 404
    version = response.json_body["version"]
    assert api("agent1").delete(f"{url}?version={version}").status_code == 403
    assert api("manager").delete(f"{url}?version={version - 1}").status_code == 409
    assert api("manager").delete(f"{url}?version={version}").status_code == 204
    assert not Article.objects.filter(pk=article["id"]).exists()


def test_bad_input_gets_a_clear_message(api, desk, shelf):
    agent = api("agent1")
    assert agent.post(A, {"title": "  "}).json_body == {"message": "An article needs a title."}
    response = agent.post(A, {"title": "X", "audience": "everyone"})
    assert response.status_code == 400 and response.json_body == {"message": "Unknown audience: everyone"}
    response = agent.post(A, {"title": "X", "service": 999999})
    assert response.status_code == 400 and response.json_body == {"message": "No service with id 999999."}
    response = agent.post(A, {"title": "X", "owner": desk.customer1.pk})
    assert response.status_code == 400 and "owner must be an active member of the desk staff" in response.json_body[
        "message"]
    assert agent.post(A, {"title": "X\u0000"}).status_code == 422
    assert agent.post(A, ["not", "an", "object"]).status_code == 422
    response = agent.get(A, {"state": "lost", "working": "true"})
    assert response.status_code == 422 and "“lost”" in response.json_body["message"]
    assert agent.get(A, {"cursor": "garbage"}).status_code == 400
    response = agent.post(f"{A}/{shelf['draft'].pk}/submit", {"reviewer": desk.agent2.pk, "version": 99})
    assert response.status_code == 409
    # In the caller's language.
    response = api("lead1").post(A, {"title": ""}, HTTP_ACCEPT_LANGUAGE="zh-hans")
    assert response.json_body == {"message": "文章需要标题。"}
    assert not Article.objects.filter(title="X").exists()


def test_customers_cannot_write(api, desk, shelf):
    customer = api("customer1")
    assert customer.post(A, {"title": "Mine"}).status_code == 403
    readable, hidden = shelf["customers"], shelf["staff"]
    assert customer.patch(f"{A}/{readable.pk}", {"title": "Mine", "version": readable.version}).status_code == 403
    assert customer.patch(f"{A}/{hidden.pk}", {"title": "Mine", "version": hidden.version}).status_code == 404
    assert customer.post(f"{A}/{hidden.pk}/submit", {"reviewer": desk.lead1.pk, "version": 1}).status_code == 404
    assert Article.objects.get(pk=readable.pk).title == "Customer VPN guide"


def test_the_list_pages_by_keyset(api, desk, django_assert_max_num_queries):
    for n in range(7):
        _article(desk, f"Guide {n}", Audience.PUBLIC)
    client = api("customer2")
    with django_assert_max_num_queries(6):
        first = client.get(A, {"limit": 4}).json_body
    second = client.get(A, {"limit": 4, "cursor": first["next_cursor"]}).json_body
    assert len(first["items"]) == 4 and len(second["items"]) == 3 and second["next_cursor"] is None
    assert {i["title"] for i in first["items"] + second["items"]} == {f"Guide {n}" for n in range(7)}


def test_q_searches_only_what_the_reader_may_read(api, desk, shelf):
    response = api("customer1").get(A, {"q": "guide"})
    assert _titles(response) == {"Public printer guide", "Customer VPN guide"}
    hit = next(i for i in response.json_body["items"] if i["title"] == "Public printer guide")
    assert "<mark>" in hit["title_html"] and response.json_body["next_cursor"] is None
    assert _titles(api("customer3").get(A, {"q": "wiki"})) == {"Org B wiki guide"}
    assert _titles(api("customer1").get(A, {"q": "wiki runbook"})) == set()
    assert _titles(api("agent1").get(A, {"q": "runbook"})) == {"Staff runbook"}
    # Staff search working copies' titles with working=true: drafts too.
    assert _titles(api("agent1").get(A, {"q": "idea", "working": "true"})) == {"Draft idea"}
