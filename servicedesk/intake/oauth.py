"""OAuth 2.0 for the desk's mailboxes (Microsoft 365 and Google no longer take passwords for IMAP and SMTP).

The desk keeps each mailbox's refresh token and renews the short-lived access token itself
(grant_type=refresh_token) a few minutes before it runs out, storing the new refresh token when the
provider rotates it. IMAP (`intake.imap`) and SMTP (`notify.xoauth2`) sign in with SASL XOAUTH2.

Two kinds of failure, told apart because they call for different things:
- `ConsentNeeded`: the provider refused the grant (`invalid_grant`: revoked, expired, the user's password
  changed; or the client itself: a client secret that expired). Asking again changes nothing: the mailbox
  is marked (`oauth_needs_consent`), shown in the admin, and nothing is fetched or sent with it until an
  administrator connects it again. Mail stays on the server meanwhile.
- `TokenUnavailable`: the token endpoint could not be reached or failed (network, 5xx, 429): the next poll or
  the next send attempt tries again.

No token ever reaches a log line, an exception message or the audit trail: errors carry the provider's
error code and description only.

The first refresh token comes from the authorisation-code flow with PKCE (`begin_authorisation` /
`exchange_code`, driven by the mailbox admin's "Connect" button) or from `servicedesk mail-oauth`.
"""

from __future__ import annotations

import base64
import datetime
import hashlib
import json
import logging
import secrets
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass

from django.utils import timezone
from django.utils.translation import gettext as _

from .models import Mailbox, OAuthProvider

log = logging.getLogger(__name__)

TIMEOUT = 20
# Renewed this long before it expires, so a token is never handed to a server in its last seconds.
MARGIN = datetime.timedelta(minutes=5)
# Errors of the token endpoint that no retry cures (RFC 6749 5.2): an administrator must act.
REFUSALS = {"invalid_grant", "invalid_client", "unauthorized_client", "invalid_scope", "unsupported_grant_type"}

_MICROSOFT = "https://login.microsoftonline.com/{tenant}/oauth2/v2.0/"
ENDPOINTS = {
    OAuthProvider.MICROSOFT365: (_MICROSOFT + "token", _MICROSOFT + "authorize"),
    OAuthProvider.GOOGLE: ("https://oauth2.googleapis.com/token", "https://accounts.google.com/o/oauth2/v2/auth"),
}
SCOPES = {
    OAuthProvider.MICROSOFT365: "https://outlook.office.com/IMAP.AccessAsUser.All "
                                "https://outlook.office.com/SMTP.Send offline_access",
    OAuthProvider.GOOGLE: "https://mail.google.com/",
}


class OAuthError(Exception):
    """Signing in with OAuth is not possible now; the message is for the administrator (translated)."""


class ConsentNeeded(OAuthError):
    def __init__(self, message: str, detail: str = ""):
        super().__init__(message)
        self.detail = detail  # the provider's error code and description, untranslated


class TokenUnavailable(OAuthError):
    pass


def token_url(mailbox: Mailbox) -> str:
    return mailbox.oauth_token_url.strip() or _default(mailbox, 0)


def authorize_url(mailbox: Mailbox) -> str:
    return mailbox.oauth_authorize_url.strip() or _default(mailbox, 1)


def _default(mailbox: Mailbox, which: int) -> str:
    endpoints = ENDPOINTS.get(mailbox.oauth_provider)
    if endpoints is None:
        return ""
    return endpoints[which].format(tenant=urllib.parse.quote(mailbox.oauth_tenant.strip() or "organizations", safe=""))


def scope(mailbox: Mailbox) -> str:
    return mailbox.oauth_scope.strip() or SCOPES.get(mailbox.oauth_provider, "")


class XOAuth2:
    """The SASL XOAUTH2 exchange as imaplib's and smtplib's `authobject`: the initial response
    ("user=…^Aauth=Bearer …^A^A", base64-encoded by the library); to the server's error challenge (RFC 7628
    3.2.3), the empty answer that ends the exchange, after which the server refuses (IMAP NO, SMTP 535)."""

    def __init__(self, user: str, token: str):
        self.response = f"user={user}\x01auth=Bearer {token}\x01\x01"

    def __call__(self, challenge: bytes | None = None) -> str:
        response, self.response = self.response, ""
        return response


