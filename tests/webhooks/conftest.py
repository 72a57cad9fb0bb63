"""A webhook receiver on loopback, started by the test: it checks every request's signature with
core.signing (as an integration would, with the subscription's secret) and answers as scripted."""

import json
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from servicedesk.core import signing
from servicedesk.webhooks.models import Subscription

SECRET = "receiver-shared-secret"


@dataclass
class Received:
    headers: object  # the request's headers (names in any case)
    body: bytes
    verified: bool
    answered: int | None = None

    @property
    def payload(self) -> dict:
        return json.loads(self.body)


@dataclass
class Receiver:
    """``script``: what to answer each request in turn — a status code, ("sleep", seconds) to make the
    sender time out, or ("slow", seconds) for a late 200; 200 when the script runs out. ``taken``: the
    requests answered 2xx."""

    url: str = ""
    secrets: list = field(default_factory=lambda: [SECRET])
    script: list = field(default_factory=list)
    requests: list = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    @property
    def taken(self) -> list[Received]:
        return [r for r in self.requests if r.answered is not None and 200 <= r.answered < 300]

    def next_answer(self):
        with self.lock:
            return self.script.pop(0) if self.script else 200


def _handler(receiver: Receiver):
    class Handler(BaseHTTPRequestHandler):
        def do_POST(self):
            body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
            got = Received(self.headers, body,
                           signing.verify(self.headers.get(signing.HEADER), body, receiver.secrets))
            with receiver.lock:
                receiver.requests.append(got)
            answer = receiver.next_answer() if got.verified else 401
            if isinstance(answer, tuple):
                kind, seconds = answer
                time.sleep(seconds)
                if kind == "sleep":
                    return
                answer = 200
            got.answered = answer  # before the answer leaves: the sender may look as soon as it has it
            try:
                self.send_response(answer)
                self.send_header("Content-Length", "2")
                self.end_headers()
                self.wfile.write(b"ok")
            except OSError:
                got.answered = None

        def log_message(self, *args):
            pass

    return Handler


@pytest.fixture
def receiver():
    found = Receiver()
    server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(found))
    server.daemon_threads = True
    found.url = f"http://127.0.0.1:{server.server_address[1]}/hooks/desk"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield found
    server.shutdown()
    server.server_close()


@pytest.fixture
def subscribe(desk, receiver):
    """subscribe(events, **fields) → a subscription to the receiver, made by the admin."""

    def make(events, **fields):
        return Subscription.objects.create(name=fields.pop("name", "Receiver"), url=fields.pop("url", receiver.url),
                                           secret=SECRET, events=list(events), created_by=desk.admin, **fields)

    return make
