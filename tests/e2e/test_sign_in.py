"""Sign-in, language switching and the customer's first screen, in a real browser."""

from .conftest import screenshot


def test_sign_in_page_in_both_languages(browser, live_server, e2e_desk):
    for locale, language, heading in (("en-US", "en", "Sign in"), ("zh-CN", "zh-hans", "登录")):
        context = browser.new_context(locale=locale, extra_http_headers={"Accept-Language": locale})
        page = context.new_page()
        page.goto(f"{live_server.url}/login/")
        assert page.locator("h1").inner_text() == heading
        screenshot(page, f"login-{language}")
        context.close()


def test_wrong_password_is_refused_with_a_message(browser, live_server, e2e_desk):
    context = browser.new_context(locale="en-US")
    page = context.new_page()
    page.goto(f"{live_server.url}/login/")
    page.fill("#id_username", "customer1")
    page.fill("#id_password", "wrong-password")
    page.click("button[type=submit]")
    assert "correct username and password" in page.locator("[role=alert]").inner_text()
    context.close()


def test_language_switcher_saves_the_users_choice(sign_in, e2e_desk):
    page = sign_in("customer1", "en")
    with page.expect_navigation():
        page.select_option("#lang-switch", "zh-hans")
    assert page.locator("html").get_attribute("lang") == "zh-hans"
    e2e_desk["customer1"].refresh_from_db()
    assert e2e_desk["customer1"].language == "zh-hans"


def test_not_found_page_is_the_desks_own_in_the_users_language(sign_in):
    page = sign_in("customer1", "zh-hans")
    response = page.goto(f"{page.base_url}/portal/requests/SD-999999/")
    assert response.status == 404
    assert page.locator("h1").inner_text() == "未找到"
    assert page.locator(".topbar").count() == 1
