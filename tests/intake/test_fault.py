"""The ingester killed (SIGKILL) between storing a message and committing its ticket, through each
channel as a real process on an on-disk database; after a restart, a redelivery or the sweeper,
each message is filed exactly once."""

import datetime
import smtplib
import subprocess

import pytest
from django.utils import timezone

from servicedesk.accounts.models import Desk
from servicedesk.intake import tasks
from servicedesk.intake.imap import FILED_KEYWORD
from servicedesk.intake.ingest import read_raw
from servicedesk.intake.models import ImapSecurity, InboundMessage, Mailbox, State
from servicedesk.tickets.models import Attachment, Comment, Ticket
from tests.services import free_port, wait_for_port

from .mailtools import (
    DESK_ADDRESS,
    TITLES,
    corpus,
    holding,
    kill,
    servicedesk,
    start_servicedesk,
    stop,
    wait_for_hold,
)
from .test_imap import REPLY, append, server_flags

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def mailbox(desk):
    return Mailbox.objects.create(name="IT", address=DESK_ADDRESS, desk=Desk.objects.get(is_default=True))


def age(message, minutes=2):
    """Make a stored message look left over for a while, as the sweeper expects."""
    earlier = timezone.now() - datetime.timedelta(minutes=minutes)
    InboundMessage.objects.filter(pk=message.pk).update(received_at=earlier)


def held_pipe(env, marker, raw, *args):
    """`ingest-email` stopped inside its transaction, killed there; returns once it is dead."""
    process = start_servicedesk(holding(env, "before-commit", marker), "ingest-email", *args, stdin=subprocess.PIPE)
    process.stdin.write(raw)
    process.stdin.close()
    wait_for_hold(marker, process)
    kill(process)


def test_pipe_killed_before_commit_then_redelivered_and_swept(shared_database, mailbox, tmp_path):
    env, marker = shared_database, tmp_path / "hold"
    raw = corpus("gb2312_base64.eml")
    # 1. Killed with the ticket written but not committed.
    held_pipe(env, marker, raw, "--mailbox", DESK_ADDRESS)
    stored = InboundMessage.objects.get()
    assert stored.state == State.RECEIVED and stored.attempts == 1
    assert read_raw(stored) == raw
    assert not Ticket.objects.exists()
    # 2. The MTA never heard the pipe succeed: it delivers again, and the message is filed once.
    result = servicedesk(env, "ingest-email", "--mailbox", DESK_ADDRESS, stdin=raw)
    assert result.returncode == 0, result.stderr
    ticket = Ticket.objects.get()
    assert ticket.title == TITLES["gb2312_base64.eml"]
    assert InboundMessage.objects.get().state == State.DONE
    # 3. A reply killed the same way and not redelivered: the sweeper files it.
    marker.unlink()
    held_pipe(env, marker, REPLY)
    reply = InboundMessage.objects.get(message_id="reply.imap@example.cn")
    assert reply.state == State.RECEIVED
    assert not Comment.objects.exists()
    assert tasks.sweep_received.delay().get() == {"processed": 0, "quarantined": 0, "failed": 0}  # too recent
    age(reply)
    assert tasks.sweep_received.delay().get() == {"processed": 1, "quarantined": 0, "failed": 0}
    reply.refresh_from_db()
    assert reply.state == State.DONE and reply.attempts == 2
    assert reply.comment.ticket == ticket
    # 4. A late duplicate of each: nothing more.
    for again in (raw, REPLY):
        assert servicedesk(env, "ingest-email", stdin=again).returncode == 0
    assert Ticket.objects.count() == 1
    assert Comment.objects.count() == 1
    assert InboundMessage.objects.count() == 2


def receiver(env, *hold):
    smtp_port = free_port()
    process = start_servicedesk(holding(env, *hold) if hold else env, "mail-receiver", "--smtp",
                                f"127.0.0.1:{smtp_port}")
    wait_for_port(smtp_port, timeout=60)
    return process, smtp_port


