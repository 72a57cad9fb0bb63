"""API tokens: last use, expiry, the /me/tokens API, the preferences screen, revocation on a password
change, and the rate limit on failed bearer authentications."""

import datetime
import io
import json
from types import SimpleNamespace

import pytest
from django.conf import settings
from django.core.management import CommandError, call_command
from django.test import Client
from django.utils import timezone

from servicedesk.accounts import actions
from servicedesk.accounts.identity import system_user
from servicedesk.accounts.models import ApiToken
from servicedesk.core import audit, ratelimit
from servicedesk.tickets.actions import ActionError, NotAllowed, NotFound


def bearer(raw, **extra):
    return Client(HTTP_AUTHORIZATION=f"Bearer {raw}", **extra)


def test_a_token_records_its_last_use_at_most_once_a_minute(desk, django_assert_num_queries):
    token, raw = actions.issue_token(desk.agent1, name="script", actor=desk.agent1, channel="console")
    assert token.last_used_at is None
    client = bearer(raw)
    assert client.get("/api/v1/me").status_code == 200
    token.refresh_from_db()
    first = token.last_used_at
    assert first is not None and timezone.now() - first < datetime.timedelta(seconds=5)
    # Within the minute: no write on the API's path.
    with django_assert_num_queries(2):  # the token with its user, the user's groups
        assert client.get("/api/v1/me").status_code == 200
    token.refresh_from_db()
    assert token.last_used_at == first
    ApiToken.objects.filter(pk=token.pk).update(last_used_at=first - datetime.timedelta(minutes=2))
    client.get("/api/v1/me")
    token.refresh_from_db()
    assert token.last_used_at > first


def test_an_expired_token_is_refused(desk):
    token, raw = actions.issue_token(desk.agent1, expires_at=timezone.now() + datetime.timedelta(days=1),
                                     actor=desk.agent1, channel="console")
    assert bearer(raw).get("/api/v1/me").status_code == 200
    ApiToken.objects.filter(pk=token.pk).update(expires_at=timezone.now() - datetime.timedelta(seconds=1))
    refused = bearer(raw).get("/api/v1/me")
    assert refused.status_code == 401 and json.loads(refused.content)["message"]


def test_a_revoked_token_and_a_disabled_user_are_refused(desk):
    token, raw = actions.issue_token(desk.agent1, actor=desk.agent1, channel="console")
    actions.revoke_token(token, actor=desk.agent1, channel="console")
    assert bearer(raw).get("/api/v1/me").status_code == 401
    _, raw2 = actions.issue_token(desk.agent2, actor=system_user(), channel="command")
    desk.agent2.is_active = False
    desk.agent2.save()
    assert bearer(raw2).get("/api/v1/me").status_code == 401


def test_issuing_checks_its_input_and_who_asks(desk):
    with pytest.raises(NotAllowed):
        actions.issue_token(desk.agent1, actor=desk.agent2, channel="console")
    with pytest.raises(ActionError):
        actions.issue_token(desk.agent1, expires_at=timezone.now() - datetime.timedelta(hours=1), actor=desk.agent1,
                            channel="console")
    with pytest.raises(ActionError):
        actions.issue_token(desk.agent1, name="x" * 101, actor=desk.agent1, channel="console")
    theirs = actions.issue_token(desk.agent1, actor=desk.agent1, channel="console")[0]
    with pytest.raises(NotFound):
        actions.revoke_token(theirs, actor=desk.customer1, channel="console")
    # An administrator may act for anyone.
    token, _ = actions.issue_token(desk.agent1, name="for agent1", actor=desk.admin, channel="console")
    actions.revoke_token(token, actor=desk.admin, channel="console")
    events = list(audit.trail(desk.agent1).filter(note__startswith=token.prefix).order_by("id")
                  .values_list("action", "actor", "note"))
    assert events == [("token_issued", desk.admin.pk, f"{token.prefix}… for agent1"),
                      ("token_revoked", desk.admin.pk, f"{token.prefix}…")]


def test_the_command_still_issues_tokens_with_an_optional_expiry(desk):
    out = io.StringIO()
    call_command("issue-token", "agent1", "--name", "cron", "--expires-days", "30", stdout=out)
    raw = out.getvalue().strip()
    token = ApiToken.objects.get(user=desk.agent1, name="cron")
    assert raw.startswith(token.prefix)
    assert abs(token.expires_at - (timezone.now() + datetime.timedelta(days=30))) < datetime.timedelta(minutes=1)
    assert bearer(raw).get("/api/v1/me").status_code == 200
    with pytest.raises(CommandError):
        call_command("issue-token", "agent1", "--expires-days", "0", stdout=io.StringIO())
    # Issued on the server: the trail names the desk's system identity and the command channel.
    event = audit.trail(desk.agent1).get(action=actions.Event.TOKEN_ISSUED)
    assert (event.actor.username, event.channel, event.note) == (
        "system", "command", f"{token.prefix}… cron")


