"""The mail ingester against a real database: storing first, threading, senders, noise, duplicates,
quarantine and re-processing, crash safety, the pipe command and the admin archive."""

import io
from email.message import EmailMessage
from email.utils import format_datetime
from pathlib import Path

import pytest
from django.core.management import call_command
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from servicedesk.accounts.identity import system_user
from servicedesk.accounts.models import Desk, Role, User
from servicedesk.intake.ingest import process, read_raw, reprocess, store_raw
from servicedesk.intake.models import InboundMessage, Mailbox, MessageReference, Source, State, UnknownSenders
from servicedesk.tickets import actions
from servicedesk.tickets.models import Attachment, Channel, Comment, Status, Ticket

CORPUS = Path(__file__).parent / "corpus"
DESK_ADDRESS = "servicedesk@example.com"


@pytest.fixture
def mailbox(desk):
    return Mailbox.objects.create(name="IT", address=DESK_ADDRESS, desk=Desk.objects.get(is_default=True))


_counter = iter(range(1, 1_000_000))


def make(sender, subject="Printer broken", body="The printer on 3F is jammed.\n", *, message_id=None,
         in_reply_to=None, cc=None, headers=None, to=DESK_ADDRESS):
    message = EmailMessage()
    message["From"] = sender
    message["To"] = to
    if cc:
        message["Cc"] = cc
    message["Subject"] = subject
    message["Date"] = format_datetime(timezone.now())
    message["Message-ID"] = message_id or f"<test.{next(_counter)}@mail.example.org>"
    if in_reply_to:
        message["In-Reply-To"] = in_reply_to
        message["References"] = in_reply_to
    for name, value in (headers or {}).items():
        message[name] = value
    message.set_content(body)
    return message.as_bytes()


def deliver(raw, mailbox=None):
    return process(store_raw(raw, Source.PIPE, mailbox))


# --- new tickets and replies -----------------------------------------------------------------


def test_new_ticket_from_known_customer_with_chinese_attachment_names(desk, mailbox):
    zhao = User.objects.create(username="zhao", email="zhao@example.cn", role=Role.CUSTOMER)
    raw = (CORPUS / "attachments.eml").read_bytes()
    message = deliver(raw, mailbox)
    assert message.state == State.DONE, message.reason
    ticket = message.ticket
    assert ticket.channel == Channel.EMAIL
    assert ticket.requester == zhao
    assert ticket.title == "Network diagram and report"
    assert message.comment is None
    names = set(Attachment.objects.filter(ticket=ticket).values_list("filename", flat=True))
    assert {"报告.pdf", "网络拓扑.vsdx"} <= names
    assert all(a.uploaded_by == zhao for a in Attachment.objects.filter(ticket=ticket))
    pdf = Attachment.objects.get(ticket=ticket, filename="报告.pdf")
    assert pdf.file.read().startswith(b"%PDF")
    assert MessageReference.objects.get(message_id="att.1@example.cn").ticket == ticket
    assert read_raw(message) == raw
    assert message.sha256 and message.size == len(raw) and message.processed_at is not None


def test_a_new_tickets_attachments_are_in_its_first_version(desk, mailbox):
    User.objects.create(username="zhao", email="zhao@example.cn", role=Role.CUSTOMER)
    ticket = deliver((CORPUS / "attachments.eml").read_bytes(), mailbox).ticket
    assert ticket.version == 1
    events = list(ticket.history.order_by("id").values_list("event", "version", "new_value"))
    files = set(Attachment.objects.filter(ticket=ticket).values_list("filename", flat=True))
    assert events[0] == ("created", 1, ticket.number)
    assert sorted(e[2] for e in events if e[0] == "attachment_added") == sorted(files)
    assert {version for _event, version, _value in events} == {1}


