"""Who must give a second factor, and what an unverified session may reach."""

import pytest
from django.test import Client

from servicedesk.accounts import actions as accounts
from servicedesk.accounts.identity import system_user
from servicedesk.accounts.models import ApiToken
from servicedesk.core import audit
from servicedesk.core.errors import NotAllowed
from servicedesk.mfa import actions
from servicedesk.mfa.models import TotpDevice

from .conftest import PASSWORD


@pytest.fixture
def agents_must(settings):
    settings.SERVICEDESK_MFA_REQUIRED_ROLES = ["agent", "lead"]


def test_without_a_requirement_or_a_device_nothing_is_asked(signed_in):
    client = signed_in("agent1")
    assert client.get("/console/queues/mine/").status_code == 200
    assert client.get("/api/v1/me").status_code == 200


def test_a_required_role_without_a_device_is_sent_to_enrolment(agents_must, signed_in):
    client = signed_in("agent1")
    response = client.get("/console/queues/mine/")
    assert response.status_code == 302 and response["Location"].startswith("/security/enrol/")
    assert client.get("/security/enrol/").status_code == 200
    assert client.get("/security/totp/").status_code == 200
    # Not the person's other screens: only the enrolment ones.
    assert client.get("/security/").status_code == 302
    assert client.get("/preferences/").status_code == 302


def test_other_roles_are_not_asked(agents_must, signed_in):
    assert signed_in("customer1").get("/portal/").status_code == 200


def test_an_unverified_session_gets_401_json_from_the_api(agents_must, signed_in):
    response = signed_in("agent1").get("/api/v1/me")
    assert response.status_code == 401
    assert response.json()["message"] == "Finish signing in with your second factor first."


def test_bearer_tokens_are_not_affected(agents_must, signed_in, desk):
    agent = desk.users["agent1"]
    _token, raw = accounts.issue_token(agent, name="script", actor=agent, channel="api")
    assert Client().get("/api/v1/me", HTTP_AUTHORIZATION=f"Bearer {raw}").status_code == 200
    # Beside an unfinished session, only the token counts: a wrong one is refused.
    client = signed_in("agent1")
    assert client.get("/api/v1/me", HTTP_AUTHORIZATION=f"Bearer {raw}").status_code == 200
    assert client.get("/api/v1/me", HTTP_AUTHORIZATION="Bearer wrong").status_code == 401
    assert ApiToken.objects.filter(user=agent).count() == 1


def test_a_person_with_a_device_cannot_enrol_another_before_verifying(enrolled, desk):
    enrolled("customer1")
    client = Client()
    client.post("/login/", {"username": "customer1", "password": PASSWORD})
    response = client.get("/security/totp/")
    assert response.status_code == 302 and response["Location"].startswith("/security/verify/")
    assert client.post("/security/passkeys/options/").status_code == 302


def test_sso_sessions_count_as_verified_when_trusted(agents_must, signed_in, settings):
    client = signed_in("agent1")
    session = client.session
    session["sd_signed_in_with"] = "oidc:corp"
    session.save()
    assert client.get("/console/queues/mine/").status_code == 200
    settings.SERVICEDESK_MFA_TRUST_SSO = False
    assert client.get("/console/queues/mine/").status_code == 302


def test_the_password_form_records_how_the_session_signed_in(signed_in):
    assert signed_in("agent1").session["sd_signed_in_with"] == "password"


def test_an_administrator_resets_a_persons_devices(enrolled, signed_in, desk):
    enrolled("customer1")
    admin = signed_in("admin")
    response = admin.post("/security/reset/", {"username": "customer1"})
    assert response.status_code == 302
    assert not TotpDevice.objects.exists()
    entry = audit.trail(desk.users["customer1"]).filter(action="mfa_reset").get()
    assert entry.actor_id == desk.users["admin"].pk
    assert signed_in("manager").post("/security/reset/", {"username": "customer1"}).status_code == 403


def test_only_administrators_and_the_system_reset(desk):
    with pytest.raises(NotAllowed):
        actions.reset_devices(desk.users["customer1"], actor=desk.users["manager"], channel="console")
    assert actions.reset_devices(desk.users["customer1"], actor=system_user(), channel="command") == 0


def test_a_passkey_answer_that_is_not_json_is_refused_with_a_message(signed_in):
    client = signed_in("agent1")
    for path in ("/security/passkeys/register/", "/security/verify/passkey/"):
        response = client.post(path, {"credential": "x"})
        assert response.status_code == 400 and response.json() == {"message": "The request is malformed."}
    response = client.post("/security/passkeys/register/", "{\"credential\": {}}", content_type="application/json")
    assert response.status_code == 400 and "could not be registered" in response.json()["message"]
