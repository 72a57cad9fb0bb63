"""Mailboxes that sign in with OAuth 2.0 (XOAUTH2), against loopback servers that take nothing else: a
dovecot whose passdb asks a loopback token server (introspection) whether the token is valid, and an
aiosmtpd that requires AUTH XOAUTH2. The desk renews the access token itself at the loopback token
endpoint, stores a rotated refresh token, retries a refused token once, marks a refused grant without
losing mail, and never writes a token into a log or the audit trail."""

import datetime
import imaplib
import io
import logging
import urllib.error
import urllib.parse
import urllib.request

import pytest
from aiosmtpd.controller import Controller
from django.core import mail
from django.core.management import CommandError, call_command
from django.test import Client
from django.urls import reverse
from django.utils import timezone, translation

from servicedesk.accounts.models import Desk, User
from servicedesk.core.models import AuditEntry
from servicedesk.intake import oauth
from servicedesk.intake.imap import FILED_KEYWORD, fetch_mailbox
from servicedesk.intake.models import ImapAuth, ImapSecurity, InboundMessage, Mailbox, OAuthProvider
from servicedesk.notify import sending
from servicedesk.notify.models import Event, OutboundMessage
from servicedesk.tickets.models import Ticket
from tests.services import free_port, require_program

from .mailtools import DESK_ADDRESS, TITLES, corpus
from .oauth_servers import CLIENT_ID, CLIENT_SECRET, OAuthDovecot, TokenServer, XOAuth2SmtpSink
from .test_imap import append, server_flags

MESSAGE = "gb2312_base64.eml"
# The loopback SMTP server requires AUTH without TLS (it runs on 127.0.0.1 only), which aiosmtpd warns about.
pytestmark = pytest.mark.filterwarnings("ignore:Requiring AUTH while not requiring TLS")


@pytest.fixture(scope="module")
def token_server():
    server = TokenServer()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture(scope="module")
def oauth_dovecot(token_server):
    server = OAuthDovecot(require_program("dovecot"), token_server)
    try:
        server.start()
        yield server
    finally:
        server.stop()


@pytest.fixture
def account(oauth_dovecot):
    return oauth_dovecot.new_account()


@pytest.fixture
def mailbox(desk, oauth_dovecot, account, token_server):
    return Mailbox.objects.create(
        name="IT", address=DESK_ADDRESS, desk=Desk.objects.get(is_default=True), imap_host="127.0.0.1",
        imap_port=oauth_dovecot.port, imap_security=ImapSecurity.NONE, imap_username=account,
        imap_auth=ImapAuth.OAUTH2, oauth_provider=OAuthProvider.GENERIC, oauth_client_id=CLIENT_ID,
        oauth_client_secret=CLIENT_SECRET, oauth_token_url=f"{token_server.url}/token",
        oauth_authorize_url=f"{token_server.url}/authorize", oauth_refresh_token=token_server.reset(account),
    )


def stored_token(mailbox, token, expires_in):
    mailbox.oauth_access_token = token
    mailbox.oauth_expires_at = timezone.now() + datetime.timedelta(seconds=expires_in)
    mailbox.save()


def test_the_server_takes_xoauth2_only_and_mail_is_fetched_with_a_fresh_token(mailbox, oauth_dovecot, account,
                                                                                token_server):
    with pytest.raises(imaplib.IMAP4.error):  # no password gets in, not even the tests' master password
        imaplib.IMAP4("127.0.0.1", oauth_dovecot.port, timeout=10).login(account, oauth_dovecot.password)
    stored_token(mailbox, token_server.issue(), 600)
    append(oauth_dovecot, account, corpus(MESSAGE))

    report = fetch_mailbox(mailbox)

    assert report.errors == [] and report.fetched == 1
    assert token_server.requests == []  # the stored token was good for minutes more
    assert Ticket.objects.get().title == TITLES[MESSAGE]
    assert all({"\\Seen", FILED_KEYWORD} <= flags for flags in server_flags(oauth_dovecot, account))