# ---------------------------------------------------------------------------------------------
# /api/v1/me/tokens


def test_list_create_and_revoke_own_tokens_through_the_api(api, desk):
    client = api("customer1")
    created = client.post("me/tokens", {"name": "reporting", "days": 30})
    assert created.status_code == 201, created.content
    body = created.json_body
    assert body["token"].startswith(body["prefix"]) and body["name"] == "reporting"
    assert body["expires_at"] and not body["revoked"]
    assert bearer(body["token"]).get("/api/v1/me").json()["username"] == "customer1"

    listed = client.get("me/tokens").json_body
    # The fixture's own token and the new one; the raw token is never listed.
    assert {t["name"] for t in listed} == {"", "reporting"}
    assert all("token" not in t and set(t) == {"id", "name", "prefix", "created_at", "last_used_at",
                                               "expires_at", "revoked"} for t in listed)
    assert next(t for t in listed if t["name"] == "reporting")["last_used_at"] is not None

    assert client.delete(f"me/tokens/{body['id']}").status_code == 204
    assert bearer(body["token"]).get("/api/v1/me").status_code == 401
    assert next(t for t in client.get("me/tokens").json_body if t["id"] == body["id"])["revoked"] is True


def test_someone_elses_token_cannot_be_revoked_or_seen(api, desk):
    theirs, raw = actions.issue_token(desk.customer2, name="theirs", actor=desk.customer2, channel="console")
    client = api("customer1")
    refused = client.delete(f"me/tokens/{theirs.pk}")
    assert refused.status_code == 404 and refused.json_body["message"] == "API token not found."
    assert client.delete("me/tokens/999999").status_code == 404
    assert "theirs" not in {t["name"] for t in client.get("me/tokens").json_body}
    theirs.refresh_from_db()
    assert not theirs.revoked
    assert bearer(raw).get("/api/v1/me").status_code == 200


def test_creating_a_token_with_bad_input_is_refused_with_a_message(api, desk):
    client = api("agent1")
    for payload in ({"days": 0}, {"days": 99999}, {"expires_at": "2000-01-01T00:00:00Z"},
                    {"days": 3, "expires_at": "2999-01-01T00:00:00Z"}):
        response = client.post("me/tokens", payload)
        assert response.status_code == 400, (payload, response.content)
        assert response.json_body["message"]
    assert client.post("me/tokens", {"name": "x" * 101}).status_code == 422
    assert client.post("me/tokens", {"days": "soon"}).status_code == 422
    zh = client.post("me/tokens", {"days": 0}, HTTP_ACCEPT_LANGUAGE="zh-hans")
    assert zh.json_body["message"] == "令牌的有效期可为 1 至 3650 天。"


def test_the_token_endpoints_are_documented(desk):
    schema = Client().get("/api/v1/openapi.json").json()
    assert set(schema["paths"]["/api/v1/me/tokens"]) == {"get", "post"}
    assert "201" in schema["paths"]["/api/v1/me/tokens"]["post"]["responses"]
    assert set(schema["paths"]["/api/v1/me/tokens/{token_id}"]["delete"]["responses"]) >= {"204", "404"}


# ---------------------------------------------------------------------------------------------
# Failed bearer authentications per address


def test_bad_bearer_tokens_from_one_address_get_429_after_the_limit(desk, monkeypatch):
    # Mid-window on the limiter's clock: a burst that crosses a minute's edge is counted by a weighted estimate
    # (core.ratelimit), and a slow machine would let a request or two more through.
    monkeypatch.setattr(ratelimit, "time", SimpleNamespace(time=lambda: 1_800_000_030.0))
    limit = settings.SERVICEDESK_API_TOKEN_FAILURES_PER_MINUTE
    client = bearer("sd_not-a-token", REMOTE_ADDR="10.4.4.4")
    statuses = [client.get("/api/v1/me").status_code for _ in range(limit + 5)]
    assert statuses == [401] * limit + [429] * 5
    throttled = client.get("/api/v1/me", HTTP_ACCEPT_LANGUAGE="zh-hans")
    assert throttled.status_code == 429
    assert 1 <= int(throttled["Retry-After"]) <= 60
    assert "无效 API 令牌" in json.loads(throttled.content)["message"]
    # While the address waits, even a good token from it waits; other addresses are not affected.
    _, raw = actions.issue_token(desk.agent1, actor=desk.agent1, channel="console")
    assert bearer(raw, REMOTE_ADDR="10.4.4.4").get("/api/v1/me").status_code == 429
    assert bearer(raw, REMOTE_ADDR="10.5.5.5").get("/api/v1/me").status_code == 200
    assert bearer("sd_other", REMOTE_ADDR="10.5.5.5").get("/api/v1/me").status_code == 401


