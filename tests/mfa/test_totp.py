"""Adding an authenticator app, then signing in with its code."""

from django.test import Client

from servicedesk.core import audit
from servicedesk.mfa.models import RecoveryCode, TotpDevice

from .conftest import PASSWORD, code_now


def events(user) -> list[str]:
    return [entry.action for entry in audit.trail(user)]


def test_the_enrolment_page_shows_a_qr_code_and_the_key(signed_in):
    page = signed_in("agent1").get("/security/totp/").content.decode()
    assert 'src="data:image/svg+xml;base64,' in page
    assert 'id="totp-secret"' in page


def test_a_right_code_adds_the_app_and_shows_ten_recovery_codes_once(enrolled, desk):
    client, secret, codes = enrolled("agent1")
    agent = desk.users["agent1"]
    assert TotpDevice.objects.get(user=agent).secret == secret
    assert len(codes) == 10 and len(set(codes)) == 10
    stored = set(RecoveryCode.objects.filter(user=agent).values_list("digest", flat=True))
    assert not stored & {c.replace("-", "") for c in codes}  # digests only
    assert "mfa_enrolled" in events(agent) and "recovery_codes_generated" in events(agent)
    assert "<code>" not in client.get("/security/").content.decode()  # the codes are not shown again


def test_a_wrong_code_adds_nothing_and_is_audited(signed_in, desk):
    client = signed_in("agent1")
    client.get("/security/totp/")
    response = client.post("/security/totp/", {"code": "000000"})
    assert response.status_code == 400
    assert "That code is not right" in response.content.decode()
    assert not TotpDevice.objects.exists()
    assert "mfa_failed" in events(desk.users["agent1"])


def test_signing_in_again_asks_for_the_code_and_accepts_it_once(enrolled, desk):
    _client, secret, _codes = enrolled("agent1")
    client = Client()
    client.post("/login/", {"username": "agent1", "password": PASSWORD})
    response = client.get("/preferences/")
    assert response.status_code == 302 and response["Location"] == "/security/verify/?next=%2Fpreferences%2F"
    code = code_now(secret, 1)  # the next step: the enrolment used the current one
    response = client.post("/security/verify/", {"code": code, "next": "/preferences/"})
    assert response.status_code == 302 and response["Location"] == "/preferences/"
    assert client.get("/preferences/").status_code == 200
    other = Client()
    other.post("/login/", {"username": "agent1", "password": PASSWORD})
    replay = other.post("/security/verify/", {"code": code})
    assert replay.status_code == 400  # a code is accepted once


def test_wrong_codes_lock_the_verify_step(enrolled, desk, settings):
    settings.SERVICEDESK_MFA_FAILURE_LIMIT = 3
    _client, secret, _codes = enrolled("agent1")
    client = Client()
    client.post("/login/", {"username": "agent1", "password": PASSWORD})
    for _attempt in range(3):
        assert client.post("/security/verify/", {"code": "123456"}).status_code == 400
    locked = client.post("/security/verify/", {"code": code_now(secret, 1)})
    assert locked.status_code == 429
    assert "Too many wrong codes" in locked.content.decode()
    assert "mfa_locked" in events(desk.users["agent1"])


def test_removing_the_app_is_audited(enrolled, desk):
    client, _secret, _codes = enrolled("agent1")
    assert client.post("/security/totp/remove/").status_code == 302
    assert not TotpDevice.objects.exists()
    assert "mfa_removed" in events(desk.users["agent1"])
