"""IMAP polling against a real dovecot: messages APPENDed to a mailbox, fetched by `fetch-mail`,
filed into tickets, then flagged or moved on the server; a second run finds nothing new."""

import datetime
import io
import re

import pytest
from django.core.management import call_command
from django.utils import timezone

from servicedesk.accounts.models import Desk
from servicedesk.intake import tasks
from servicedesk.intake.imap import FILED_KEYWORD, fetch_mailbox
from servicedesk.intake.ingest import process, read_raw, store_raw
from servicedesk.intake.models import ImapAfter, ImapSecurity, InboundMessage, Mailbox, Source, State
from servicedesk.tickets.models import Ticket

from .mailtools import DESK_ADDRESS, TITLES, corpus


@pytest.fixture
def account(dovecot):
    return dovecot.new_account()


@pytest.fixture
def mailbox(desk, dovecot, account):
    return Mailbox.objects.create(
        name="IT", address=DESK_ADDRESS, desk=Desk.objects.get(is_default=True), imap_host="127.0.0.1",
        imap_port=dovecot.port, imap_security=ImapSecurity.NONE, imap_username=account,
        imap_password=dovecot.password,
    )


def append(dovecot, account, *messages, folder="INBOX", flags=None):
    imap = dovecot.connect(account)
    try:
        for raw in messages:
            kind, data = imap.append(folder, flags, None, raw)
            assert kind == "OK", data
    finally:
        imap.logout()


def server_flags(dovecot, account, folder="INBOX") -> list[set[str]]:
    imap = dovecot.connect(account)
    try:
        kind, _ = imap.select(f'"{folder}"', readonly=True)
        assert kind == "OK"
        kind, data = imap.uid("FETCH", "1:*", "(FLAGS)")
        flags = []
        for line in data:
            if line:
                match = re.search(rb"FLAGS \(([^)]*)\)", line)
                flags.append(set(match.group(1).decode().split()))
        return flags
    finally:
        imap.logout()


