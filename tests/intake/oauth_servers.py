"""Loopback servers for the OAuth tests: a token endpoint (with the authorisation page and the introspection
dovecot asks), a dovecot whose only way in for the desk's accounts is XOAUTH2, and an SMTP server that
requires AUTH XOAUTH2 and refuses a stale token."""

from __future__ import annotations

import base64
import hashlib
import imaplib
import json
import secrets
import threading
import time
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from aiosmtpd.smtp import AuthResult

from tests.services import SmtpSink, free_port

from .conftest import Dovecot

CLIENT_ID = "desk-app"
CLIENT_SECRET = "desk-app-secret-0b6c"


class TokenServer:
    """An OAuth 2.0 provider on 127.0.0.1 for one user: refresh-token grants (the first refresh rotates the
    refresh token, the old one stops working), authorisation codes with PKCE, and token introspection."""

    def __init__(self, lifetime: int = 600):
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.lock = threading.Lock()
        self.reset("", lifetime=lifetime)
        owner = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):  # quiet: the test output shows what matters
                pass

            def do_GET(self):
                url = urllib.parse.urlsplit(self.path)
                if url.path != "/authorize":
                    return self._answer(404, {})
                status, location = owner.authorize(dict(urllib.parse.parse_qsl(url.query)))
                self.send_response(status)
                self.send_header("Location", location)
                self.end_headers()

            def do_POST(self):
                length = int(self.headers.get("Content-Length") or 0)
                form = dict(urllib.parse.parse_qsl(self.rfile.read(length).decode()))
                if self.path == "/token":
                    return self._answer(*owner.token(form))
                if self.path == "/introspect":
                    return self._answer(200, owner.introspect(form.get("token", "")))
                return self._answer(404, {})

            def _answer(self, status: int, body: dict):
                data = json.dumps(body).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

        self.server = ThreadingHTTPServer(("127.0.0.1", self.port), Handler)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def stop(self):
        self.server.shutdown()
        self.server.server_close()

    def reset(self, user: str, *, lifetime: int = 600, refresh_token: str = "") -> str:
        """A new user and grant; returns the refresh token the desk is given."""
        with self.lock:
            self.user = user
            self.lifetime = lifetime
            self.refresh_tokens = {refresh_token or "rt-" + secrets.token_hex(8)}
            self.rotated = False
            self.access: dict[str, float] = {}
            self.codes: dict[str, dict] = {}
            self.requests: list[dict] = []  # every token request, its form
            self.failures = 0  # token requests answered 503 from now on
            return next(iter(self.refresh_tokens))

    def issue(self, lifetime: int | None = None) -> str:
        with self.lock:
            token = "at-" + secrets.token_hex(12)
            self.access[token] = time.time() + (self.lifetime if lifetime is None else lifetime)
            return token

    def revoke_access(self, token: str) -> None:
        with self.lock:
            self.access.pop(token, None)

    def revoke_grant(self) -> None:
        with self.lock:
            self.refresh_tokens.clear()

    def valid(self, user: str, token: str) -> bool:
        with self.lock:
            return user == self.user and self.access.get(token, 0) > time.time()

    def refreshes(self) -> list[dict]:
        return [form for form in self.requests if form.get("grant_type") == "refresh_token"]

    def introspect(self, token: str) -> dict:
        with self.lock:
            if self.access.get(token, 0) > time.time():
                return {"active": "true", "username": self.user}
            return {"active": "false"}

    def authorize(self, query: dict) -> tuple[int, str]:
        """The provider's sign-in page, once the user agreed: back to the desk with a code."""
        assert query["client_id"] == CLIENT_ID and query["response_type"] == "code"
        assert query["code_challenge_method"] == "S256"
        code = "code-" + secrets.token_hex(8)
        with self.lock:
            self.codes[code] = query
        back = urllib.parse.urlencode({"code": code, "state": query["state"]})
        return 302, f"{query['redirect_uri']}?{back}"

    def token(self, form: dict) -> tuple[int, dict]:
        with self.lock:
            self.requests.append(form)
            if self.failures:
                self.failures -= 1
                return 503, {"error": "temporarily_unavailable"}
            if form.get("client_id") != CLIENT_ID or form.get("client_secret") != CLIENT_SECRET:
                return 401, {"error": "invalid_client", "error_description": "Client authentication failed."}
            grant = form.get("grant_type")
            refresh = ""
            if grant == "refresh_token":
                if form.get("refresh_token") not in self.refresh_tokens:
                    return 400, {"error": "invalid_grant",
                                 "error_description": "AADSTS70000: The refresh token was revoked."}
                if not self.rotated:  # rotated once, as Microsoft's endpoint does
                    self.rotated = True
                    refresh = "rt-" + secrets.token_hex(8)
                    self.refresh_tokens = {refresh}
            elif grant == "authorization_code":
                asked = self.codes.pop(form.get("code", ""), None)
                challenge = base64.urlsafe_b64encode(
                    hashlib.sha256(form.get("code_verifier", "").encode()).digest()).decode().rstrip("=")
                if asked is None or asked["code_challenge"] != challenge or asked["redirect_uri"] != form.get(
                        "redirect_uri"):
                    return 400, {"error": "invalid_grant", "error_description": "Bad code or code verifier."}
                refresh = "rt-" + secrets.token_hex(8)
                self.refresh_tokens.add(refresh)
            else:
                return 400, {"error": "unsupported_grant_type"}
            token = "at-" + secrets.token_hex(12)
            self.access[token] = time.time() + self.lifetime
        answer = {"token_type": "Bearer", "access_token": token, "expires_in": self.lifetime}
        if refresh:
            answer["refresh_token"] = refresh
        return 200, answer


