"""Stand-ins for the chat platforms, on loopback: each checks the payload shape its platform documents,
recomputes the signature the way the platform does, and answers the way the platform answers.

A server keeps every request (`requests`) and the messages it took (`accepted`); `fail_with` queues answers
given before the normal ones (a 500, a 200 carrying an error code …).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import threading
import time
import urllib.parse
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest


@dataclass
class Received:
    path: str
    query: dict
    headers: dict
    body: dict | None
    raw: bytes


@dataclass
class PlatformServer:
    platform: str
    secret: str = ""
    requests: list[Received] = field(default_factory=list)
    accepted: list[Received] = field(default_factory=list)
    fail_with: list[tuple[int, str]] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    port: int = 0

    @property
    def url(self) -> str:
        base = f"http://127.0.0.1:{self.port}"
        return {
            "wecom": f"{base}/cgi-bin/webhook/send?key=693a91f6-test",
            "dingtalk": f"{base}/robot/send?access_token=abc123",
            "feishu": f"{base}/open-apis/bot/v2/hook/test-hook",
            "slack": f"{base}/services/T000/B000/XXXX",
            "teams": f"{base}/workflows/teams-hook",
        }[self.platform]

    # -- what each platform checks -------------------------------------------------------------

    def check(self, got: Received) -> str:
        """The platform's complaint about the request ("" when it takes it)."""
        body = got.body
        if not isinstance(body, dict):
            return "body is not a JSON object"
        if not got.headers.get("content-type", "").startswith("application/json"):
            return "not JSON"
        return getattr(self, f"_check_{self.platform}")(got, body)

    def _check_wecom(self, got, body):
        if body.get("msgtype") != "markdown" or set(body) != {"msgtype", "markdown"}:
            return "msgtype must be markdown"
        content = body["markdown"].get("content")
        if not isinstance(content, str) or not content or len(content.encode()) > 4096:
            return "markdown.content missing or over 4096 bytes"
        return ""

    def _check_dingtalk(self, got, body):
        if "access_token" not in got.query:
            return "access_token missing"
        if self.secret:
            timestamp, sign = got.query.get("timestamp"), got.query.get("sign")
            if not timestamp or not sign:
                return "timestamp and sign missing"
            if abs(int(timestamp) - time.time() * 1000) > 3600 * 1000:
                return "timestamp out of range"
            string_to_sign = f"{timestamp}\n{self.secret}".encode()
            expected = base64.b64encode(hmac.new(self.secret.encode(), string_to_sign, hashlib.sha256).digest())
            if sign != expected.decode():
                return "sign not match"
        markdown = body.get("markdown") or {}
        if body.get("msgtype") != "markdown" or not markdown.get("title") or not markdown.get("text"):
            return "markdown needs title and text"
        return ""

    def _check_feishu(self, got, body):
        if self.secret:
            timestamp, sign = body.get("timestamp"), body.get("sign")
            if not timestamp or not sign or abs(int(timestamp) - time.time()) > 3600:
                return "sign match fail or timestamp is not within one hour from current time"
            key = f"{timestamp}\n{self.secret}".encode()
            if sign != base64.b64encode(hmac.new(key, b"", hashlib.sha256).digest()).decode():
                return "sign match fail or timestamp is not within one hour from current time"
        if body.get("msg_type") != "post":
            return "msg_type must be post"
        posts = (body.get("content") or {}).get("post") or {}
        if len(posts) != 1 or next(iter(posts)) not in ("zh_cn", "en_us"):
            return "content.post needs one locale"
        post = next(iter(posts.values()))
        if not post.get("title") or not isinstance(post.get("content"), list):
            return "post needs title and content"
        for line in post["content"]:
            for element in line:
                if element.get("tag") not in ("text", "a") or not element.get("text"):
                    return f"bad element {element}"
                if element["tag"] == "a" and not element.get("href", "").startswith("http"):
                    return "a needs href"
        return ""

    def _check_slack(self, got, body):
        if not isinstance(body.get("text"), str) or not body["text"]:
            return "no_text"
        blocks = body.get("blocks")
        if not isinstance(blocks, list) or not blocks:
            return "invalid_blocks"
        for block in blocks:
            text = block.get("text") or {}
            if block.get("type") != "section" or text.get("type") != "mrkdwn" or not text.get("text"):
                return "invalid_blocks"
            if len(text["text"]) > 3000:
                return "invalid_blocks"
        return ""

    def _check_teams(self, got, body):
        attachments = body.get("attachments")
        if body.get("type") != "message" or not isinstance(attachments, list) or len(attachments) != 1:
            return "type message with one attachment"
        card = attachments[0]
        if card.get("contentType") != "application/vnd.microsoft.card.adaptive":
            return "contentType must be an Adaptive Card"
        content = card.get("content") or {}
        if content.get("type") != "AdaptiveCard" or not content.get("version") or not content.get("body"):
            return "content must be an AdaptiveCard with a body"
        if any(item.get("type") != "TextBlock" or not item.get("text") for item in content["body"]):
            return "TextBlocks only"
        return ""

    # -- how each platform answers ----------------------------------------------------------------

    def answer(self, problem: str) -> tuple[int, str]:
        if self.platform in ("wecom", "dingtalk"):
            return 200, json.dumps({"errcode": 310000 if problem else 0, "errmsg": problem or "ok"})
        if self.platform == "feishu":
            return 200, json.dumps({"code": 19021 if problem else 0, "msg": problem or "success", "data": {}})
        if self.platform == "slack":
            return (400, problem) if problem else (200, "ok")
        return (400, problem) if problem else (200, "1")

    def handle(self, got: Received) -> tuple[int, str]:
        self.requests.append(got)
        if self.fail_with:
            return self.fail_with.pop(0)
        problem = self.check(got)
        if problem:
            self.problems.append(problem)
        else:
            self.accepted.append(got)
        return self.answer(problem)

    def texts(self) -> list[str]:
        """The readable text of each accepted message."""
        return [json.dumps(got.body, ensure_ascii=False) for got in self.accepted]


def _handler(server: PlatformServer):
    class Handler(BaseHTTPRequestHandler):
        def do_POST(self):
            raw = self.rfile.read(int(self.headers.get("Content-Length") or 0))
            try:
                body = json.loads(raw)
            except ValueError:
                body = None
            split = urllib.parse.urlsplit(self.path)
            query = dict(urllib.parse.parse_qsl(split.query))
            got = Received(split.path, query, {k.lower(): v for k, v in self.headers.items()}, body, raw)
            status, text = server.handle(got)
            data = text.encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json" if text.startswith("{") else "text/plain")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def log_message(self, *args):
            pass

    return Handler


@pytest.fixture(name="platform_server")
def platform_server_fixture(settings):
    """platform_server("dingtalk", secret="SEC…") → a running stand-in for that platform on loopback."""
    settings.SERVICEDESK_CHAT_LOOPBACK_HTTP = True
    started = []

    def start(platform: str, secret: str = "") -> PlatformServer:
        server = PlatformServer(platform, secret)
        httpd = ThreadingHTTPServer(("127.0.0.1", 0), _handler(server))
        server.port = httpd.server_address[1]
        threading.Thread(target=httpd.serve_forever, daemon=True).start()
        started.append(httpd)
        return server

    yield start
    for httpd in started:
        httpd.shutdown()
        httpd.server_close()