def consent_message(mailbox: Mailbox) -> str:
    """What the admin shows for a mailbox whose grant the provider refused, in the reader's language."""
    return _("The OAuth provider refused this mailbox's authorisation (%(error)s): an administrator must "
             "connect the mailbox again (\"Connect with OAuth\" in the mailbox's admin page, or `servicedesk "
             "mail-oauth`).") % {"error": mailbox.oauth_error or "invalid_grant"}


def access_token(mailbox: Mailbox, *, renew: bool = False) -> str:
    """A valid access token for the mailbox: the stored one while it has more than MARGIN left, else a new one.
    `renew`: the server refused the stored one (revoked before its time): get another whatever its expiry."""
    if mailbox.oauth_needs_consent:
        raise ConsentNeeded(consent_message(mailbox))
    if not renew and mailbox.oauth_access_token and mailbox.oauth_expires_at \
            and mailbox.oauth_expires_at - MARGIN > timezone.now():
        return mailbox.oauth_access_token
    return _refresh(mailbox)


def _refresh(mailbox: Mailbox) -> str:
    used = mailbox.oauth_refresh_token
    if not used:
        raise ConsentNeeded(_("The mailbox is not connected to its OAuth provider yet: an administrator must "
                              "connect it (\"Connect with OAuth\" in the mailbox's admin page, or "
                              "`servicedesk mail-oauth`)."))
    try:
        grant = request_token(mailbox, _refresh_form(mailbox, used))
    except ConsentNeeded as refusal:
        # A refresh of another process may have rotated the refresh token since this one read it: then
        # its refusal says nothing about the grant, and that process's new token is the one to use.
        stored = Mailbox.objects.filter(pk=mailbox.pk).values("oauth_refresh_token", "oauth_access_token",
                                                              "oauth_expires_at").first()
        if stored and stored["oauth_refresh_token"] != used and stored["oauth_access_token"]:
            _copy(mailbox, **stored)
            return mailbox.oauth_access_token
        error = refusal.detail or "invalid_grant"
        Mailbox.objects.filter(pk=mailbox.pk, oauth_refresh_token=used).update(
            oauth_needs_consent=True, oauth_error=error[:2000], oauth_access_token="", oauth_expires_at=None)
        _copy(mailbox, oauth_needs_consent=True, oauth_error=error, oauth_access_token="", oauth_expires_at=None)
        log.warning("mailbox %s: the OAuth provider refused the refresh token (%s)", mailbox.address, error)
        raise ConsentNeeded(consent_message(mailbox)) from None
    values = {"oauth_access_token": grant.access_token, "oauth_expires_at": grant.expires_at,
              "oauth_refresh_token": grant.refresh_token or used, "oauth_needs_consent": False, "oauth_error": ""}
    Mailbox.objects.filter(pk=mailbox.pk).update(**values)
    _copy(mailbox, **values)
    log.info("mailbox %s: access token renewed, valid until %s%s", mailbox.address, grant.expires_at.isoformat(),
             " (new refresh token)" if grant.refresh_token and grant.refresh_token != used else "")
    return grant.access_token


def _refresh_form(mailbox: Mailbox, refresh_token: str) -> dict[str, str]:
    form = {"grant_type": "refresh_token", "refresh_token": refresh_token, "client_id": mailbox.oauth_client_id}
    if mailbox.oauth_client_secret:
        form["client_secret"] = mailbox.oauth_client_secret
    if scope(mailbox):
        form["scope"] = scope(mailbox)
    return form


def _copy(mailbox: Mailbox, **values) -> None:
    for name, value in values.items():
        setattr(mailbox, name, value)


@dataclass(frozen=True)
class Grant:
    access_token: str
    expires_at: datetime.datetime
    refresh_token: str  # empty when the provider kept the one it had


