import re
import time

import pyotp
import pytest
from django.test import Client

# The browser tests' fixtures, for test_e2e_mfa.py in this app's own folder.
from ..e2e.conftest import e2e_desk, sign_in  # noqa: F401

PASSWORD = "demo-pass-123"


def code_now(secret: str, steps_ahead: int = 0) -> str:
    return pyotp.TOTP(secret).at(time.time() + 30 * steps_ahead)


@pytest.fixture
def signed_in(desk):
    """signed_in("agent1") → a client that signed in with the password form (as a person does)."""

    def make(username):
        client = Client()
        response = client.post("/login/", {"username": username, "password": PASSWORD})
        assert response.status_code == 302, response.content[:500]
        return client

    return make


@pytest.fixture
def enrolled(signed_in):
    """enrolled("agent1") → (client, secret, recovery codes): the person added an authenticator app."""

    def make(username):
        client = signed_in(username)
        page = client.get("/security/totp/").content.decode()
        secret = re.search(r'id="totp-secret" class="secret">([A-Z2-7]+)<', page).group(1)
        response = client.post("/security/totp/", {"code": code_now(secret)})
        assert response.status_code == 200
        codes = re.findall(r"<li><code>([a-z0-9-]+)</code></li>", response.content.decode())
        return client, secret, codes

    return make
