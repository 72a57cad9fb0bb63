"""Authentication: bearer tokens, sessions and their CSRF check."""

import io
import json

import pytest
from django.core.management import CommandError, call_command
from django.http import HttpRequest
from django.middleware.csrf import _get_new_csrf_string
from django.test import Client

from servicedesk.accounts.models import ApiToken, User
from servicedesk.tickets.models import (
    Ticket,
)
from tests.api.helpers import DEMO_PASSWORD


def test_no_token_is_401_json(desk):
    for path in ("/api/v1/tickets", "/api/v1/me", "/api/v1/users"):
        response = Client().get(path)
        assert response.status_code == 401, path
        assert response["Content-Type"].startswith("application/json")
        assert json.loads(response.content)["message"]


@pytest.mark.parametrize("header", ["Bearer nope", "Bearer ", "Token sd_abc", "Bearer sd_" + "x" * 43])
def test_an_invalid_token_is_401(desk, header):
    response = Client(HTTP_AUTHORIZATION=header).get("/api/v1/tickets")
    assert response.status_code == 401
    assert json.loads(response.content)["message"]


def test_a_revoked_token_is_401(desk):
    token, raw = ApiToken.issue(desk.agent1)
    client = Client(HTTP_AUTHORIZATION=f"Bearer {raw}")
    assert client.get("/api/v1/me").status_code == 200
    ApiToken.objects.filter(pk=token.pk).update(revoked=True)
    response = client.get("/api/v1/me")
    assert response.status_code == 401
    assert json.loads(response.content)["message"]
    assert client.post("/api/v1/tickets", {"title": "x"}, content_type="application/json").status_code == 401
    assert not Ticket.objects.exists()


def test_a_disabled_users_token_is_401(desk):
    _, raw = ApiToken.issue(desk.agent1)
    User.objects.filter(pk=desk.agent1.pk).update(is_active=False)
    assert Client(HTTP_AUTHORIZATION=f"Bearer {raw}").get("/api/v1/me").status_code == 401


def test_issue_token_prints_a_working_token(desk):
    out = io.StringIO()
    call_command("issue-token", "agent1", "--name", "laptop", stdout=out)
    raw = out.getvalue().strip()
    assert raw.startswith("sd_")
    stored = ApiToken.objects.get(user=desk.agent1, name="laptop")
    assert stored.key_hash != raw and raw.startswith(stored.prefix)
    response = Client(HTTP_AUTHORIZATION=f"Bearer {raw}").get("/api/v1/me")
    assert response.status_code == 200
    assert json.loads(response.content)["username"] == "agent1"
    with pytest.raises(CommandError):
        call_command("issue-token", "nobody", stdout=io.StringIO())


def test_session_auth_works_for_reading(desk):
    client = Client()
    # The lockout backend (django-axes) counts attempts per request: a sign-in needs one.
    assert client.login(username="agent1", password=DEMO_PASSWORD, request=HttpRequest())
    response = client.get("/api/v1/me")
    assert response.status_code == 200
    assert json.loads(response.content)["username"] == "agent1"
    assert client.get("/api/v1/tickets").status_code == 200


def test_session_writes_need_the_csrf_token(desk):
    client = Client(enforce_csrf_checks=True)
    # The lockout backend (django-axes) counts attempts per request: a sign-in needs one.
    assert client.login(username="agent1", password=DEMO_PASSWORD, request=HttpRequest())
    payload = json.dumps({"title": "By session", "requester": desk.customer1.pk})
    refused = client.post("/api/v1/tickets", payload, content_type="application/json")
    assert refused.status_code == 403
    assert json.loads(refused.content)["message"]
    assert not Ticket.objects.exists()
    token = _get_new_csrf_string()
    client.cookies["csrftoken"] = token
    accepted = client.post("/api/v1/tickets", payload, content_type="application/json",
                           HTTP_X_CSRFTOKEN=token)
    assert accepted.status_code == 201, accepted.content
    assert Ticket.objects.get().owner == desk.agent1


def test_a_bearer_token_needs_no_csrf_token(desk):
    _, raw = ApiToken.issue(desk.agent1)
    client = Client(enforce_csrf_checks=True, HTTP_AUTHORIZATION=f"Bearer {raw}")
    response = client.post("/api/v1/tickets", json.dumps({"title": "x", "requester": desk.customer1.pk}),
                           content_type="application/json")
    assert response.status_code == 201