def request_token(mailbox: Mailbox, form: dict[str, str]) -> Grant:
    """POST a token request (RFC 6749 section 4.1.3 or 6) to the mailbox's token endpoint.

    Raises ConsentNeeded(message, "error: description") when the endpoint refuses the grant or the client,
    TokenUnavailable when it cannot answer now."""
    url = token_url(mailbox)
    if not url:
        raise ConsentNeeded(_("Name the token endpoint of this OAuth 2.0 provider."), "invalid_client")
    request = urllib.request.Request(url, data=urllib.parse.urlencode(form).encode(), method="POST",
                                     headers={"Content-Type": "application/x-www-form-urlencoded",
                                              "Accept": "application/json"})
    try:
        with urllib.request.urlopen(request, timeout=TIMEOUT) as response:
            answer = _json(response.read())
    except urllib.error.HTTPError as error:
        answer = _json(error.read())
        code = str(answer.get("error", ""))
        if 400 <= error.code < 500 and code in REFUSALS:
            detail = f"{code}: {answer.get('error_description', '')}".strip(": ")[:500]
            raise ConsentNeeded(_("The OAuth provider refused: %(error)s") % {"error": detail}, detail) from None
        raise TokenUnavailable(_("The OAuth token endpoint answered %(status)s %(error)s; trying again later.")
                               % {"status": error.code, "error": code}) from None
    except (urllib.error.URLError, OSError, ValueError) as error:
        reason = getattr(error, "reason", error)
        raise TokenUnavailable(_("The OAuth token endpoint could not be reached (%(error)s); trying again later.")
                               % {"error": reason}) from None
    token = answer.get("access_token")
    if not isinstance(token, str) or not token:
        raise TokenUnavailable(_("The OAuth token endpoint's answer had no access token; trying again later."))
    try:
        lifetime = int(answer.get("expires_in", 3600))
    except (TypeError, ValueError):
        lifetime = 3600
    rotated = answer.get("refresh_token")
    return Grant(token, timezone.now() + datetime.timedelta(seconds=max(lifetime, 0)),
                 rotated if isinstance(rotated, str) else "")


def _json(body: bytes) -> dict:
    try:
        value = json.loads(body or b"{}")
    except ValueError:
        return {}
    return value if isinstance(value, dict) else {}


# --- the first refresh token: authorisation code with PKCE (RFC 7636) ---------------------------------------


@dataclass(frozen=True)
class Authorisation:
    url: str  # where the administrator's browser goes
    state: str
    verifier: str


def begin_authorisation(mailbox: Mailbox, redirect_uri: str) -> Authorisation:
    state = secrets.token_urlsafe(24)
    verifier = secrets.token_urlsafe(64)
    challenge = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).decode().rstrip("=")
    query = {"client_id": mailbox.oauth_client_id, "response_type": "code", "redirect_uri": redirect_uri,
             "scope": scope(mailbox), "state": state, "code_challenge": challenge, "code_challenge_method": "S256"}
    if mailbox.oauth_provider == OAuthProvider.GOOGLE:
        # Google hands out a refresh token only with offline access, and again only when asked to consent.
        query.update(access_type="offline", prompt="consent")
    if mailbox.imap_username:
        query["login_hint"] = mailbox.imap_username
    base = authorize_url(mailbox)
    return Authorisation(base + ("&" if "?" in base else "?") + urllib.parse.urlencode(query), state, verifier)


def exchange_code(mailbox: Mailbox, *, code: str, verifier: str, redirect_uri: str) -> Grant:
    form = {"grant_type": "authorization_code", "code": code, "redirect_uri": redirect_uri,
            "client_id": mailbox.oauth_client_id, "code_verifier": verifier}
    if mailbox.oauth_client_secret:
        form["client_secret"] = mailbox.oauth_client_secret
    return request_token(mailbox, form)


def check_refresh_token(mailbox: Mailbox, refresh_token: str) -> Grant:
    """Redeem a refresh token handed over by an administrator, to know it works before it is stored."""
    return request_token(mailbox, _refresh_form(mailbox, refresh_token))
