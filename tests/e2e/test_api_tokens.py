"""API tokens on the preferences page, in a real browser: create one, use it, revoke it; and the
sign-in lockout's message."""

import httpx

from servicedesk.accounts.models import ApiToken

from .conftest import screenshot


def test_create_use_and_revoke_a_token_on_the_preferences_page(sign_in, e2e_desk):
    for username, language, revoke_word in (("agent1", "en", "Revoke"), ("customer1", "zh-hans", "吊销")):
        page = sign_in(username, language)
        page.goto(f"{page.base_url}/preferences/")
        page.fill("#token_name", "nightly report")
        page.select_option("#token_expires", "30")
        with page.expect_navigation():
            page.click(".token-form button[type=submit]")
        raw = page.locator("#new-token").inner_text().strip()
        token = ApiToken.objects.get(user=e2e_desk[username], name="nightly report")
        assert raw.startswith(token.prefix) and token.expires_at is not None
        screenshot(page, f"api-tokens-{language}")
        me = httpx.get(f"{page.base_url}/api/v1/me", headers={"Authorization": f"Bearer {raw}"})
        assert me.status_code == 200 and me.json()["username"] == username

        row = page.locator(f"tr[data-token='{token.prefix}']")
        with page.expect_navigation():
            row.get_by_role("button", name=revoke_word).click()
        assert page.locator("#new-token").count() == 0
        assert page.locator(f"tr[data-token='{token.prefix}'] .token-state").is_visible()
        token.refresh_from_db()
        assert token.revoked
        assert httpx.get(f"{page.base_url}/api/v1/me",
                         headers={"Authorization": f"Bearer {raw}"}).status_code == 401


def test_the_sign_in_page_says_when_a_user_is_locked(browser, live_server, e2e_desk):
    context = browser.new_context(locale="zh-CN", extra_http_headers={"Accept-Language": "zh-CN,zh-hans;q=0.9"})
    page = context.new_page()
    page.goto(f"{live_server.url}/login/")
    for _ in range(5):
        page.fill("#id_username", "customer2")
        page.fill("#id_password", "wrong-password")
        with page.expect_navigation():
            page.click("button[type=submit]")
    assert "登录失败次数过多" in page.locator("[role=alert]").inner_text()
    screenshot(page, "login-locked-zh-hans")
    context.close()
