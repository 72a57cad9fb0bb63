"""The receiver while its database is unreachable (PostgreSQL restarting or failing over): it answers a
temporary 451 — at RCPT and at the end of DATA — so the sending server keeps the message and delivers it
again; the retry, once the database is back, is stored once and filed. Real processes on loopback: the
receiver reaches the test database through a TCP relay the test cuts and restores."""

import contextlib
import smtplib
import socket
import threading
import time
from email.message import EmailMessage

import pytest
from django.db import connection

from servicedesk.accounts.models import Desk
from servicedesk.intake.models import InboundMessage, Mailbox, State
from tests.services import free_port, wait_for_port

from .mailtools import DESK_ADDRESS, start_servicedesk, stop, wait_until

pytestmark = pytest.mark.django_db(transaction=True)


class DatabaseLink:
    """A TCP relay to the database. cut(): its port refuses connections and every connection through it is
    dropped, as a stopped server's are; restore(): it relays again on the same port."""

    def __init__(self, target_port: int):
        self.target_port = target_port
        self.port = free_port()
        self.sockets: set[socket.socket] = set()
        self.lock = threading.Lock()
        self.server: socket.socket | None = None

    def restore(self) -> None:
        self.server = socket.create_server(("127.0.0.1", self.port))
        self.server.settimeout(0.1)
        threading.Thread(target=self._accept, args=(self.server,), daemon=True).start()

    def cut(self) -> None:
        self.server.close()
        with self.lock:
            for sock in self.sockets:
                with contextlib.suppress(OSError):
                    sock.shutdown(socket.SHUT_RDWR)
                sock.close()
            self.sockets.clear()

    def _accept(self, server: socket.socket) -> None:
        while server.fileno() != -1:
            try:
                client, _address = server.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            client.settimeout(None)
            upstream = socket.create_connection(("127.0.0.1", self.target_port))
            with self.lock:
                self.sockets.update((client, upstream))
            for source, sink in ((client, upstream), (upstream, client)):
                threading.Thread(target=self._pump, args=(source, sink), daemon=True).start()

    @staticmethod
    def _pump(source: socket.socket, sink: socket.socket) -> None:
        with contextlib.suppress(OSError):
            while data := source.recv(65536):
                sink.sendall(data)
        with contextlib.suppress(OSError):
            sink.shutdown(socket.SHUT_WR)


def message(subject: str) -> EmailMessage:
    mail = EmailMessage()
    mail["From"] = "someone@customer.test"
    mail["To"] = DESK_ADDRESS
    mail["Subject"] = subject
    mail["Message-ID"] = f"<{subject.replace(' ', '-')}@customer.test>"
    mail.set_content("The VPN drops every ten minutes.")
    return mail


def filed(count: int):
    return lambda: InboundMessage.objects.filter(state=State.DONE).count() == count


def test_a_database_outage_is_answered_451_and_the_retry_is_stored_once(desk, shared_database):
    if connection.vendor != "postgresql":
        pytest.skip("the embedded SQLite database is a file of the receiver's own: it cannot become unreachable")
    Mailbox.objects.create(name="IT", address=DESK_ADDRESS, desk=Desk.objects.get(is_default=True))
    port = int(connection.settings_dict["PORT"] or 5432)
    link = DatabaseLink(port)
    link.restore()
    env = {**shared_database, "DATABASE_URL": shared_database["DATABASE_URL"].replace(f":{port}/", f":{link.port}/")}
    smtp_port = free_port()
    receiver = start_servicedesk(env, "mail-receiver", "--smtp", f"127.0.0.1:{smtp_port}")
    try:
        wait_for_port(smtp_port, timeout=60)
        with smtplib.SMTP("127.0.0.1", smtp_port, timeout=30) as client:
            client.send_message(message("before the outage"))  # the receiver's connections are open now
        wait_until(filed(1), what="the first message to be filed")

        link.cut()
        started = time.monotonic()
        with smtplib.SMTP("127.0.0.1", smtp_port, timeout=30) as client, \
                pytest.raises(smtplib.SMTPRecipientsRefused) as refused:
            client.send_message(message("during the outage"))
        assert refused.value.recipients[DESK_ADDRESS][0] == 451
        assert time.monotonic() - started < 10  # answered, not left hanging

        # The database lost between RCPT and the end of DATA: the message is refused, not half-stored.
        link.restore()
        with smtplib.SMTP("127.0.0.1", smtp_port, timeout=30) as client:
            client.ehlo()
            assert client.mail("someone@customer.test")[0] == 250
            assert client.rcpt(DESK_ADDRESS)[0] == 250
            link.cut()
            assert client.data(message("during the outage").as_bytes())[0] == 451

        # The sending server delivers again once the database is back: stored once, filed.
        link.restore()
        with smtplib.SMTP("127.0.0.1", smtp_port, timeout=30) as client:
            assert client.send_message(message("during the outage")) == {}
        wait_until(filed(2), what="the message sent again to be filed")
        stored = InboundMessage.objects.get(message_id="during-the-outage@customer.test")
        assert stored.state == State.DONE and stored.ticket is not None
    finally:
        out, err = stop(receiver)
        link.cut()
    assert receiver.returncode == 0, err
