"""Recovery codes: each signs in once; new ones replace the old."""

from django.test import Client

from servicedesk.core import audit
from servicedesk.mfa.models import RecoveryCode

from .conftest import PASSWORD


def password_only(username) -> Client:
    client = Client()
    client.post("/login/", {"username": username, "password": PASSWORD})
    return client


def test_a_recovery_code_signs_in_once(enrolled, desk):
    _client, _secret, codes = enrolled("customer1")
    first = password_only("customer1")
    response = first.post("/security/verify/", {"code": codes[0].upper(), "next": "/portal/"})
    assert response.status_code == 302 and response["Location"] == "/portal/"
    assert first.get("/portal/").status_code == 200
    again = password_only("customer1")
    assert again.post("/security/verify/", {"code": codes[0]}).status_code == 400
    assert again.get("/portal/").status_code == 302
    assert RecoveryCode.objects.filter(user=desk.users["customer1"], used_at__isnull=True).count() == 9
    actions = [entry.action for entry in audit.trail(desk.users["customer1"])]
    assert actions.count("recovery_code_used") == 1 and "mfa_failed" in actions


def test_new_codes_replace_the_old_ones(enrolled):
    client, _secret, old = enrolled("customer1")
    response = client.post("/security/recovery-codes/")
    assert response.status_code == 200
    assert "<code>" in response.content.decode()
    assert password_only("customer1").post("/security/verify/", {"code": old[1]}).status_code == 400
