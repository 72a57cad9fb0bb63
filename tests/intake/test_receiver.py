"""The SMTP/LMTP receiver as a real process (`servicedesk mail-receiver`), fed over loopback with
smtplib: the corpus becomes tickets, unknown recipients and oversize mail are refused, LMTP answers
per recipient, a message delivered twice is one ticket."""

import smtplib

import pytest

from servicedesk.accounts.models import Desk
from servicedesk.intake.ingest import read_raw
from servicedesk.intake.models import InboundMessage, Mailbox, Source, State
from servicedesk.tickets.models import Ticket
from tests.services import free_port, wait_for_port

from .mailtools import DESK_ADDRESS, TITLES, corpus, start_servicedesk, stop, wait_until

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def mailboxes(desk):
    default = Desk.objects.get(is_default=True)
    return [Mailbox.objects.create(name="IT", address=DESK_ADDRESS, desk=default),
            Mailbox.objects.create(name="Facilities", address="facilities@example.com", desk=default)]


@pytest.fixture
def receiver(shared_database, mailboxes):
    """`servicedesk mail-receiver` on two free loopback ports; yields (smtp_port, lmtp_port)."""
    started = []

    def start(*extra):
        smtp_port, lmtp_port = free_port(), free_port()
        process = start_servicedesk(shared_database, "mail-receiver", "--smtp", f"127.0.0.1:{smtp_port}",
                                    "--lmtp", f"127.0.0.1:{lmtp_port}", *extra)
        started.append(process)
        wait_for_port(smtp_port, timeout=60)
        wait_for_port(lmtp_port, timeout=60)
        return smtp_port, lmtp_port

    yield start
    for process in started:
        out, err = stop(process)
        assert process.returncode == 0, err


def all_filed(count):
    def check():
        return (InboundMessage.objects.count() == count
                and not InboundMessage.objects.filter(state=State.RECEIVED).exists())
    return check


def test_smtp_and_lmtp_deliveries_become_tickets(receiver):
    smtp_port, lmtp_port = receiver()
    names = list(TITLES)
    with smtplib.SMTP("127.0.0.1", smtp_port, timeout=30) as client:
        client.ehlo("mta.example.net")
        assert client.has_extn("size")
        for name in names[:4]:
            assert client.sendmail("mta@example.net", [DESK_ADDRESS], corpus(name)) == {}
    with smtplib.LMTP("127.0.0.1", lmtp_port, timeout=30) as client:
        for name in names[4:]:
            # Two of the desk's addresses: LMTP answers after the data once per recipient (smtplib
            # reads the first answer only), and the message is stored once.
            assert client.sendmail("mta@example.net", [DESK_ADDRESS, "facilities@example.com"], corpus(name)) == {}
            assert client.getreply()[0] == 250
    wait_until(all_filed(len(names)), what="the receiver to file every message")
    assert set(Ticket.objects.values_list("title", flat=True)) == set(TITLES.values())
    for name, title in TITLES.items():
        message = InboundMessage.objects.get(ticket__title=title)
        assert message.source == Source.SMTP
        assert message.state == State.DONE
        assert message.mailbox.address == DESK_ADDRESS
        assert read_raw(message) == corpus(name)


def test_refusals_size_limit_and_duplicates(receiver):
    smtp_port, lmtp_port = receiver("--max-size", "1500")
    small, big = corpus("big5.eml"), corpus("attachments.eml")
    assert len(small) < 1500 < len(big)
    with smtplib.SMTP("127.0.0.1", smtp_port, timeout=30) as client:
        client.ehlo("mta.example.net")
        assert client.esmtp_features["size"] == "1500"
        with pytest.raises(smtplib.SMTPRecipientsRefused) as refused:
            client.sendmail("mta@example.net", ["nobody@example.com"], small)
        assert refused.value.recipients["nobody@example.com"][0] == 550
        # SIZE declared in MAIL FROM: refused before the data is sent.
        with pytest.raises(smtplib.SMTPSenderRefused) as too_big:
            client.sendmail("mta@example.net", [DESK_ADDRESS], big)
        assert too_big.value.smtp_code == 552
        client.rset()
        # A client that declares no size is stopped after the data.
        client.mail("mta@example.net")
        client.rcpt(DESK_ADDRESS)
        code, _ = client.data(big)
        assert code == 552
        # A known and an unknown recipient: delivered to the known one only.
        assert client.sendmail("mta@example.net", ["nobody@example.com", DESK_ADDRESS], small) == {
            "nobody@example.com": (550, b"5.1.1 No such mailbox here")}
    with smtplib.LMTP("127.0.0.1", lmtp_port, timeout=30) as client:
        assert client.sendmail("mta@example.net", [DESK_ADDRESS], small) == {}  # delivered again
    wait_until(all_filed(1), what="the receiver to file the message")
    assert list(Ticket.objects.values_list("title", flat=True)) == [TITLES["big5.eml"]]
    assert InboundMessage.objects.get().state == State.DONE