def test_a_token_about_to_expire_is_renewed_before_use_and_the_rotated_refresh_token_kept(
        mailbox, oauth_dovecot, account, token_server):
    first_refresh = mailbox.oauth_refresh_token
    stored_token(mailbox, token_server.issue(lifetime=120), 120)  # within the renewal margin
    append(oauth_dovecot, account, corpus(MESSAGE))

    report = fetch_mailbox(mailbox)

    assert report.errors == [] and report.fetched == 1
    [refresh] = token_server.refreshes()
    assert refresh == {"grant_type": "refresh_token", "refresh_token": first_refresh, "client_id": CLIENT_ID,
                       "client_secret": CLIENT_SECRET}
    mailbox.refresh_from_db()
    assert mailbox.oauth_refresh_token != first_refresh
    assert token_server.refresh_tokens == {mailbox.oauth_refresh_token}  # the old one no longer works
    assert token_server.valid(account, mailbox.oauth_access_token)
    assert abs((mailbox.oauth_expires_at - timezone.now()).total_seconds() - 600) < 30

    # The next poll uses the new token; renewing later uses the rotated refresh token, which works.
    append(oauth_dovecot, account, corpus("big5.eml"))
    assert fetch_mailbox(mailbox).fetched == 1
    assert len(token_server.refreshes()) == 1
    rotated = mailbox.oauth_refresh_token
    assert oauth.access_token(mailbox, renew=True) == mailbox.oauth_access_token
    assert token_server.refreshes()[1]["refresh_token"] == rotated
    mailbox.refresh_from_db()
    assert mailbox.oauth_refresh_token == rotated  # rotated once only: the provider kept this one
    assert Ticket.objects.count() == 2


def test_a_token_the_server_refuses_is_renewed_once_and_the_sign_in_retried(mailbox, oauth_dovecot, account,
                                                                             token_server):
    revoked = token_server.issue()
    stored_token(mailbox, revoked, 3000)
    token_server.revoke_access(revoked)
    append(oauth_dovecot, account, corpus(MESSAGE))

    report = fetch_mailbox(mailbox)

    assert report.errors == [] and report.fetched == 1
    assert len(token_server.refreshes()) == 1
    mailbox.refresh_from_db()
    assert mailbox.oauth_access_token != revoked


def test_a_refused_grant_marks_the_mailbox_loses_no_mail_and_a_new_connection_files_it(
        mailbox, oauth_dovecot, account, token_server, desk):
    stored_token(mailbox, "at-expired", -60)
    token_server.revoke_grant()
    append(oauth_dovecot, account, corpus(MESSAGE))

    report = fetch_mailbox(mailbox)

    assert report.fetched == 0
    [error] = report.errors
    assert "refused this mailbox's authorisation (invalid_grant: AADSTS70000" in error
    assert "connect the mailbox again" in error
    mailbox.refresh_from_db()
    assert mailbox.oauth_needs_consent
    assert mailbox.oauth_error.startswith("invalid_grant: AADSTS70000")
    assert mailbox.imap_last_error == error
    assert mailbox.imap_claimed_by == ""
    assert InboundMessage.objects.count() == 0
    [flags] = server_flags(oauth_dovecot, account)
    assert "\\Seen" not in flags and FILED_KEYWORD not in flags  # still new on the server

    # Marked: the next polls do not ask the provider again, and say why in the admin, in each language.
    asked = len(token_server.requests)
    assert fetch_mailbox(mailbox).errors
    assert len(token_server.requests) == asked
    admin = Client()
    admin.force_login(desk.admin)
    page = admin.get(reverse("admin:intake_mailbox_changelist")).content.decode()
    assert "Needs re-authorisation: invalid_grant: AADSTS70000" in page
    page = admin.get(reverse("admin:intake_mailbox_change", args=[mailbox.pk])).content.decode()
    assert "refused this mailbox&#x27;s authorisation" in page
    User.objects.filter(pk=desk.admin.pk).update(language="zh-hans")
    page = admin.get(reverse("admin:intake_mailbox_changelist")).content.decode()
    assert "需要重新授权：invalid_grant: AADSTS70000" in page

    # An administrator connects it again (headless): the message is filed.
    new_refresh = token_server.reset(account)
    out = io.StringIO()
    with translation.override("en"):  # the admin's request left Chinese active in this thread
        call_command("mail-oauth", DESK_ADDRESS, "--refresh-token", new_refresh, stdout=out)
    assert f"{DESK_ADDRESS} is connected" in out.getvalue()
    mailbox.refresh_from_db()
    assert not mailbox.oauth_needs_consent and mailbox.oauth_error == ""
    report = fetch_mailbox(mailbox)
    assert report.errors == [] and report.fetched == 1
    assert Ticket.objects.get().title == TITLES[MESSAGE]


def test_an_unreachable_token_endpoint_is_tried_again_at_the_next_poll(mailbox, oauth_dovecot, account,
                                                                       token_server):
    stored_token(mailbox, "at-expired", -60)
    token_server.failures = 1
    append(oauth_dovecot, account, corpus(MESSAGE))

    report = fetch_mailbox(mailbox)

    [error] = report.errors
    assert "answered 503 temporarily_unavailable; trying again later" in error
    mailbox.refresh_from_db()
    assert not mailbox.oauth_needs_consent
    assert fetch_mailbox(mailbox).fetched == 1
    assert Ticket.objects.count() == 1

    mailbox.oauth_token_url = f"http://127.0.0.1:{free_port()}/token"  # nothing listens there
    stored_token(mailbox, "at-expired", -60)
    [error] = fetch_mailbox(mailbox).errors
    assert "could not be reached" in error
    mailbox.refresh_from_db()
    assert not mailbox.oauth_needs_consent