def test_good_tokens_do_not_count_towards_the_limit(desk):
    _, raw = actions.issue_token(desk.agent1, actor=desk.agent1, channel="console")
    client = bearer(raw, REMOTE_ADDR="10.6.6.6")
    for _ in range(settings.SERVICEDESK_API_TOKEN_FAILURES_PER_MINUTE + 5):
        assert client.get("/api/v1/me").status_code == 200


# ---------------------------------------------------------------------------------------------
# Password changes revoke tokens


def test_an_administrator_resetting_a_password_revokes_the_users_tokens(desk):
    _, raw = actions.issue_token(desk.customer1, name="old", actor=desk.customer1, channel="console")
    others = actions.issue_token(desk.customer2, actor=desk.customer2, channel="console")[1]
    admin = Client()
    admin.force_login(desk.admin)
    response = admin.post(f"/admin/accounts/user/{desk.customer1.pk}/password/",
                          {"password1": "a-new-long-secret-9", "password2": "a-new-long-secret-9"})
    assert response.status_code == 302
    assert bearer(raw).get("/api/v1/me").status_code == 401
    assert bearer(others).get("/api/v1/me").status_code == 200
    trail = audit.trail(desk.customer1)
    event = trail.get(action=actions.Event.TOKENS_REVOKED)
    assert (event.actor, event.channel, event.note) == (desk.admin, "admin", "Password set by an administrator.")
    assert trail.filter(action=actions.Event.PASSWORD_SET, actor=desk.admin, channel="admin").exists()
    # A refused form changes nothing.
    _, raw = actions.issue_token(desk.customer1, actor=desk.customer1, channel="console")
    admin.post(f"/admin/accounts/user/{desk.customer1.pk}/password/", {"password1": "a", "password2": "b"})
    assert bearer(raw).get("/api/v1/me").status_code == 200


def test_changing_ones_own_password_revokes_ones_tokens(desk):
    _, raw = actions.issue_token(desk.customer1, actor=desk.customer1, channel="console")
    desk.customer1.language = "en"
    desk.customer1.save()
    client = Client()
    client.force_login(desk.customer1)
    response = client.post("/password/", {"old_password": "demo-pass-123", "new_password1": "a-new-long-secret-9",
                                          "new_password2": "a-new-long-secret-9"}, follow=True)
    assert response.status_code == 200
    assert "Your 1 API token was revoked" in response.content.decode()
    assert bearer(raw).get("/api/v1/me").status_code == 401


# ---------------------------------------------------------------------------------------------
# The preferences screen (console and portal share it)


WORDS = {
    "en": ("API tokens", "You have no API tokens.", "not shown again", "is revoked"),
    "zh-hans": ("API 令牌", "您还没有 API 令牌。", "不会再次显示", "已吊销"),
}


@pytest.mark.parametrize(("username", "language"), [("agent1", "en"), ("customer1", "zh-hans")])
def test_the_preferences_page_lists_creates_and_revokes_tokens(desk, username, language):
    user = desk.users[username]
    user.language = language
    user.save()
    heading, none_yet, once, revoked_word = WORDS[language]
    client = Client()
    client.force_login(user)
    page = client.get("/preferences/").content.decode()
    assert heading in page and none_yet in page
    created = client.post("/preferences/tokens/", {"name": "laptop", "expires": "30"})
    assert created.status_code == 200
    token = ApiToken.objects.get(user=user, name="laptop")
    html = created.content.decode()
    raw = html.split('id="new-token">')[1].split("<")[0]
    assert raw.startswith(token.prefix) and once in html
    assert bearer(raw).get("/api/v1/me").status_code == 200
    # Shown once: the page again does not have it.
    assert raw not in client.get("/preferences/").content.decode()

    revoked = client.post(f"/preferences/tokens/{token.pk}/revoke/", follow=True)
    assert revoked_word in revoked.content.decode()
    assert bearer(raw).get("/api/v1/me").status_code == 401


def test_the_preferences_page_refuses_bad_input_and_others_tokens(desk):
    client = Client(HTTP_ACCEPT_LANGUAGE="zh-hans")
    client.force_login(desk.customer1)
    refused = client.post("/preferences/tokens/", {"name": "", "expires": "12"})
    assert refused.status_code == 400
    assert "API 令牌" in refused.content.decode()
    theirs, _ = actions.issue_token(desk.customer2, actor=desk.customer2, channel="console")
    assert client.post(f"/preferences/tokens/{theirs.pk}/revoke/").status_code == 404
    theirs.refresh_from_db()
    assert not theirs.revoked
    assert client.get(f"/preferences/tokens/{theirs.pk}/revoke/").status_code == 405
