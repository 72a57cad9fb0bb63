"""Sign-in lockout (django-axes): per user name, per address, its message, expiry, unlock, log."""

import datetime
import logging

import pytest
from axes.models import AccessAttempt, AccessFailureLog
from django.conf import settings
from django.contrib.auth.hashers import MD5PasswordHasher
from django.test import Client
from django.utils import timezone

from servicedesk.accounts.actions import Event
from servicedesk.core import audit

PASSWORD = "demo-pass-123"
LOCKED_EN = "Too many failed sign-ins for this user name or from this address"
LOCKED_ZH = "该用户名或该地址登录失败次数过多"


def sign_in(client, username, password, path="/login/", address="127.0.0.1", **extra):
    return client.post(path, {"username": username, "password": password}, REMOTE_ADDR=address, **extra)


def signed_in(client) -> bool:
    return "_auth_user_id" in client.session


def fail(client, username, times, **kwargs):
    return [sign_in(client, username, "wrong-password", **kwargs) for _ in range(times)]


def test_a_user_name_is_locked_after_the_limit_and_refuses_the_right_password(desk):
    client = Client()
    limit = settings.SERVICEDESK_LOGIN_FAILURE_LIMIT
    responses = fail(client, "customer1", limit)
    assert [r.status_code for r in responses[:-1]] == [200] * (limit - 1)
    assert "correct username and password" in responses[0].content.decode()
    locked = responses[-1]
    assert locked.status_code == 429
    page = locked.content.decode()
    # The sign-in page itself, with the form and the reason, not a bare error text.
    assert LOCKED_EN in page and "15 minutes" in page and 'id="id_password"' in page
    right = sign_in(client, "customer1", PASSWORD)
    assert right.status_code == 429 and LOCKED_EN in right.content.decode()
    assert not signed_in(client)
    # Another user name from the same address is not locked by these five.
    assert sign_in(client, "customer2", PASSWORD).status_code == 302


def test_the_lockout_message_is_in_the_users_language(desk):
    client = Client(HTTP_ACCEPT_LANGUAGE="zh-hans")
    locked = fail(client, "customer1", settings.SERVICEDESK_LOGIN_FAILURE_LIMIT)[-1]
    page = locked.content.decode()
    assert locked.status_code == 429
    assert LOCKED_ZH in page and "15 分钟" in page and LOCKED_EN not in page


def test_forty_wrong_passwords_in_a_row_are_each_answered_and_locked_after_the_limit(desk):
    client = Client()
    statuses = [r.status_code for r in fail(client, "agent1", 40)]
    limit = settings.SERVICEDESK_LOGIN_FAILURE_LIMIT
    assert statuses == [200] * (limit - 1) + [429] * (40 - limit + 1)
    # Attempts refused while locked are not counted: they do not push the lock's end further.
    assert AccessAttempt.objects.get(username="agent1").failures_since_start == limit


class CountingHasher(MD5PasswordHasher):
    """The test suite's hasher, counting its work (Argon2's 100 MiB in production): every check of a
    password, and the hashing Django does for an unknown user name, goes through encode()."""

    calls = 0

    def encode(self, password, salt):
        CountingHasher.calls += 1
        return super().encode(password, salt)


def test_a_locked_attempt_verifies_no_password(desk, settings):
    settings.PASSWORD_HASHERS = ["tests.accounts.test_lockout.CountingHasher"]
    client = Client()
    CountingHasher.calls = 0
    fail(client, "agent1", settings.SERVICEDESK_LOGIN_FAILURE_LIMIT)
    fail(client, "nobody-here", settings.SERVICEDESK_LOGIN_FAILURE_LIMIT)
    before = CountingHasher.calls
    assert before == 2 * settings.SERVICEDESK_LOGIN_FAILURE_LIMIT
    fail(client, "agent1", 30)
    fail(client, "nobody-here", 30)
    sign_in(client, "agent1", PASSWORD)
    assert CountingHasher.calls == before


def test_the_lock_ends_after_the_lockout_time(desk):
    client = Client()
    fail(client, "customer1", settings.SERVICEDESK_LOGIN_FAILURE_LIMIT)
    assert sign_in(client, "customer1", PASSWORD).status_code == 429
    AccessAttempt.objects.update(attempt_time=timezone.now() - datetime.timedelta(
        minutes=settings.SERVICEDESK_LOCKOUT_MINUTES, seconds=1))
    assert sign_in(client, "customer1", PASSWORD).status_code == 302
    assert signed_in(client)


def test_a_user_name_is_locked_whatever_address_the_guesses_come_from(desk):
    client = Client()
    for n in range(settings.SERVICEDESK_LOGIN_FAILURE_LIMIT):
        sign_in(client, "customer1", "wrong-password", address=f"10.0.0.{n + 1}")
    assert sign_in(client, "customer1", PASSWORD, address="10.9.9.9").status_code == 429


def test_an_address_is_locked_after_its_own_limit_for_every_user_name(desk):
    client = Client()
    limit = settings.SERVICEDESK_LOGIN_ADDRESS_FAILURE_LIMIT
    assert limit > settings.SERVICEDESK_LOGIN_FAILURE_LIMIT
    # Spread over user names, each under its own limit: only the address's count reaches a limit.
    names = [f"guess{n}" for n in range(limit)]
    statuses = [sign_in(client, name, "wrong-password", address="10.1.1.1").status_code for name in names]
    assert statuses[:-1] == [200] * (limit - 1) and statuses[-1] == 429
    assert sign_in(client, "customer2", PASSWORD, address="10.1.1.1").status_code == 429
    assert sign_in(client, "customer2", PASSWORD, address="10.2.2.2").status_code == 302


