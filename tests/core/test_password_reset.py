"""Forgotten passwords: a reset link by mail for customers and staff, in their language, the same answer
for unknown addresses, limited per address and per client, the link built on the desk's base URL."""

import email.utils
import re

import pytest
from django.contrib.auth import authenticate
from django.core import mail
from django.http import HttpRequest
from django.test import Client

NEW_PASSWORD = "a-new-pass-456"


@pytest.fixture(autouse=True)
def base_url(settings):
    settings.SERVICEDESK_BASE_URL = "https://desk.example.com"
    settings.ALLOWED_HOSTS = ["testserver", "evil.example.net"]


def ask(client, address, **extra):
    return client.post("/password/reset/", {"email": address}, **extra)


def link_in(message) -> str:
    return re.search(r"https://desk\.example\.com(/password/reset/\S+/)", message.body).group(1)


@pytest.mark.parametrize("language", ["en", "zh-hans"])
def test_the_sign_in_page_offers_it(client, language):
    html = client.get("/login/", HTTP_ACCEPT_LANGUAGE=language).content.decode()
    assert 'href="/password/reset/"' in html
    assert ("忘记密码？" if language == "zh-hans" else "Forgot your password?") in html


def test_a_customer_gets_the_link_in_chinese_and_sets_a_new_password(client, desk):
    # The Host header is the caller's to choose: the link comes from SERVICEDESK_BASE_URL instead.
    response = ask(client, "Customer1@Example.com", HTTP_HOST="evil.example.net")
    assert response.status_code == 302 and response["Location"] == "/password/reset/sent/"
    [message] = mail.outbox
    assert message.to == ["customer1@example.com"]
    assert message.subject == "服务台：设置新密码"
    assert message.from_email == email.utils.formataddr(("服务台", "servicedesk@localhost"))
    assert "刘伟，您好" in message.body and "“customer1”" in message.body and "小时内有效" in message.body
    assert "evil.example.net" not in message.body
    path = link_in(message)
    form = client.get(path, follow=True, HTTP_ACCEPT_LANGUAGE="zh-hans")
    assert "设置新密码" in form.content.decode() and "customer1" in form.content.decode()
    set_url = form.redirect_chain[-1][0]
    done = client.post(set_url, {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD})
    assert done.status_code == 302 and done["Location"] == "/password/reset/done/"
    assert authenticate(HttpRequest(), username="customer1", password=NEW_PASSWORD) is not None
    # The link works once.
    again = Client().get(path, follow=True, HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "This link has expired or was already used." in again


def test_staff_get_it_in_their_language_too(client, desk):
    ask(client, "agent1@example.com")
    [message] = mail.outbox
    assert message.subject == "Service Desk: set a new password"
    assert "Hello, Alex Chen" in message.body and 'your account "agent1"' in message.body


def test_an_unknown_address_gets_the_same_answer_and_no_mail(client, desk):
    known = ask(client, "agent1@example.com")
    unknown = ask(Client(), "nobody@example.com")
    assert (unknown.status_code, unknown["Location"]) == (known.status_code, known["Location"])
    assert len(mail.outbox) == 1
    page = client.get("/password/reset/sent/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "If the desk has an account with that address" in page


def test_a_customer_without_a_password_yet_can_set_one(client, desk):
    customer = desk.customer2
    customer.set_unusable_password()
    customer.save()
    ask(client, customer.email)
    assert len(mail.outbox) == 1


@pytest.mark.parametrize("language", ["en", "zh-hans"])
def test_requests_are_limited_per_address(client, desk, settings, language):
    settings.SERVICEDESK_PASSWORD_RESET_PER_ADDRESS = 2
    for _ in range(2):
        assert ask(client, "agent1@example.com").status_code == 302
    refused = ask(client, "agent1@example.com", HTTP_ACCEPT_LANGUAGE=language)
    assert refused.status_code == 429
    text = refused.content.decode()
    assert ("重置密码的请求过多，请等待 15 分钟后再试。" if language == "zh-hans"
            else "Too many password reset requests. Please wait 15 minutes and try again.") in text
    assert len(mail.outbox) == 2
    # An unknown address is counted and refused alike: the limit tells nobody who has an account.
    for _ in range(2):
        ask(client, "nobody@example.com")
    assert ask(client, "nobody@example.com").status_code == 429


def test_requests_are_limited_per_client_address(desk, settings):
    settings.SERVICEDESK_PASSWORD_RESET_PER_CLIENT = 3
    client = Client(REMOTE_ADDR="203.0.113.7")
    for n in range(3):
        assert ask(client, f"someone{n}@example.com").status_code == 302
    assert ask(client, "agent1@example.com").status_code == 429
    assert not mail.outbox
    assert ask(Client(REMOTE_ADDR="203.0.113.8"), "agent1@example.com").status_code == 302


def test_a_bad_address_is_said_in_the_users_language(client, desk):
    response = ask(client, "not an address", HTTP_ACCEPT_LANGUAGE="zh-hans")
    assert response.status_code == 200
    assert "输入一个有效的 Email 地址。" in response.content.decode()


@pytest.mark.parametrize("page", ["/password/reset/", "/password/reset/sent/", "/password/reset/done/"])
def test_the_pages_are_the_desks_own(client, page):
    html = client.get(page, HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
    assert 'class="topbar"' in html and "Django" not in html


def test_the_password_change_page_is_the_desks_own_too(client, desk):
    client.force_login(desk.agent1)
    html = client.get("/password/").content.decode()
    assert 'class="topbar"' in html and "Django" not in html and 'name="old_password"' in html
