"""Only the source itself may post: its token or its signature; anything else is 401 and stores nothing.
A payload the desk cannot read is 400 with a message in the caller's language."""

import pytest
from django.test import Client

from servicedesk.monitoring.models import Alert, SourceKind
from servicedesk.tickets.models import Ticket

from .conftest import alertmanager, am_alert, make_source, post


@pytest.mark.parametrize("token", ["", "sdm_wrong", "not-even-a-token"])
def test_a_wrong_or_missing_token_is_401_and_stores_nothing(desk, source, token):
    response = post(source, alertmanager(am_alert("db1")), token=token)
    assert response.status_code == 401
    assert "token" in response.json()["message"]
    assert not Alert.objects.exists() and not Ticket.objects.exists()


def test_a_person_s_api_token_is_not_the_source_s(desk, source, api):
    from servicedesk.accounts.models import ApiToken

    _token, raw = ApiToken.issue(desk.admin)
    assert post(source, alertmanager(am_alert("db1")), token=raw).status_code == 401
    assert not Alert.objects.exists()


def test_another_source_s_token_or_an_inactive_source_is_401(desk, source):
    other = make_source("other", SourceKind.ALERTMANAGER)
    assert post(source, alertmanager(am_alert("db1")), token=other.raw).status_code == 401
    source.is_active = False
    source.save()
    assert post(source, alertmanager(am_alert("db1"))).status_code == 401
    assert not Alert.objects.exists()


def test_an_unknown_source_is_401_like_a_bad_token(desk, source):
    source.slug = "renamed"
    assert post(source, alertmanager(am_alert("db1"))).status_code == 401


def test_the_desk_signature_authenticates_and_a_bad_one_is_401(desk):
    signed = make_source("signed", SourceKind.JSON, hmac_secret="s3cret-for-the-desk")
    alert = {"fingerprint": "x1", "status": "firing", "title": "Disk full"}
    assert post(signed, alert, secret="another-secret").status_code == 401
    assert not Alert.objects.exists()
    response = post(signed, alert, secret="s3cret-for-the-desk")
    assert response.status_code == 200 and Alert.objects.count() == 1


@pytest.mark.parametrize(("body", "message"), [
    (b"{not json", "The body is not JSON."),
    ({"version": "4"}, "“alerts” is missing."),
    (alertmanager({**am_alert("db1"), "status": "burning"}),
     "“alerts[0].status” is “burning”; it is firing or resolved."),
    (alertmanager({**am_alert("db1"), "fingerprint": ""}), "“alerts[0].fingerprint” is missing."),
    (alertmanager({**am_alert("db1"), "labels": ["a"]}), "“alerts[0].labels” is not an object of texts."),
])
def test_a_bad_payload_is_400_with_a_message(desk, source, body, message):
    response = post(source, body)
    assert response.status_code == 400 and response.json() == {"message": message}
    assert not Alert.objects.exists()


def test_the_message_is_in_the_caller_s_language(desk, source):
    response = post(source, {"version": "4"}, client=Client(HTTP_ACCEPT_LANGUAGE="zh-hans"))
    assert response.status_code == 400 and response.json()["message"] == "缺少“alerts”。"
    response = post(source, alertmanager(am_alert("db1")), token="wrong", client=Client(HTTP_ACCEPT_LANGUAGE="zh-hans"))
    assert response.status_code == 401 and "令牌" in response.json()["message"]


def test_the_wrong_kind_of_payload_for_the_source_is_400(desk, source):
    response = post(source, {"fingerprint": "x", "status": "firing", "title": "t"}, kind="json")
    assert response.status_code == 400 and "Alertmanager" in response.json()["message"]
