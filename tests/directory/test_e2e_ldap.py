"""Signing in with the directory's password in a real browser (Chromium), and the directory's status page in
both languages, against the session's OpenLDAP server."""

import pytest

from servicedesk.accounts.models import User
from servicedesk.directory import actions
from tests.directory import slapd
from tests.e2e.conftest import PASSWORD, e2e_desk, screenshot, watch_csp  # noqa: F401

pytestmark = pytest.mark.e2e


def open_page(browser, locale: str):  # noqa: F811
    context = browser.new_context(locale=locale, extra_http_headers={"Accept-Language": locale})
    context.set_default_timeout(15000)
    page = context.new_page()
    watch_csp(context, page)
    return context, page


def sign_in(page, base_url: str, username: str, password: str) -> None:
    page.goto(f"{base_url}/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", password)
    page.click("button[type=submit]")
    page.wait_for_load_state("networkidle")


def test_a_directory_person_signs_in_through_the_form(browser, live_server, e2e_desk, directory):  # noqa: F811
    context, page = open_page(browser, "zh-CN")
    sign_in(page, live_server.url, "zhangwei", slapd.PASSWORD)
    assert "/console/" in page.url  # desk-agents: an agent, in the console
    assert "张伟" in page.locator("body").inner_text()
    assert User.objects.get(username="zhangwei").directory_link.dn.startswith("uid=zhangwei,")
    assert context.csp_violations == []
    context.close()


@pytest.mark.parametrize("language", ["en", "zh-hans"])
def test_the_directory_status_page(browser, live_server, e2e_desk, directory, language):  # noqa: F811
    actions.sync()
    User.objects.filter(username="admin").update(language=language)
    context, page = open_page(browser, "zh-CN" if language == "zh-hans" else "en-US")
    sign_in(page, live_server.url, "admin", PASSWORD)
    page.goto(f"{live_server.url}/admin/directory/syncrun/")
    status = page.locator("#directory-status").inner_text()
    assert ("目录服务器可以连接。" if language == "zh-hans" else "The directory answers.") in status
    screenshot(page, f"directory-status-{language}")
    assert context.csp_violations == []
    context.close()