def fetch_mail(*args):
    out, err = io.StringIO(), io.StringIO()
    call_command("fetch-mail", *args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


REPLY = (
    b"From: Li Lei <lilei@example.cn>\r\n"
    b"To: servicedesk@example.com\r\n"
    b"Subject: =?utf-8?B?5Zue5aSN77ya5omT5Y2w5py65peg5rOV5omT5Y2w?=\r\n"
    b"Message-ID: <reply.imap@example.cn>\r\n"
    b"In-Reply-To: <202611260902110001@example.cn>\r\n"
    b"References: <202611260902110001@example.cn>\r\n"
    b"MIME-Version: 1.0\r\n"
    b"Content-Type: text/plain; charset=gb2312\r\n"
    b"Content-Transfer-Encoding: 8bit\r\n"
    b"\r\n"
) + (
    "换了硒鼓以后还是不行。\r\n\r\n在 2026年11月26日 09:02，IT 服务台 写道：\r\n> 请重启打印机。\r\n"
).encode("gb2312")


def test_fetch_mail_files_the_corpus_flags_it_and_a_second_run_finds_nothing(desk, dovecot, account, mailbox):
    # One message a person already read in their mail client: it is fetched all the same.
    append(dovecot, account, *(corpus(name) for name in TITLES), flags=None)
    append(dovecot, account, corpus("bounce_dsn.eml"), REPLY, flags="(\\Seen)")
    out, err = fetch_mail()
    assert err == ""
    assert f"{DESK_ADDRESS}: 9 fetched (9 new)" in out
    assert set(Ticket.objects.values_list("title", flat=True)) == set(TITLES.values())
    for name, title in TITLES.items():
        message = InboundMessage.objects.get(ticket__title=title, comment=None)
        assert message.source == Source.IMAP
        assert message.mailbox == mailbox
        assert message.state == State.DONE
        assert read_raw(message) == corpus(name)
    reply = InboundMessage.objects.get(message_id="reply.imap@example.cn")
    assert reply.ticket.title == "打印机无法打印"
    assert reply.comment.body == "换了硒鼓以后还是不行。"
    assert "请重启打印机" in reply.quoted_text
    assert InboundMessage.objects.get(state=State.IGNORED).subject.startswith("Undelivered")
    flags = server_flags(dovecot, account)
    assert len(flags) == 9
    assert all({"\\Seen", FILED_KEYWORD} <= f for f in flags)

    out, err = fetch_mail()
    assert f"{DESK_ADDRESS}: 0 fetched (0 new)" in out
    assert Ticket.objects.count() == len(TITLES)
    assert InboundMessage.objects.count() == 9
    mailbox.refresh_from_db()
    assert mailbox.imap_last_error == ""
    assert mailbox.imap_last_fetch_at is not None
    assert mailbox.imap_claimed_by == "" and mailbox.imap_claimed_until is None


def test_move_mode_moves_filed_mail_into_a_new_folder(desk, dovecot, account, mailbox):
    mailbox.imap_after = ImapAfter.MOVE
    mailbox.imap_move_to = "已处理"
    mailbox.save()
    append(dovecot, account, corpus("big5.eml"), corpus("gb18030_4byte.eml"))
    fetch_mail("--mailbox", DESK_ADDRESS)
    assert set(Ticket.objects.values_list("title", flat=True)) == {TITLES["big5.eml"], TITLES["gb18030_4byte.eml"]}
    assert server_flags(dovecot, account) == []
    imap = dovecot.connect(account)
    try:
        kind, _ = imap.select('"&XfJZBHQG-"', readonly=True)  # modified UTF-7 of the folder name
    finally:
        imap.logout()
    assert kind == "OK", "the folder was not created under its modified UTF-7 name"
    assert len(server_flags(dovecot, account, "&XfJZBHQG-")) == 2
    fetch_mail()
    assert Ticket.objects.count() == 2


def test_message_filed_before_a_crash_is_only_flagged_on_the_next_poll(desk, dovecot, account, mailbox):
    raw = corpus("gb2312_mislabelled_gbk.eml")
    append(dovecot, account, raw)
    # What a poller that died after filing, before flagging, left behind: a filed message, unflagged.
    first = process(store_raw(b"Received: from imap.example.com\r\n" + raw, Source.IMAP, mailbox))
    assert first.state == State.DONE
    out, _ = fetch_mail()
    assert "1 fetched (0 new)" in out
    assert Ticket.objects.count() == 1
    assert InboundMessage.objects.count() == 1
    assert all(FILED_KEYWORD in f for f in server_flags(dovecot, account))


def test_a_mailbox_held_by_another_poller_is_skipped_until_its_lease_runs_out(desk, dovecot, account, mailbox):
    append(dovecot, account, corpus("utf8_plain.eml"))
    Mailbox.objects.filter(pk=mailbox.pk).update(imap_claimed_by="other-poller",
                                                 imap_claimed_until=timezone.now() + datetime.timedelta(minutes=4))
    report = fetch_mailbox(mailbox)
    assert report.skipped
    assert not InboundMessage.objects.exists()
    out, _ = fetch_mail()
    assert "skipped, another poller" in out
    Mailbox.objects.filter(pk=mailbox.pk).update(imap_claimed_until=timezone.now() - datetime.timedelta(seconds=1))
    report = fetch_mailbox(mailbox)
    assert not report.skipped and report.fetched == 1
    assert Ticket.objects.count() == 1


def test_wrong_password_is_reported_and_kept_on_the_mailbox(desk, dovecot, account, mailbox):
    mailbox.imap_password = "wrong"
    mailbox.save()
    append(dovecot, account, corpus("utf8_plain.eml"))
    with pytest.raises(SystemExit) as exit_info:
        fetch_mail()
    assert exit_info.value.code == 1
    mailbox.refresh_from_db()
    assert "IMAP 127.0.0.1" in mailbox.imap_last_error
    assert "AUTHENTICATIONFAILED" in mailbox.imap_last_error or "Authentication failed" in mailbox.imap_last_error
    assert mailbox.imap_claimed_by == ""
    assert not InboundMessage.objects.exists()


def test_oversize_message_is_left_on_the_server_and_the_rest_is_filed(desk, dovecot, account, mailbox, settings):
    settings.SERVICEDESK_MAIL_MAX_MESSAGE_BYTES = 1000
    big, small = corpus("attachments.eml"), corpus("utf8_plain.eml")
    assert len(big) > 1000 > len(small)
    append(dovecot, account, big, small)
    report = fetch_mailbox(mailbox)
    assert report.fetched == 1 and report.left == 1
    assert "over the limit" in report.errors[0]
    assert list(Ticket.objects.values_list("title", flat=True)) == ["Laptop will not start"]
    flags = server_flags(dovecot, account)
    assert sorted(FILED_KEYWORD in f for f in flags) == [False, True]


def test_periodic_task_polls_active_imap_mailboxes_only(desk, dovecot, account, mailbox):
    other_account = dovecot.new_account()
    Mailbox.objects.create(name="Old", address="old@example.com", desk=mailbox.desk, imap_host="127.0.0.1",
                           imap_port=dovecot.port, imap_security=ImapSecurity.NONE, imap_username=other_account,
                           imap_password=dovecot.password, is_active=False)
    Mailbox.objects.create(name="SMTP only", address="smtp@example.com", desk=mailbox.desk)
    append(dovecot, account, corpus("qp_utf8.eml"))
    append(dovecot, other_account, corpus("big5.eml"))
    result = tasks.fetch_mail.delay().get()
    assert [(r["mailbox"], r["fetched"], r["states"]) for r in result] == [(DESK_ADDRESS, 1, {"done": 1})]
    assert list(Ticket.objects.values_list("title", flat=True)) == [TITLES["qp_utf8.eml"]]


@pytest.mark.django_db(transaction=True)
def test_two_pollers_at_once_fetch_each_message_once(shared_database, desk, dovecot):
    import threading

    from django.db import connections

    account = dovecot.new_account()
    mailbox = Mailbox.objects.create(
        name="IT", address=DESK_ADDRESS, desk=Desk.objects.get(is_default=True), imap_host="127.0.0.1",
        imap_port=dovecot.port, imap_security=ImapSecurity.NONE, imap_username=account,
        imap_password=dovecot.password,
    )
    append(dovecot, account, *(corpus(name) for name in TITLES))
    barrier = threading.Barrier(2)
    reports, errors = [], []

    def poller():
        try:
            barrier.wait()
            reports.append(fetch_mailbox(Mailbox.objects.get(pk=mailbox.pk)))
        except Exception as error:  # surfaced by the assertion below
            errors.append(error)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=poller) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert sum(r.fetched for r in reports) == len(TITLES)  # one skipped, or the second found nothing left
    assert Ticket.objects.count() == len(TITLES)
    assert InboundMessage.objects.count() == len(TITLES)
