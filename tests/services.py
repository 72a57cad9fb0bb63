"""Real services for the tests, on loopback: a Redis server and an SMTP sink that keeps every message.

A service whose program is not installed skips its tests locally; CI (SD_REQUIRE_SERVICES=1, set by
.ci/run) fails them instead, so a missing package can never pass silently.
"""

import os
import shutil
import socket
import subprocess
import tempfile
import threading
import time
from email import message_from_bytes, policy

import pytest


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def require_program(name: str) -> str:
    path = shutil.which(name) or next(
        (p for p in (f"/usr/sbin/{name}", f"/usr/bin/{name}") if os.path.exists(p)), None)
    if path:
        return path
    message = f"{name} is not installed (Debian package needed for this test)"
    if os.environ.get("SD_REQUIRE_SERVICES") == "1":
        pytest.fail(message)
    pytest.skip(message)


def wait_for_port(port: int, timeout: float = 10.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                return
        except OSError:
            time.sleep(0.05)
    raise TimeoutError(f"nothing listens on 127.0.0.1:{port}")


class RedisServer:
    """A private redis-server on a free loopback port, in a temporary folder; stopped and started again on
    the same port (the cluster test restarts it under load)."""

    def __init__(self):
        self.program = require_program("redis-server")
        self.port = free_port()
        self.folder = tempfile.mkdtemp(prefix="sd-redis-")
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.proc = None

    def start(self) -> None:
        self.proc = subprocess.Popen(
            [self.program, "--port", str(self.port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
             "--dir", self.folder],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )
        wait_for_port(self.port)

    def stop(self) -> None:
        self.proc.terminate()
        self.proc.wait(timeout=10)

    def close(self) -> None:
        if self.proc and self.proc.poll() is None:
            self.stop()
        shutil.rmtree(self.folder, ignore_errors=True)


@pytest.fixture(scope="session")
def redis_url():
    """A private redis-server for the whole session; yields its URL."""
    server = RedisServer()
    try:
        server.start()
        yield server.url
    finally:
        server.close()


class SmtpSink:
    """Every message delivered to it, parsed (`.messages`) and raw (`.raw`), with envelopes."""

    def __init__(self):
        self.raw: list[bytes] = []
        self.envelopes: list[tuple[str, list[str]]] = []
        self._cond = threading.Condition()

    async def handle_DATA(self, server, session, envelope):  # aiosmtpd handler hook
        with self._cond:
            self.raw.append(envelope.original_content or envelope.content)
            self.envelopes.append((envelope.mail_from, list(envelope.rcpt_tos)))
            self._cond.notify_all()
        return "250 OK"

    @property
    def messages(self):
        return [message_from_bytes(raw, policy=policy.default) for raw in self.raw]

    def wait_for(self, count: int, timeout: float = 10.0):
        with self._cond:
            self._cond.wait_for(lambda: len(self.raw) >= count, timeout=timeout)
        return self.messages

    def clear(self):
        with self._cond:
            self.raw.clear()
            self.envelopes.clear()


@pytest.fixture
def smtp_sink(settings):
    """A real SMTP server on loopback (aiosmtpd) that the desk's outbound mail goes to."""
    from aiosmtpd.controller import Controller

    sink = SmtpSink()
    port = free_port()
    controller = Controller(sink, hostname="127.0.0.1", port=port)
    controller.start()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST = "127.0.0.1"
    settings.EMAIL_PORT = port
    settings.EMAIL_USE_TLS = False
    settings.EMAIL_HOST_USER = ""
    settings.EMAIL_HOST_PASSWORD = ""
    sink.port = port
    try:
        yield sink
    finally:
        controller.stop()