def test_receiver_killed_before_answering_and_before_commit(shared_database, mailbox, tmp_path):
    env, marker = shared_database, tmp_path / "hold"
    raw = corpus("attachments.eml")
    # 1. Stored, then killed before the 250: the MTA sees the connection drop and keeps the message.
    process, port = receiver(env, "after-store", marker)
    client = smtplib.SMTP("127.0.0.1", port, timeout=60)
    client.ehlo("mta.example.net")
    client.mail("mta@example.net")
    client.rcpt(DESK_ADDRESS)
    client.send(b"DATA\r\n")
    assert client.getreply()[0] == 354
    client.send(raw.replace(b"\r\n.", b"\r\n..") + b"\r\n.\r\n")
    wait_for_hold(marker, process)
    kill(process)
    with pytest.raises(smtplib.SMTPServerDisconnected):
        client.getreply()
    assert InboundMessage.objects.get().state == State.RECEIVED
    # 2. Restarted, killed after the 250 while filing (ticket and attachments written, not committed).
    marker.unlink()
    process, port = receiver(env, "before-commit", marker)
    with smtplib.SMTP("127.0.0.1", port, timeout=60) as client:
        assert client.sendmail("mta@example.net", [DESK_ADDRESS], raw) == {}  # the MTA's retry
    wait_for_hold(marker, process)
    kill(process)
    message = InboundMessage.objects.get()
    assert message.state == State.RECEIVED and message.attempts == 1
    assert not Ticket.objects.exists() and not Attachment.objects.exists()
    # 3. Restarted without a fault; the MTA is done (it had its 250): the sweeper files the message once.
    process, port = receiver(env)
    age(message)
    assert tasks.sweep_received.delay().get()["processed"] == 1
    with smtplib.SMTP("127.0.0.1", port, timeout=60) as client:  # one more copy from a second relay
        assert client.sendmail("mta@example.net", [DESK_ADDRESS], raw) == {}
    stop(process)
    assert process.returncode == 0
    message.refresh_from_db()
    assert message.state == State.DONE
    assert Ticket.objects.get().title == TITLES["attachments.eml"]
    names = list(Attachment.objects.filter(ticket=message.ticket).values_list("filename", flat=True))
    assert sorted(names) == sorted(["image-1.png", "报告.pdf", "服务器日志_喆.txt", "网络拓扑.vsdx"])
    assert InboundMessage.objects.count() == 1


def test_fetch_mail_killed_before_commit_and_before_flagging(shared_database, desk, dovecot, tmp_path):
    env, marker = shared_database, tmp_path / "hold"
    account = dovecot.new_account()
    Mailbox.objects.create(name="IT", address=DESK_ADDRESS, desk=Desk.objects.get(is_default=True),
                           imap_host="127.0.0.1", imap_port=dovecot.port, imap_security=ImapSecurity.NONE,
                           imap_username=account, imap_password=dovecot.password)
    append(dovecot, account, corpus("gb2312_mislabelled_gbk.eml"), corpus("big5.eml"))
    # 1. Killed inside the first message's transaction.
    process = start_servicedesk(holding(env, "before-commit", marker), "fetch-mail")
    wait_for_hold(marker, process)
    kill(process)
    assert list(InboundMessage.objects.values_list("state", flat=True)) == [State.RECEIVED]
    assert not Ticket.objects.exists()
    assert not any(FILED_KEYWORD in flags for flags in server_flags(dovecot, account))
    # The dead poller's claim is still on the mailbox until its lease runs out.
    Mailbox.objects.update(imap_claimed_until=timezone.now() - datetime.timedelta(seconds=1))
    # 2. Killed after filing the first message, before flagging it on the server.
    marker.unlink()
    process = start_servicedesk(holding(env, "before-mark", marker), "fetch-mail")
    wait_for_hold(marker, process)
    kill(process)
    assert list(Ticket.objects.values_list("title", flat=True)) == [TITLES["gb2312_mislabelled_gbk.eml"]]
    assert not any(FILED_KEYWORD in flags for flags in server_flags(dovecot, account))
    Mailbox.objects.update(imap_claimed_until=timezone.now() - datetime.timedelta(seconds=1))
    # 3. A clean run: both messages filed once, both flagged; a last run finds nothing.
    result = servicedesk(env, "fetch-mail")
    assert result.returncode == 0, result.stderr
    assert "2 fetched (1 new)" in result.stdout.decode()
    assert sorted(Ticket.objects.values_list("title", flat=True)) == sorted(
        [TITLES["gb2312_mislabelled_gbk.eml"], TITLES["big5.eml"]])
    assert all(FILED_KEYWORD in flags for flags in server_flags(dovecot, account))
    result = servicedesk(env, "fetch-mail")
    assert "0 fetched" in result.stdout.decode()
    assert Ticket.objects.count() == 2
    assert InboundMessage.objects.count() == 2