@pytest.mark.django_db(transaction=True)  # committed set-up, as on a running desk: its reference data is cached
def test_a_claimed_message_counts_its_attempt_when_stored(desk, mailbox, django_assert_max_num_queries, settings):
    settings.SERVICEDESK_SLA_INLINE = False  # the clocks are the scheduler's work after commit, not the filing's
    User.objects.create(username="zhao", email="zhao@example.cn", role=Role.CUSTOMER)
    deliver(make("zhao@example.cn"), mailbox)  # the reference data is cached from here on
    stored = store_raw(make("zhao@example.cn"), Source.PIPE, mailbox, claim=True)
    assert InboundMessage.objects.get(pk=stored.pk).attempts == 1
    # Filed without reading the row back: a bound on the statements of a new ticket (its report facts row is
    # one insert from the instance, the hourly rollup one upsert).
    with django_assert_max_num_queries(18):
        message = process(stored)
    assert message.state == State.DONE and message.attempts == 1
    assert InboundMessage.objects.get(pk=stored.pk).attempts == 1
    # The same message delivered again (not stored now): processing it again counts, and files nothing.
    again = store_raw(make("zhao@example.cn", message_id=f"<{stored.message_id}>"), Source.PIPE, mailbox,
                      claim=True)
    assert again.pk == stored.pk and not again.stored_now
    assert process(again).ticket == message.ticket
    assert Ticket.objects.count() == 2


def test_reply_by_in_reply_to_becomes_comment_with_quote_stripped_and_kept(desk, mailbox):
    first = deliver(make("customer1@example.com", message_id="<first@mail.example.org>"), mailbox)
    ticket = first.ticket
    body = ("It is still jammed after the restart.\n\nOn Mon, 23 Nov 2026 at 10:00, IT Service Desk wrote:\n"
            "> Please restart the printer.\n")
    reply = deliver(make("customer1@example.com", "Re: Printer broken", body,
                         in_reply_to="<first@mail.example.org>"), mailbox)
    assert reply.state == State.DONE, reply.reason
    assert reply.ticket == ticket
    assert reply.comment.body == "It is still jammed after the restart."
    assert reply.comment.channel == Channel.EMAIL
    assert reply.comment.author == desk.customer1
    assert not reply.comment.internal
    assert "> Please restart the printer." in reply.quoted_text
    assert "wrote:" in reply.quoted_text
    assert Ticket.objects.count() == 1
    assert ticket.comments.count() == 1


def test_reply_by_ticket_number_in_subject(desk, mailbox):
    ticket = deliver(make("customer1@example.com"), mailbox).ticket
    reply = deliver(make("customer1@example.com", f"回复：[{ticket.number}] Printer broken", "已经好了，谢谢。"),
                    mailbox)
    assert reply.ticket == ticket
    assert reply.comment.body == "已经好了，谢谢。"
    short = ticket.number.split("-")[0] + "-" + str(int(ticket.number.split("-")[1]))
    again = deliver(make("customer1@example.com", f"Re: [{short}] Printer", "One more thing."), mailbox)
    assert again.ticket == ticket


def test_stranger_quoting_another_customers_ticket_number_opens_their_own_ticket(desk, mailbox):
    ticket = deliver(make("customer1@example.com"), mailbox).ticket
    stranger = deliver(make("customer3@example.com", f"Re: [{ticket.number}] Printer broken", "Let me in."),
                       mailbox)
    assert stranger.state == State.DONE
    assert stranger.ticket != ticket
    assert stranger.ticket.requester == desk.customer3
    assert stranger.comment is None
    assert not Comment.objects.filter(ticket=ticket).exists()
    # Nor through a leaked Message-ID.
    MessageReference.objects.create(message_id="known@mail.example.org", ticket=ticket, direction="in")
    leaked = deliver(make("customer3@example.com", "Re: x", "Again.", in_reply_to="<known@mail.example.org>"),
                     mailbox)
    assert leaked.ticket != ticket
    assert not Comment.objects.filter(ticket=ticket).exists()


def test_customer_reply_to_closed_ticket_opens_a_new_one(desk, mailbox):
    ticket = deliver(make("customer1@example.com", message_id="<closed@mail.example.org>"), mailbox).ticket
    Ticket.objects.filter(pk=ticket.pk).update(status=Status.CLOSED)
    reply = deliver(make("customer1@example.com", "Re: Printer broken", "Broken again.",
                         in_reply_to="<closed@mail.example.org>"), mailbox)
    assert reply.state == State.DONE
    assert reply.ticket != ticket