def test_mail_oauth_refuses_a_refresh_token_the_provider_refuses(mailbox, token_server):
    before = mailbox.oauth_refresh_token
    with pytest.raises(CommandError, match="invalid_grant"):
        call_command("mail-oauth", DESK_ADDRESS, "--refresh-token", "rt-mistyped", stdout=io.StringIO())
    with pytest.raises(CommandError, match="No mailbox has the address"):
        call_command("mail-oauth", "nobody@example.com", "--refresh-token", before, stdout=io.StringIO())
    mailbox.refresh_from_db()
    assert mailbox.oauth_refresh_token == before


# --- SMTP -----------------------------------------------------------------------------------------------------


@pytest.fixture
def smtp_server(settings, mailbox, token_server):
    sink = XOAuth2SmtpSink(token_server)
    port = free_port()
    controller = Controller(sink, hostname="127.0.0.1", port=port, auth_required=True, auth_require_tls=False)
    controller.start()
    settings.EMAIL_BACKEND = "servicedesk.notify.xoauth2.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT, settings.EMAIL_USE_TLS = "127.0.0.1", port, False
    settings.EMAIL_HOST_USER = settings.EMAIL_HOST_PASSWORD = ""
    settings.SERVICEDESK_SMTP_OAUTH_MAILBOX = mailbox.address
    sending._mark_reachable()
    try:
        yield sink
    finally:
        controller.stop()
        sending._mark_reachable()


def outbox_row(**fields):
    return OutboundMessage.objects.create(event=Event.PUBLIC_REPLY, address="lilei@example.cn", source_key="oauth",
                                          language="en", message_id="oauth-test@example.com",
                                          subject="Your request", body_text="Solved.", **fields)


def test_the_outbox_sends_through_smtp_with_xoauth2(smtp_server, mailbox, account, token_server):
    stored_token(mailbox, token_server.issue(), 600)
    row = outbox_row()

    assert sending.send_row(row.pk).state == "sent"

    [message] = smtp_server.wait_for(1)
    assert message["Subject"] == "Your request"
    assert smtp_server.accepted == [account] and smtp_server.refused == 0
    assert token_server.requests == []


def test_smtp_renews_an_expired_token_and_retries_a_refused_one(smtp_server, mailbox, account, token_server):
    stored_token(mailbox, "at-expired", -60)
    mail.send_mail("Expired", "Body", None, ["a@example.com"])
    assert len(token_server.refreshes()) == 1 and smtp_server.refused == 0

    mailbox.refresh_from_db()
    token_server.revoke_access(mailbox.oauth_access_token)  # stale before its time
    mail.send_mail("Stale", "Body", None, ["a@example.com"])

    assert [m["Subject"] for m in smtp_server.wait_for(2)] == ["Expired", "Stale"]
    assert smtp_server.refused == 1 and len(token_server.refreshes()) == 2
    assert smtp_server.accepted == [account, account]


def test_a_refused_grant_keeps_the_outbox_row_queued_with_the_reason(smtp_server, mailbox, token_server):
    stored_token(mailbox, "at-expired", -60)
    token_server.revoke_grant()
    row = outbox_row()

    outcome = sending.send_row(row.pk)

    assert outcome.state == "queued"
    row.refresh_from_db()
    assert "connect the mailbox again" in row.last_error
    assert smtp_server.raw == []
    mailbox.refresh_from_db()
    assert mailbox.oauth_needs_consent


# --- the admin's Connect (authorisation code with PKCE) -----------------------------------------------------


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


def provider_sign_in(url: str) -> str:
    """The administrator's browser at the provider: signed in and agreed; returns where it is sent back."""
    try:
        urllib.request.build_opener(_NoRedirect).open(url, timeout=10)
    except urllib.error.HTTPError as answer:
        assert answer.code == 302
        return answer.headers["Location"]
    raise AssertionError("the provider did not redirect back")


