"""Two-factor sign-in in a real browser: a passkey through Chromium's virtual authenticator, and an
authenticator app's code computed here."""

import time

import pyotp
import pytest

from servicedesk.core import audit

from ..e2e.conftest import PASSWORD, screenshot

pytestmark = pytest.mark.e2e


def sign_out_and_in(page, username):
    page.click("details.usermenu summary")
    page.click(".usermenu button:has-text('Sign out'), .usermenu button:has-text('退出')")
    page.goto(f"{page.base_url}/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_load_state("networkidle")


def test_a_passkey_is_registered_and_signs_in(sign_in, e2e_desk):
    page = sign_in("agent1", "en")
    cdp = page.context.new_cdp_session(page)
    cdp.send("WebAuthn.enable")
    cdp.send("WebAuthn.addVirtualAuthenticator", {"options": {
        "protocol": "ctap2", "transport": "internal", "hasResidentKey": True, "hasUserVerification": True,
        "isUserVerified": True}})
    page.goto(f"{page.base_url}/preferences/")
    page.click("a:has-text('Two-factor sign-in and passkeys')")
    page.click("a:has-text('Add a passkey')")
    page.fill("#passkey-name", "Laptop")
    with page.expect_navigation(url="**/security/"):
        page.click("#passkey-register button[type=submit]")
    assert page.locator("#passkeys").inner_text().count("Laptop") == 1
    screenshot(page, "mfa-security-en")

    sign_out_and_in(page, "agent1")
    page.goto(f"{page.base_url}/preferences/")
    assert "/security/verify/" in page.url
    screenshot(page, "mfa-verify-en")
    with page.expect_navigation(url="**/preferences/"):
        page.click("#passkey-verify button[type=submit]")
    assert page.locator("h1").first.inner_text() == "Preferences"
    agent = e2e_desk["agent1"]
    assert agent.passkeys.get().last_used_at is not None
    assert [e.action for e in audit.trail(agent)].count("mfa_enrolled") == 1


def test_an_authenticator_app_code_signs_in(sign_in, e2e_desk):
    page = sign_in("customer1", "zh-hans")
    page.goto(f"{page.base_url}/security/totp/")
    assert page.locator("h1").inner_text() == "添加身份验证器应用"
    screenshot(page, "mfa-enrol-totp-zh-hans")
    totp = pyotp.TOTP(page.locator("#totp-secret").inner_text())
    page.fill("#id_code", totp.now())
    page.click("form button[type=submit].primary")
    assert page.locator("#recovery-codes li").count() == 10
    screenshot(page, "mfa-recovery-codes-zh-hans")

    sign_out_and_in(page, "customer1")
    assert "/security/verify/" in page.url
    # The next time step: the enrolment used the current one, and a code is accepted once.
    page.fill("#id_code", totp.at(time.time() + 30))
    page.click("form button[type=submit]:has-text('验证')")
    page.wait_for_load_state("networkidle")
    assert "/security/" not in page.url
