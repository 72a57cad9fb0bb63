"""A forgotten password in a real browser: ask on the sign-in page, read the mail the desk wrote to its
outbox folder (no SMTP server: the embedded mail path), set a new password, sign in with it."""

import email
import re
from email import policy

import pytest

from .conftest import screenshot

NEW_PASSWORD = "a-new-pass-456"


@pytest.fixture
def outbox(settings, tmp_path, live_server):
    settings.EMAIL_BACKEND = "django.core.mail.backends.filebased.EmailBackend"
    settings.EMAIL_FILE_PATH = tmp_path / "mail-outbox"
    settings.SERVICEDESK_BASE_URL = live_server.url
    return tmp_path / "mail-outbox"


def read_mail(folder):
    [path] = list(folder.iterdir())
    message = email.message_from_bytes(path.read_bytes(), policy=policy.default)
    return message, message.get_body(preferencelist=("plain",)).get_content()


@pytest.mark.parametrize(("username", "language"), [("customer1", "zh-hans"), ("agent1", "en")])
def test_forgotten_password_from_request_to_sign_in(browser, live_server, e2e_desk, outbox, username, language):
    locale = "zh-CN" if language == "zh-hans" else "en-US"
    context = browser.new_context(locale=locale, extra_http_headers={"Accept-Language": locale})
    context.set_default_timeout(15000)
    page = context.new_page()
    zh = language == "zh-hans"
    page.goto(f"{live_server.url}/login/")
    page.click("text=忘记密码？" if zh else "text=Forgot your password?")
    assert page.locator("h1").inner_text() == ("忘记密码？" if zh else "Forgot your password?")
    screenshot(page, f"password-reset-{language}")
    page.fill("#id_email", f"{username}@example.com")
    page.click("button[type=submit]")
    assert page.locator("h1").inner_text() == ("请查收邮件" if zh else "Check your mail")

    message, body = read_mail(outbox)
    assert message["To"] == f"{username}@example.com"
    assert message["Subject"] == ("服务台：设置新密码" if zh else "Service Desk: set a new password")
    link = re.search(rf"{re.escape(live_server.url)}/password/reset/\S+/", body).group(0)

    page.goto(link)
    assert page.locator("h1").inner_text() == ("设置新密码" if zh else "Set a new password")
    page.fill("#id_new_password1", NEW_PASSWORD)
    page.fill("#id_new_password2", NEW_PASSWORD)
    page.click("button[type=submit]")
    assert page.locator("h1").inner_text() == ("密码已设置" if zh else "Password set")
    page.click("main a.button")
    page.fill("#id_username", username)
    page.fill("#id_password", NEW_PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_load_state("networkidle")
    assert "/portal/" in page.url if username.startswith("customer") else "/console/" in page.url
    # The used link is spent.
    page.goto(link)
    assert page.locator("[role=alert]").inner_text() == ("此链接已过期或已被使用。" if zh
                                                         else "This link has expired or was already used.")
    context.close()