class OAuthDovecot(Dovecot):
    """A dovecot whose accounts sign in with XOAUTH2 only: the token is checked at the token server's
    introspection endpoint (passdb oauth2). The tests deliver mail as a master user (`account*postmaster`)."""

    master = "postmaster"

    def __init__(self, program: str, token_server: TokenServer):
        self.token_server = token_server
        super().__init__(program)

    def auth_config(self) -> str:
        masters = self.folder / "masters"
        masters.write_text(f"{self.master}:{{PLAIN}}{self.password}\n")
        masters.chmod(0o644)
        settings = self.folder / "dovecot-oauth2.conf.ext"
        settings.write_text(f"""introspection_url = {self.token_server.url}/introspect
introspection_mode = post
force_introspection = yes
username_attribute = username
active_attribute = active
active_value = true
timeout_msecs = 5000
""")
        settings.chmod(0o644)
        return f"""auth_mechanisms = plain xoauth2
auth_master_user_separator = *
passdb {{
  driver = passwd-file
  master = yes
  args = scheme=PLAIN username_format=%u {masters}
}}
passdb {{
  driver = oauth2
  mechanisms = xoauth2
  args = {settings}
}}"""

    def connect(self, username: str) -> imaplib.IMAP4:
        imap = imaplib.IMAP4("127.0.0.1", self.port, timeout=30)
        imap.login(f"{username}*{self.master}", self.password)
        return imap


class XOAuth2SmtpSink(SmtpSink):
    """The SMTP sink, taking mail only after AUTH XOAUTH2 with a token the token server says is valid."""

    def __init__(self, token_server: TokenServer):
        super().__init__()
        self.token_server = token_server
        self.refused = 0
        self.accepted: list[str] = []  # the users signed in

    async def auth_XOAUTH2(self, server, args):  # aiosmtpd: the handler's own AUTH mechanism
        blob = base64.b64decode(args[1]) if len(args) > 1 else await server.challenge_auth("")
        fields = dict(part.split("=", 1) for part in blob.decode().split("\x01") if "=" in part)
        user, token = fields.get("user", ""), fields.get("auth", "").removeprefix("Bearer ")
        if self.token_server.valid(user, token):
            self.accepted.append(user)
            return AuthResult(success=True, auth_data=user)
        self.refused += 1
        # As Gmail and Outlook answer (RFC 7628 3.2.2): a JSON status as a challenge, then 535.
        await server.challenge_auth(json.dumps({"status": "401", "schemes": "bearer"}))
        return AuthResult(success=False, handled=False)
