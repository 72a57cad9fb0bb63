"""Links in mail point at the desk that sent them: SERVICEDESK_BASE_URL when configured, else the
address `servicedesk serve` serves, also for the periodic tasks that run beside the web server."""

import os
import subprocess
import sys
import urllib.request

import pytest
from django.conf import settings

from servicedesk.core.management.commands.serve import served_url, use_served_url
from servicedesk.tickets import actions
from servicedesk.tickets.models import Channel
from tests.intake.conftest import shared_database  # noqa: F401  (the test database for the serve process)
from tests.intake.mailtools import ROOT, stop, wait_until
from tests.services import free_port, wait_for_port

from .conftest import parts


@pytest.mark.parametrize(("bind", "url"), [
    ("127.0.0.1:8123", "http://127.0.0.1:8123"),
    ("localhost:9000", "http://localhost:9000"),
    ("desk.example.com", "http://desk.example.com:8000"),
    ("[::1]:8123", "http://[::1]:8123"),
    ("::1", "http://[::1]:8000"),
    ("unix:/run/servicedesk.sock", None),
])
def test_the_served_address(bind, url):
    assert served_url(bind) == url


def test_all_interfaces_are_named_by_the_machine(monkeypatch):
    monkeypatch.setattr("socket.getfqdn", lambda: "desk.internal")
    assert served_url("0.0.0.0:8123") == "http://desk.internal:8123"


@pytest.fixture
def clean_base_url(monkeypatch):
    monkeypatch.delenv("SERVICEDESK_BASE_URL", raising=False)
    before = settings.SERVICEDESK_BASE_URL
    yield monkeypatch
    settings.SERVICEDESK_BASE_URL = before
    os.environ.pop("SERVICEDESK_BASE_URL", None)


def test_without_a_configured_base_url_the_served_address_is_used(clean_base_url):
    use_served_url("127.0.0.1:8123")
    assert os.environ["SERVICEDESK_BASE_URL"] == settings.SERVICEDESK_BASE_URL == "http://127.0.0.1:8123"


def test_a_configured_base_url_wins(clean_base_url):
    clean_base_url.setenv("SERVICEDESK_BASE_URL", "https://desk.example.com")
    settings.SERVICEDESK_BASE_URL = "https://desk.example.com"
    use_served_url("127.0.0.1:8123")
    assert os.environ["SERVICEDESK_BASE_URL"] == settings.SERVICEDESK_BASE_URL == "https://desk.example.com"


@pytest.mark.django_db(transaction=True)
def test_mail_sent_by_the_served_desk_links_to_its_port(shared_database, desk, smtp_sink, tmp_path):  # noqa: F811
    """`servicedesk serve` on a port of its own, no base URL configured: its scheduler plans and sends
    the acknowledgement, whose link opens on that very server."""
    ticket = actions.create_ticket(actor=desk.customer2, title="Screen flickers", channel=Channel.PORTAL)
    port = free_port()
    env = {key: value for key, value in shared_database.items() if key != "SERVICEDESK_BASE_URL"}
    env.update(SERVICEDESK_SMTP_HOST="127.0.0.1", SERVICEDESK_SMTP_PORT=str(smtp_sink.port),
               SERVICEDESK_BROKER_URL="")
    log = (tmp_path / "serve.log").open("w")
    process = subprocess.Popen([sys.executable, "-m", "servicedesk", "serve", "--bind", f"127.0.0.1:{port}",
                                "--workers", "1"], env=env, cwd=ROOT, stdout=log, stderr=subprocess.STDOUT)
    try:
        [message] = smtp_sink.wait_for(1, timeout=60)
        text, html = parts(message)
        link = f"http://127.0.0.1:{port}/portal/requests/{ticket.number}/"
        assert link in text and f'href="{link}"' in html
        assert "127.0.0.1:8000" not in text
        wait_for_port(port)

        def opened():
            try:
                # Not signed in: the portal sends the visitor to sign in, so the link is the desk's.
                with urllib.request.urlopen(urllib.request.Request(link), timeout=30) as answer:
                    return answer.url
            except OSError:  # not listening yet, or a first answer slower than the timeout
                return None

        assert "/login" in wait_until(opened, timeout=90, what="the served desk to answer")
    finally:
        stop(process)
        log.close()