def test_staff_sender_acts_as_themselves(desk, mailbox):
    message = deliver(make("agent1@example.com", "Switch down"), mailbox)
    assert message.ticket.requester == desk.agent1
    assert message.ticket.owner == desk.agent1


# --- duplicates and noise --------------------------------------------------------------------


def test_same_message_delivered_twice_makes_one_ticket(desk, mailbox):
    raw = make("customer1@example.com", message_id="<twice@mail.example.org>")
    first = deliver(raw, mailbox)
    # The second copy went through another relay: other bytes, same Message-ID.
    second_raw = b"Received: from relay2.example.net\r\n" + raw
    stored = store_raw(second_raw, Source.IMAP, mailbox)
    assert stored.pk == first.pk
    assert process(stored).ticket == first.ticket
    assert InboundMessage.objects.count() == 1
    assert Ticket.objects.count() == 1


def test_without_message_id_duplicates_are_recognised_by_their_bytes(desk, mailbox):
    raw = b"From: customer1@example.com\r\nTo: servicedesk@example.com\r\nSubject: No id\r\n\r\nHello\r\n"
    first = deliver(raw, mailbox)
    assert first.message_id == ""
    assert deliver(raw, mailbox).pk == first.pk
    assert Ticket.objects.count() == 1


@pytest.mark.parametrize("name", ["autoreply_auto_submitted.eml", "autoreply_x_autoreply.eml",
                                  "out_of_office.eml", "bounce_dsn.eml", "precedence_bulk.eml"])
