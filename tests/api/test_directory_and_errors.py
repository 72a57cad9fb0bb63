"""The OpenAPI document, /me and the directory, and the shape of errors."""

import json

import pytest
from django.test import Client

from servicedesk.accounts.models import User


def test_openapi_document_and_docs(desk):
    response = Client().get("/api/v1/openapi.json")
    assert response.status_code == 200
    document = json.loads(response.content)
    paths = document["paths"]
    for path in ("/api/v1/tickets", "/api/v1/tickets/{ticket_id}", "/api/v1/tickets/{ticket_id}/transitions",
                 "/api/v1/tickets/{ticket_id}/comments", "/api/v1/tickets/{ticket_id}/merge", "/api/v1/me"):
        assert path in paths, path
    assert {"get", "post"} <= set(paths["/api/v1/tickets"])
    assert "patch" in paths["/api/v1/tickets/{ticket_id}"]
    assert Client().get("/api/v1/docs").status_code == 200


def test_me_for_a_customer(api, desk):
    response = api("customer1").get("me")
    assert response.status_code == 200
    assert response.json_body == {
        "id": desk.customer1.pk, "username": "customer1", "name": desk.customer1.get_full_name(),
        "email": "customer1@example.com", "role": "customer",
        "organisation": {"id": desk.customer1.organisation_id, "name": "Organisation A"},
        "language": "zh-hans", "time_zone": "Asia/Shanghai", "groups": [],
    }


def test_me_for_an_agent_lists_their_groups(api, desk):
    groups = api("agent2").get("me").json_body["groups"]
    assert groups == sorted([desk.first_line.pk, desk.second_line.pk, desk.third_line.pk])
    assert api("lead1").get("me").json_body["groups"] == sorted([desk.first_line.pk, desk.second_line.pk])


def test_update_my_language_and_time_zone(api, desk):
    response = api("customer1").patch("me", {"language": "en", "time_zone": "Europe/Berlin"})
    assert response.status_code == 200
    assert (response.json_body["language"], response.json_body["time_zone"]) == ("en", "Europe/Berlin")
    me = User.objects.get(pk=desk.customer1.pk)
    assert (me.language, me.time_zone) == ("en", "Europe/Berlin")


@pytest.mark.parametrize("change", [{"time_zone": "Mars/Olympus_Mons"}, {"language": "tlh"},
                                   {"language": "en", "time_zone": "Nowhere"}])
def test_invalid_preferences_are_400_and_change_nothing(api, desk, change):
    response = api("customer1").patch("me", change)
    assert response.status_code == 400
    assert response.json_body["message"]
    me = User.objects.get(pk=desk.customer1.pk)
    assert (me.language, me.time_zone) == ("zh-hans", "Asia/Shanghai")


def test_customers_see_only_themselves_in_the_directory(api, desk):
    listed = api("customer1").get("users").json_body["items"]
    assert [u["username"] for u in listed] == ["customer1"]
    assert api("customer1").get(f"users/{desk.customer2.pk}").status_code == 404
    assert api("customer1").get("groups").status_code == 403
    assert len(api("agent1").get("users").json_body["items"]) == User.objects.count()


@pytest.mark.parametrize(("method", "path", "data", "status"), [
    ("get", "tickets/999999", None, 404),
    ("get", "tickets/999999/history", None, 404),
    ("patch", "tickets/999999", {"title": "x"}, 404),
    ("post", "tickets", {}, 422),
    ("post", "tickets", {"title": ""}, 422),
    ("post", "tickets", {"title": "x", "type": "bug"}, 422),
    ("post", "tickets", {"title": "x", "requester": 999999}, 400),
    ("post", "tickets", {"title": "x", "group": 999999}, 400),
    ("get", "tickets", {"limit": "many"}, 422),
    ("get", "users/999999", None, 404),
    ("get", "organisations/999999", None, 404),
])
def test_errors_are_json_with_a_message(api, desk, method, path, data, status):
    client = api("agent1")
    response = client.get(path, data) if method == "get" else getattr(client, method)(path, data)
    assert response.status_code == status, response.json_body
    assert response["Content-Type"].startswith("application/json")
    assert isinstance(response.json_body["message"], str) and response.json_body["message"]


def test_a_validation_error_says_which_field(api, desk):
    response = api("agent1").post("tickets", {"title": "x", "impact": 9})
    assert response.status_code == 422
    assert any("impact" in error["loc"] for error in response.json_body["errors"])


def test_errors_follow_the_requested_language(desk):
    # The wording is the translators' business; the API answers in JSON with the negotiated language.
    for language in ("zh-hans", "en"):
        response = Client(HTTP_ACCEPT_LANGUAGE=language).get("/api/v1/tickets")
        assert response.status_code == 401
        assert response["Content-Language"] == language
        assert json.loads(response.content)["message"]



def test_unknown_api_path_and_wrong_method_answer_json(api, desk):
    missing = api("agent1").get("no-such-thing")
    assert missing.status_code == 404
    assert missing["Content-Type"].startswith("application/json")
    assert missing.json_body["message"]
    ticket = api("agent1").post("tickets", {"title": "x", "requester": desk.customer1.pk}).json_body
    wrong = api("agent1").client.put(f"/api/v1/tickets/{ticket['id']}", data="{}", content_type="application/json")
    assert wrong.status_code == 405
    assert "PUT" in wrong.json()["message"]
    assert "PATCH" in wrong["Allow"]


def test_no_session_and_no_token_is_401_and_a_session_still_needs_its_csrf_token(desk):
    """A client with neither a session nor a valid token is not authenticated (401), whatever the method;
    a signed-in browser session writing without its CSRF token is refused (403)."""
    anonymous = Client(enforce_csrf_checks=True)
    for method in ("patch", "post", "delete"):
        response = getattr(anonymous, method)("/api/v1/me", data="{}", content_type="application/json")
        assert response.status_code in (401, 405), (method, response.status_code)
    assert anonymous.patch("/api/v1/me", data="{}", content_type="application/json").status_code == 401
    browser = Client(enforce_csrf_checks=True)
    browser.force_login(desk.agent1)
    refused = browser.patch("/api/v1/me", data='{"time_zone": "UTC"}', content_type="application/json")
    assert refused.status_code == 403
    assert browser.get("/api/v1/me").status_code == 200