def test_connect_with_oauth_in_the_admin(settings, mailbox, token_server, desk):
    settings.SERVICEDESK_BASE_URL = "https://desk.example.com"
    mailbox.oauth_refresh_token = ""
    mailbox.oauth_needs_consent = True
    mailbox.save()
    admin = Client()
    admin.force_login(desk.admin)
    callback = reverse("admin:intake_mailbox_oauth_callback")

    page = admin.get(reverse("admin:intake_mailbox_change", args=[mailbox.pk])).content.decode()
    assert "Connect with OAuth" in page and f"https://desk.example.com{callback}" in page
    answer = admin.get(reverse("admin:intake_mailbox_oauth_connect", args=[mailbox.pk]))
    assert answer.status_code == 302
    location = answer["Location"]
    asked = dict(urllib.parse.parse_qsl(urllib.parse.urlsplit(location).query))
    assert location.startswith(f"{token_server.url}/authorize?")
    assert asked["redirect_uri"] == f"https://desk.example.com{callback}"
    assert asked["code_challenge_method"] == "S256" and len(asked["code_challenge"]) == 43
    assert asked["login_hint"] == mailbox.imap_username

    back = urllib.parse.urlsplit(provider_sign_in(location))
    answer = admin.get(back.path, dict(urllib.parse.parse_qsl(back.query)))

    assert answer.status_code == 302 and answer["Location"] == reverse("admin:intake_mailbox_change",
                                                                       args=[mailbox.pk])
    mailbox.refresh_from_db()
    assert mailbox.oauth_refresh_token in token_server.refresh_tokens
    assert token_server.valid(mailbox.imap_username, mailbox.oauth_access_token)
    assert not mailbox.oauth_needs_consent
    [code_request] = [f for f in token_server.requests if f["grant_type"] == "authorization_code"]
    assert code_request["code_verifier"] and code_request["redirect_uri"] == asked["redirect_uri"]
    entry = AuditEntry.objects.get(field="oauth_refresh_token")
    assert (entry.old_value, entry.new_value, entry.channel, entry.actor_id) == ("", "********", "admin",
                                                                               desk.admin.pk)
    assert "is connected with OAuth 2.0" in admin.get(answer["Location"]).content.decode()

    # The same answer again (a reload, a replay): belongs to nothing begun, changes nothing.
    stored = mailbox.oauth_refresh_token
    answer = admin.get(back.path, dict(urllib.parse.parse_qsl(back.query)), follow=True)
    assert "belongs to no connection begun here" in answer.content.decode()
    mailbox.refresh_from_db()
    assert mailbox.oauth_refresh_token == stored


def test_the_admin_keeps_secrets_write_only_and_a_changed_client_clears_the_mark(mailbox, desk):
    mailbox.oauth_needs_consent, mailbox.oauth_error = True, "invalid_client: secret expired"
    mailbox.save()
    admin = Client()
    admin.force_login(desk.admin)
    page = admin.get(reverse("admin:intake_mailbox_change", args=[mailbox.pk])).content.decode()
    assert CLIENT_SECRET not in page and mailbox.oauth_refresh_token not in page
    data = {
        "name": mailbox.name, "address": mailbox.address, "desk": mailbox.desk_id, "is_active": "on",
        "unknown_senders": mailbox.unknown_senders, "imap_host": mailbox.imap_host, "imap_port": mailbox.imap_port,
        "imap_security": mailbox.imap_security, "imap_username": mailbox.imap_username, "imap_auth": "oauth2",
        "imap_folder": "INBOX", "imap_after": mailbox.imap_after, "oauth_provider": "generic",
        "oauth_client_id": "desk-app-2", "oauth_client_secret": "", "oauth_token_url": mailbox.oauth_token_url,
    }
    answer = admin.post(reverse("admin:intake_mailbox_change", args=[mailbox.pk]), data)
    assert answer.status_code == 302, answer.content.decode()[:3000]
    mailbox.refresh_from_db()
    assert mailbox.oauth_client_id == "desk-app-2" and mailbox.oauth_client_secret == CLIENT_SECRET
    assert not mailbox.oauth_needs_consent and mailbox.oauth_error == ""


def test_no_token_or_secret_reaches_a_log_or_the_audit_trail(mailbox, oauth_dovecot, account, token_server, caplog,
                                                             desk):
    caplog.set_level(logging.DEBUG)
    stored_token(mailbox, "at-expired-0", -60)
    append(oauth_dovecot, account, corpus(MESSAGE))
    first_refresh = mailbox.oauth_refresh_token
    assert fetch_mailbox(mailbox).fetched == 1  # renewed, rotated
    mailbox.refresh_from_db()
    token_server.revoke_grant()
    mailbox.oauth_expires_at = timezone.now()
    mailbox.save()
    assert fetch_mailbox(mailbox).errors  # refused grant: logged as such
    new_refresh = token_server.reset(account)
    call_command("mail-oauth", DESK_ADDRESS, "--refresh-token", new_refresh, stdout=io.StringIO())
    mailbox.refresh_from_db()

    secrets = {CLIENT_SECRET, first_refresh, new_refresh, mailbox.oauth_access_token, "at-expired-0",
               *(form["refresh_token"] for form in token_server.refreshes())}
    assert "refused the refresh token" in caplog.text and "access token renewed" in caplog.text
    trail = " ".join(f"{e.old_value} {e.new_value} {e.note}" for e in AuditEntry.objects.all())
    assert "********" in trail
    for secret in secrets:
        assert secret not in caplog.text
        assert secret not in trail
        assert secret not in mailbox.imap_last_error