def test_auto_replies_and_bounces_are_ignored(desk, mailbox, name, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        message = deliver((CORPUS / name).read_bytes(), mailbox)
    assert message.state == State.IGNORED
    assert message.reason
    assert message.ticket is None
    assert Ticket.objects.count() == 0
    assert callbacks == []
    assert not User.objects.filter(role=Role.CUSTOMER).exclude(email__endswith="@example.com").exists()


def test_bounce_quoting_a_ticket_is_not_added_to_it(desk, mailbox):
    ticket = deliver(make("customer1@example.com", message_id="<sd-000123-1@desk.example.com>"), mailbox).ticket
    message = deliver((CORPUS / "bounce_dsn.eml").read_bytes(), mailbox)
    assert message.state == State.IGNORED
    assert not ticket.comments.exists()


def test_desk_own_address_as_sender_is_ignored(desk, mailbox):
    message = deliver(make(f"IT Service Desk <{DESK_ADDRESS.upper()}>"), mailbox)
    assert message.state == State.IGNORED
    assert DESK_ADDRESS in message.reason
    assert Ticket.objects.count() == 0


# --- senders ---------------------------------------------------------------------------------


def test_unknown_sender_becomes_customer(desk, mailbox):
    message = deliver(make("Wang Fang <Wang.Fang@Example.NET>", "VPN"), mailbox)
    assert message.state == State.DONE
    customer = message.ticket.requester
    assert customer.email == "wang.fang@example.net"
    assert customer.role == Role.CUSTOMER
    assert customer.first_name == "Wang Fang"
    assert not customer.has_usable_password()
    # The next message from them is theirs, not a second account.
    assert deliver(make("wang.fang@example.net", "VPN again"), mailbox).ticket.requester == customer
    assert User.objects.filter(email__iexact="wang.fang@example.net").count() == 1


def test_unknown_sender_rejected_then_reprocessed_after_the_fix(desk, mailbox):
    mailbox.unknown_senders = UnknownSenders.REJECT
    mailbox.save()
    raw = make("stranger@example.net", "Help")
    message = deliver(raw, mailbox)
    assert message.state == State.QUARANTINED
    assert "Unknown sender stranger@example.net" in message.reason
    assert not User.objects.filter(email="stranger@example.net").exists()
    assert read_raw(message) == raw
    stranger = User.objects.create(username="stranger", email="stranger@example.net")
    again = reprocess(message)
    assert again.state == State.DONE
    assert again.ticket.requester == stranger
    assert again.reason == ""


def test_without_a_mailbox_the_recipient_chooses_it_and_no_mailbox_rejects_strangers(desk, mailbox):
    assert deliver(make("newbie@example.net")).mailbox == mailbox
    orphan = deliver(make("other@example.net", to="nobody@example.org"))
    assert orphan.state == State.QUARANTINED
    assert "Unknown sender" in orphan.reason


def test_cc_known_users_become_watchers(desk, mailbox):
    mailbox.add_cc_as_watchers = True
    mailbox.save()
    message = deliver(make("customer1@example.com", cc=f"Grace <customer2@example.com>, x@unknown.org, {DESK_ADDRESS}"),
                      mailbox)
    assert list(message.ticket.watchers.all()) == [desk.customer2]


def test_cc_ignored_unless_the_mailbox_says_so(desk, mailbox):
    message = deliver(make("customer1@example.com", cc="customer2@example.com"), mailbox)
    assert not message.ticket.watchers.exists()


def test_default_group_routes_new_tickets(desk, mailbox):
    mailbox.default_group = desk.first_line
    mailbox.save()
    ticket = deliver(make("customer1@example.com"), mailbox).ticket
    assert ticket.group == desk.first_line


def test_dropped_attachments_are_listed_in_an_internal_note(desk, mailbox, settings):
    settings.SERVICEDESK_ATTACHMENT_MAX_BYTES = 40
    User.objects.create(username="zhao", email="zhao@example.cn")
    message = deliver((CORPUS / "attachments.eml").read_bytes(), mailbox)
    assert message.state == State.DONE, message.reason
    note = message.ticket.comments.get(internal=True)
    assert note.author == system_user()
    assert "报告.pdf" in note.body
    assert not Attachment.objects.filter(ticket=message.ticket, filename="报告.pdf").exists()


# --- quarantine, rate limit, crashes ---------------------------------------------------------


def test_unparseable_message_is_quarantined_whole(desk, mailbox):
    message = deliver(b"   \r\n", mailbox)
    assert message.state == State.QUARANTINED
    assert "empty message" in message.reason
    assert read_raw(message) == b"   \r\n"


def test_refused_action_is_quarantined_with_its_reason(desk, mailbox):
    ticket = deliver(make("customer1@example.com", message_id="<q@mail.example.org>"), mailbox).ticket
    message = deliver(make("customer1@example.com", "Re: Printer broken", "\n", in_reply_to="<q@mail.example.org>"),
                      mailbox)
    assert message.state == State.QUARANTINED
    assert "Write something or attach a file." in message.reason
    assert not ticket.comments.exists()
    assert message.ticket is None


def test_rate_limit_quarantines_a_loop_and_reprocess_accepts(desk, mailbox, settings):
    settings.SERVICEDESK_MAIL_RATE_LIMIT = 3
    results = [deliver(make("customer1@example.com", f"Loop {n}"), mailbox) for n in range(5)]
    assert [m.state for m in results] == [State.DONE] * 3 + [State.QUARANTINED] * 2
    assert "Rate limit" in results[3].reason
    assert Ticket.objects.count() == 3
    assert deliver(make("customer2@example.com"), mailbox).state == State.DONE
    assert reprocess(results[3]).state == State.DONE
    assert Ticket.objects.count() == 5


def test_crash_after_the_ticket_was_created_leaves_nothing_and_retry_makes_one(desk, mailbox, monkeypatch):
    real = actions._store_attachment  # the ticket row is written by then
    calls = {"n": 0}

    def crash_once(*args, **kwargs):
        calls["n"] += 1
        if calls["n"] == 1:
            raise RuntimeError("disk full")
        return real(*args, **kwargs)

    monkeypatch.setattr(actions, "_store_attachment", crash_once)
    raw = (CORPUS / "attachments.eml").read_bytes()
    users = User.objects.count()
    stored = store_raw(raw, Source.SMTP, mailbox)
    with pytest.raises(RuntimeError):
        process(stored)
    stored.refresh_from_db()
    assert stored.state == State.RECEIVED
    assert stored.attempts == 1
    assert "disk full" in stored.reason
    assert Ticket.objects.count() == 0
    assert User.objects.count() == users  # the new customer was rolled back too
    assert not MessageReference.objects.exists()
    # The MTA delivers again: same row, filed once.
    again = process(store_raw(raw, Source.SMTP, mailbox))
    assert again.pk == stored.pk
    assert again.state == State.DONE
    assert again.attempts == 2
    assert Ticket.objects.count() == 1
    assert process(again).ticket == again.ticket
    assert Ticket.objects.count() == 1


def test_repeated_crashes_end_in_quarantine(desk, mailbox, monkeypatch, settings):
    settings.SERVICEDESK_MAIL_MAX_ATTEMPTS = 2

    def crash(*args, **kwargs):
        raise RuntimeError("bug")

    monkeypatch.setattr(actions, "create_ticket", crash)
    stored = store_raw(make("customer1@example.com"), Source.PIPE, mailbox)
    for _ in range(2):
        with pytest.raises(RuntimeError):
            process(stored)
    stored.refresh_from_db()
    assert stored.state == State.QUARANTINED
    assert "2 times" in stored.reason
    monkeypatch.undo()
    assert reprocess(stored).state == State.DONE


def test_done_message_is_not_processed_again(desk, mailbox, monkeypatch):
    message = deliver(make("customer1@example.com"), mailbox)
    monkeypatch.setattr(actions, "create_ticket", lambda **kwargs: pytest.fail("processed twice"))
    assert process(message).state == State.DONE
    assert reprocess(message).state == State.DONE
    assert Ticket.objects.count() == 1


# --- the pipe command ------------------------------------------------------------------------


def test_pipe_command_files_the_message(desk, mailbox):
    out = io.StringIO()
    call_command("ingest-email", "--mailbox", DESK_ADDRESS, stdin=io.BytesIO(make("customer1@example.com")),
                 stdout=out)
    ticket = Ticket.objects.get()
    assert f"Created {ticket.number}" in out.getvalue()
    assert InboundMessage.objects.get().source == Source.PIPE


def test_pipe_command_reports_ignored_and_quarantined_with_exit_zero(desk, mailbox):
    out = io.StringIO()
    call_command("ingest-email", stdin=io.BytesIO((CORPUS / "bounce_dsn.eml").read_bytes()), stdout=out)
    assert "Ignored" in out.getvalue()
    out = io.StringIO()
    call_command("ingest-email", stdin=io.BytesIO(b""), stdout=out)
    assert "Quarantined" in out.getvalue()


def test_pipe_command_tempfails_on_crash_and_the_retry_files_once(desk, mailbox, monkeypatch):
    real = actions.create_ticket
    calls = {"n": 0}

    def crash_once(**kwargs):
        calls["n"] += 1
        if calls["n"] == 1:
            raise RuntimeError("database went away")
        return real(**kwargs)

    monkeypatch.setattr(actions, "create_ticket", crash_once)
    raw = make("customer1@example.com")
    err = io.StringIO()
    with pytest.raises(SystemExit) as exit_info:
        call_command("ingest-email", stdin=io.BytesIO(raw), stdout=io.StringIO(), stderr=err)
    assert exit_info.value.code == 75
    assert "processing failed" in err.getvalue()
    out = io.StringIO()
    call_command("ingest-email", stdin=io.BytesIO(raw), stdout=out)
    assert "Created" in out.getvalue()
    assert Ticket.objects.count() == 1
    assert InboundMessage.objects.count() == 1


def test_pipe_command_unknown_mailbox_tempfails(desk, mailbox):
    with pytest.raises(SystemExit) as exit_info:
        call_command("ingest-email", "--mailbox", "nope@example.com", stdin=io.BytesIO(b"x"),
                     stdout=io.StringIO(), stderr=io.StringIO())
    assert exit_info.value.code == 75
    assert not InboundMessage.objects.exists()


# --- the admin archive -----------------------------------------------------------------------


def test_admin_lists_downloads_and_reprocesses(desk, mailbox):
    mailbox.unknown_senders = UnknownSenders.REJECT
    mailbox.save()
    raw = make("late@example.net", "Quarantined one")
    message = deliver(raw, mailbox)
    client = Client()
    client.force_login(desk.admin)
    listing = client.get(reverse("admin:intake_inboundmessage_changelist") + "?state__exact=quarantined")
    assert listing.status_code == 200
    assert "Quarantined one" in listing.content.decode()
    detail = client.get(reverse("admin:intake_inboundmessage_change", args=[message.pk]))
    assert detail.status_code == 200
    assert "Unknown sender late@example.net" in detail.content.decode()
    download = client.get(reverse("admin:intake_inboundmessage_raw", args=[message.pk]))
    assert download.status_code == 200
    assert download.content == raw
    assert download["Content-Disposition"].startswith(f'attachment; filename="message-{message.pk}.eml"')

    User.objects.create(username="late", email="late@example.net")
    response = client.post(reverse("admin:intake_inboundmessage_changelist"),
                           {"action": "reprocess_messages", "_selected_action": [message.pk]})
    assert response.status_code == 302
    message.refresh_from_db()
    assert message.state == State.DONE


def test_the_bytes_are_in_the_row_and_lists_do_not_carry_them(desk, mailbox):
    raw = make("customer1@example.com", "Kept whole", body="第一行\n" * 200)
    message = deliver(raw, mailbox)
    assert message.raw.name == ""
    stored = InboundMessage.objects.values_list("raw_data", flat=True).get(pk=message.pk)
    assert bytes(stored) == raw
    # The default manager leaves the bytes out; they are read when asked for.
    listed = InboundMessage.objects.get(pk=message.pk)
    assert "raw_data" in listed.get_deferred_fields()
    assert read_raw(listed) == raw


def test_a_message_stored_as_a_file_by_an_earlier_version_is_still_read(desk, mailbox):
    from django.core.files.base import ContentFile

    raw = make("customer1@example.com", "Stored the old way")
    old = InboundMessage(sha256="0" * 64, size=len(raw), source=Source.PIPE, mailbox=mailbox,
                         message_id="old.way@example.com", sender="customer1@example.com")
    old.raw.save("old.eml", ContentFile(raw), save=False)
    old.save()
    assert read_raw(InboundMessage.objects.get(pk=old.pk)) == raw
    client = Client()
    client.force_login(desk.admin)
    assert client.get(reverse("admin:intake_inboundmessage_raw", args=[old.pk])).content == raw
    filed = process(InboundMessage.objects.get(pk=old.pk))
    assert filed.state == State.DONE, filed.reason
    assert filed.ticket.title == "Stored the old way"


def test_admin_download_refused_to_non_staff(desk, mailbox):
    message = deliver(make("customer1@example.com"), mailbox)
    client = Client()
    client.force_login(desk.customer1)
    response = client.get(reverse("admin:intake_inboundmessage_raw", args=[message.pk]))
    assert response.status_code == 302
    assert "login" in response["Location"]


# --- two workers at once (PostgreSQL: real row locks between connections) --------------------


@pytest.mark.django_db(transaction=True)
def test_two_workers_store_and_process_one_message_once(desk, mailbox):
    from django.db import connection

    if connection.vendor != "postgresql":
        pytest.skip("concurrent connections need PostgreSQL")
    import threading

    from django.db import connections

    raw = make("customer1@example.com", message_id="<race@mail.example.org>")
    barrier = threading.Barrier(2)
    results, errors = [], []

    def worker():
        try:
            barrier.wait()
            results.append(process(store_raw(raw, Source.SMTP, mailbox)))
        except Exception as error:  # surfaced by the assertion below
            errors.append(error)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=worker) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert {m.pk for m in results} == {InboundMessage.objects.get().pk}
    assert Ticket.objects.count() == 1
    assert InboundMessage.objects.get().state == State.DONE