def test_a_forwarded_for_header_is_ignored_unless_configured(desk, settings):
    client = Client()
    for n in range(settings.SERVICEDESK_LOGIN_ADDRESS_FAILURE_LIMIT):
        # Rotating the header does not spread the guesses over addresses.
        sign_in(client, f"guess{n}", "wrong-password", HTTP_X_FORWARDED_FOR=f"192.0.2.{n}")
    assert sign_in(client, "customer1", PASSWORD).status_code == 429

    settings.SERVICEDESK_CLIENT_IP_HEADER = "X-Forwarded-For"
    # Behind the configured proxy: the address the proxy saw (the right-most entry) counts.
    ok = sign_in(client, "customer1", PASSWORD, HTTP_X_FORWARDED_FOR="203.0.113.9, 198.51.100.7")
    assert ok.status_code == 302
    assert not AccessAttempt.objects.filter(ip_address="198.51.100.7").exists()
    sign_in(Client(), "customer2", "wrong-password", HTTP_X_FORWARDED_FOR="203.0.113.9, 198.51.100.7")
    assert AccessAttempt.objects.filter(ip_address="198.51.100.7", username="customer2").exists()
    # A header that names no address falls back to the connection's address (no error storing it).
    assert sign_in(Client(), "customer3", "wrong-password", address="10.7.7.7",
                   HTTP_X_FORWARDED_FOR="not-an-address").status_code == 200
    assert AccessAttempt.objects.filter(ip_address="10.7.7.7", username="customer3").exists()


def test_a_successful_sign_in_clears_its_user_names_failures_only(desk):
    client = Client()
    limit = settings.SERVICEDESK_LOGIN_FAILURE_LIMIT
    fail(client, "customer1", limit - 1)
    fail(client, "customer2", limit - 1)
    assert sign_in(Client(), "customer1", PASSWORD).status_code == 302
    assert not AccessAttempt.objects.filter(username="customer1").exists()
    # customer2's guesses from that address still count: one more locks it.
    assert sign_in(client, "customer2", "wrong-password").status_code == 429
    # Failures stay on record after they were cleared.
    assert AccessFailureLog.objects.filter(username="customer1").count() == limit - 1


def test_the_admin_sign_in_is_locked_too_with_its_own_page(desk):
    client = Client()
    responses = fail(client, "admin", settings.SERVICEDESK_LOGIN_FAILURE_LIMIT, path="/admin/login/")
    assert responses[0].status_code == 200
    locked = responses[-1]
    assert locked.status_code == 429
    page = locked.content.decode()
    assert LOCKED_EN in page and 'id="login-form"' in page
    assert sign_in(client, "admin", PASSWORD, path="/admin/login/").status_code == 429
    # The console's sign-in shares the count: the same user name is locked there too.
    assert sign_in(client, "admin", PASSWORD).status_code == 429


def test_a_lock_is_logged_and_recorded_for_the_admin(desk, caplog):
    client = Client()
    with caplog.at_level(logging.WARNING, logger="servicedesk.accounts.signin"):
        fail(client, "customer1", settings.SERVICEDESK_LOGIN_FAILURE_LIMIT, address="10.3.3.3")
    lines = [r.getMessage() for r in caplog.records if r.name == "servicedesk.accounts.signin"]
    assert lines == ["Sign-in locked after 5 failures: user name 'customer1', address 10.3.3.3, /login/"]
    attempt = AccessAttempt.objects.get(username="customer1")
    assert (attempt.ip_address, attempt.failures_since_start) == ("10.3.3.3", 5)

    admin = Client()
    admin.force_login(desk.admin)
    listing = admin.get("/admin/axes/accessattempt/")
    assert listing.status_code == 200 and "customer1" in listing.content.decode()


def test_an_administrator_unlocks_a_user_in_the_admin(desk):
    client = Client()
    fail(client, "customer1", settings.SERVICEDESK_LOGIN_FAILURE_LIMIT)
    admin = Client()
    admin.force_login(desk.admin)
    response = admin.post("/admin/accounts/user/", {"action": "unlock_sign_in",
                                                    "_selected_action": [desk.customer1.pk]})
    assert response.status_code == 302
    assert not AccessAttempt.objects.filter(username="customer1").exists()
    event = audit.trail(desk.customer1).get(action=Event.SIGN_IN_UNLOCKED)
    assert (event.actor, event.channel) == (desk.admin, "admin") and "failed sign-ins cleared" in event.note
    assert sign_in(client, "customer1", PASSWORD).status_code == 302


def test_only_who_manages_the_person_unlocks(desk):
    from servicedesk.accounts import actions
    from servicedesk.tickets.actions import NotAllowed

    with pytest.raises(NotAllowed):
        actions.unlock_sign_in(desk.manager, actor=desk.agent1, channel="console")
    actions.unlock_sign_in(desk.customer1, actor=desk.agent1, channel="console")
