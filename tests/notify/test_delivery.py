"""Threading headers, no echo through the real mail ingester, and exactly-once sending under failures."""

import datetime

from aiosmtpd.controller import Controller
from django.test import Client
from django.utils import timezone

from servicedesk.accounts.models import Desk
from servicedesk.intake.ingest import process, store_raw
from servicedesk.intake.models import Direction, Mailbox, MessageReference
from servicedesk.notify import sending, tasks
from servicedesk.notify.models import Event, OutboundMessage, State
from servicedesk.tickets import actions
from servicedesk.tickets.models import Channel, Comment
from tests.services import free_port

from .conftest import parts, rows, subject, to


def _ids(header) -> list[str]:
    return [part.strip("<>") for part in str(header or "").split()]


def _mail(sender: str, subject_line: str, body: str, message_id: str, in_reply_to: str = "") -> bytes:
    lines = [f"From: {sender}", "To: help@example.com", f"Subject: {subject_line}", f"Message-ID: <{message_id}>",
             "Date: Thu, 26 Nov 2026 10:00:00 +0800", "MIME-Version: 1.0",
             "Content-Type: text/plain; charset=utf-8", "Content-Transfer-Encoding: 8bit"]
    if in_reply_to:
        lines += [f"In-Reply-To: <{in_reply_to}>", f"References: <{in_reply_to}>"]
    return ("\r\n".join(lines) + "\r\n\r\n" + body + "\r\n").encode()


def test_headers_thread_replies_back_and_the_customer_is_not_echoed(desk, smtp_sink, committed):
    Mailbox.objects.create(name="Help", address="help@example.com", desk=Desk.objects.get(is_default=True))
    stored = store_raw(_mail("customer1@example.com", "邮箱打不开", "Outlook 一直报错。", "orig-1@client.example"),
                       "pipe")
    committed(process, stored)
    stored.refresh_from_db()
    ticket = stored.ticket
    assert ticket is not None

    # The acknowledgement answers the customer's message and is recorded for threading.
    [ack] = smtp_sink.messages
    assert ack["To"] == "customer1@example.com"
    assert ack["Reply-To"] == "help@example.com"
    assert f"[{ticket.number}]" in subject(ack)
    ack_id = _ids(ack["Message-ID"])[0]
    assert ack_id.endswith("@localhost") and ack_id.startswith(f"sd.{ticket.number}.")
    assert _ids(ack["In-Reply-To"]) == ["orig-1@client.example"]
    assert _ids(ack["References"]) == ["orig-1@client.example"]
    assert MessageReference.objects.get(message_id=ack_id).direction == Direction.OUT
    assert MessageReference.objects.get(message_id=ack_id).ticket == ticket

    committed(actions.assign, ticket, actor=desk.agent1, group=desk.second_line, assignee=desk.agent2)
    [assigned] = to(smtp_sink.messages, "agent2@example.com")
    assert _ids(assigned["References"]) == ["orig-1@client.example", ack_id]
    assert _ids(assigned["In-Reply-To"]) == [ack_id]
    smtp_sink.clear()

    # The customer answers the acknowledgement by mail: it threads to the ticket by our Message-ID.
    reply = store_raw(_mail("customer1@example.com", f"回复：{subject(ack)}", "重启后还是不行。",
                            "reply-2@client.example", in_reply_to=ack_id), "pipe")
    committed(process, reply)
    reply.refresh_from_db()
    assert reply.ticket == ticket and reply.comment is not None
    assert Comment.objects.get(pk=reply.comment_id).channel == Channel.EMAIL
    # Not mailed back to the customer who wrote it; the assignee gets it, threaded after it.
    assert to(smtp_sink.messages, "customer1@example.com") == []
    [relayed] = smtp_sink.messages
    assert relayed["To"] == "agent2@example.com"
    assert "重启后还是不行。" in parts(relayed)[0]
    assert _ids(relayed["In-Reply-To"]) == ["reply-2@client.example"]
    assert _ids(relayed["References"])[0] == "orig-1@client.example"
    assert ack_id in _ids(relayed["References"])

    # The agent's answer goes to the customer with the whole chain.
    smtp_sink.clear()
    committed(actions.add_comment, ticket, actor=desk.agent2, body="请把报错截图发给我们。")
    [answer] = smtp_sink.messages
    assert answer["To"] == "customer1@example.com"
    refs = _ids(answer["References"])
    assert refs[0] == "orig-1@client.example" and "reply-2@client.example" in refs
    assert _ids(answer["In-Reply-To"]) == [_ids(relayed["Message-ID"])[0]]
    assert OutboundMessage.objects.filter(ticket=ticket).count() == MessageReference.objects.filter(
        ticket=ticket, direction=Direction.OUT).count()


def test_reply_to_is_the_default_address_without_a_mailbox(desk, smtp_sink, committed, settings):
    settings.DEFAULT_FROM_EMAIL = "Desk <desk@example.org>"
    ticket = committed(actions.create_ticket, actor=desk.customer2, title="Screen flickers")
    [message] = smtp_sink.messages
    assert message["Reply-To"] == "desk@example.org"
    assert "desk@example.org" in str(message["From"])
    assert message.get_body(preferencelist=("html",)) is not None
    assert message.get_body(preferencelist=("plain",)) is not None
    assert message["X-Servicedesk-Ticket"] == ticket.number


def test_a_retried_task_never_sends_twice(desk, smtp_sink, committed):
    ticket = committed(actions.create_ticket, actor=desk.customer2, title="Screen flickers")
    assert len(smtp_sink.messages) == 1
    # The planning task delivered again (a worker lost before its ack), and the send task again.
    assert tasks.notify_ticket_change.delay(ticket.pk, ticket.version).get() == 0
    [row] = rows(ticket=ticket)
    assert tasks.send_notification.delay(row.pk).get() is None
    assert tasks.send_due.delay().get() == 0
    assert len(smtp_sink.messages) == 1
    row.refresh_from_db()
    assert (row.state, row.attempts) == (State.SENT, 1)


def test_smtp_down_then_back_sends_once(desk, smtp_sink, committed, settings):
    working_port = settings.EMAIL_PORT
    settings.EMAIL_PORT = free_port()  # nothing listens there
    before = timezone.now()
    ticket = committed(actions.create_ticket, actor=desk.customer2, title="Screen flickers")
    [row] = rows(ticket=ticket)
    assert (row.state, row.attempts) == (State.QUEUED, 1)
    assert "Connection refused" in row.last_error or "ConnectionRefusedError" in row.last_error
    assert row.next_attempt_at >= before + datetime.timedelta(seconds=60)
    assert smtp_sink.messages == []

    # Visible in the admin with its reason.
    admin = Client()
    admin.force_login(desk.admin)
    page = admin.get("/admin/notify/outboundmessage/").content.decode()
    assert "ConnectionRefusedError" in page
    detail = admin.get(f"/admin/notify/outboundmessage/{row.pk}/change/")
    assert detail.status_code == 200 and row.message_id in detail.content.decode()

    # Not due yet: the periodic sweep leaves it alone.
    assert tasks.send_due.delay().get() == 0
    settings.EMAIL_PORT = working_port
    later = timezone.now() + datetime.timedelta(minutes=2)
    assert sending.due_rows(now=later) == [row.pk]
    assert sending.send_row(row.pk, now=later).state == State.SENT
    assert sending.send_row(row.pk, now=later) is None
    assert sending.due_rows(now=later) == []
    [message] = smtp_sink.messages
    row.refresh_from_db()
    assert (row.state, row.attempts) == (State.SENT, 2)
    assert _ids(message["Message-ID"]) == [row.message_id]


def test_gives_up_after_the_attempts_and_the_admin_sends_again(desk, smtp_sink, committed, settings):
    working_port = settings.EMAIL_PORT
    settings.EMAIL_PORT = free_port()
    settings.SERVICEDESK_NOTIFY_MAX_ATTEMPTS = 2
    ticket = committed(actions.create_ticket, actor=desk.customer2, title="Screen flickers")
    [row] = rows(ticket=ticket)
    later = timezone.now() + datetime.timedelta(hours=2)
    assert sending.send_row(row.pk, now=later).state == State.FAILED
    row.refresh_from_db()
    assert (row.state, row.attempts, row.next_attempt_at) == (State.FAILED, 2, None)
    assert sending.due_rows(now=later + datetime.timedelta(days=1)) == []

    settings.EMAIL_PORT = working_port
    admin = Client()
    admin.force_login(desk.admin)
    response = admin.post("/admin/notify/outboundmessage/", {"action": "send_again", "_selected_action": [row.pk]},
                          follow=True)
    assert response.status_code == 200
    row.refresh_from_db()
    assert row.state == State.SENT
    assert len(smtp_sink.messages) == 1


class _Refusing:
    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        return "550 5.1.1 No such user here"


def test_a_permanent_refusal_is_not_retried(desk, committed, settings):
    port = free_port()
    controller = Controller(_Refusing(), hostname="127.0.0.1", port=port)
    controller.start()
    try:
        settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
        settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", port
        ticket = committed(actions.create_ticket, actor=desk.customer2, title="Screen flickers")
    finally:
        controller.stop()
    [row] = rows(ticket=ticket)
    assert (row.state, row.attempts) == (State.FAILED, 1)
    assert "550" in row.last_error and "No such user" in row.last_error


def test_a_send_interrupted_by_a_crash_is_sent_again_once_with_the_same_message_id(desk, smtp_sink, committed,
                                                                                   settings):
    working_port = settings.EMAIL_PORT
    settings.EMAIL_PORT = free_port()
    ticket = committed(actions.create_ticket, actor=desk.customer2, title="Screen flickers")
    [row] = rows(ticket=ticket)
    # A worker claimed it an hour ago and died before marking it.
    OutboundMessage.objects.filter(pk=row.pk).update(state=State.SENDING,
                                                     claimed_at=timezone.now() - datetime.timedelta(hours=1))
    settings.EMAIL_PORT = working_port
    assert tasks.send_notification.delay(row.pk).get() is None  # the redelivered task finds it claimed
    assert smtp_sink.messages == []
    assert tasks.send_due.delay().get() == 1
    [message] = smtp_sink.messages
    row.refresh_from_db()
    assert row.state == State.SENT and "stopped while sending" in row.last_error
    assert _ids(message["Message-ID"]) == [row.message_id]
    assert tasks.send_due.delay().get() == 0
    assert len(smtp_sink.messages) == 1


def test_internal_notes_never_reach_customers_even_as_watchers(desk, smtp_sink, committed):
    ticket = committed(actions.create_ticket, actor=desk.agent1, requester=desk.customer2, title="Screen flickers",
                       watchers=[desk.customer1, desk.agent2])
    smtp_sink.clear()
    committed(actions.add_comment, ticket, actor=desk.agent1, body="Internal only", internal=True)
    committed(actions.transition, ticket, "resolve", actor=desk.agent1, comment="Also internal", internal=True)
    customers = to(smtp_sink.messages, "customer1@example.com") + to(smtp_sink.messages, "customer2@example.com")
    for message in customers:
        text, html = parts(message)
        assert "Internal only" not in text + html and "Also internal" not in text + html
    assert {subject(m).replace("：", ":").split(":")[0] for m in customers} == {"Resolved", "已解决"}
    [staff] = to(smtp_sink.messages, "agent2@example.com")
    assert "Also internal" in parts(staff)[0]  # staff watchers see the note written with the change
    assert OutboundMessage.objects.filter(ticket=ticket, event=Event.RESOLVED).count() == 3


def test_with_the_mail_server_down_later_changes_do_not_wait_on_it(desk, smtp_sink, committed, settings):
    working_port = settings.EMAIL_PORT
    settings.EMAIL_PORT = free_port()
    first = committed(actions.create_ticket, actor=desk.customer2, title="First")
    second = committed(actions.create_ticket, actor=desk.customer2, title="Second")
    [tried] = rows(ticket=first)
    [waiting] = rows(ticket=second)
    assert (tried.state, tried.attempts) == (State.QUEUED, 1) and tried.last_error
    assert (waiting.state, waiting.attempts, waiting.last_error) == (State.QUEUED, 0, "")  # not even tried

    settings.EMAIL_PORT = working_port
    assert tasks.send_due.delay().get() == 1  # the sweep tries the server again: the waiting one goes
    assert [subject(m) for m in smtp_sink.messages] == [f"We have received your request [{second.number}] Second"]
    third = committed(actions.create_ticket, actor=desk.customer2, title="Third")
    assert rows(ticket=third)[0].state == State.SENT  # the server answers again: sent at once
    tried.refresh_from_db()
    assert tried.state == State.QUEUED  # its backoff has not passed yet


def test_without_a_broker_the_change_is_planned_by_the_periodic_catch_up_once(desk, smtp_sink,
                                                                                django_capture_on_commit_callbacks):
    # The action commits (its after-commit work runs) and returns: nothing planned or sent in its process.
    with django_capture_on_commit_callbacks(execute=True):
        ticket = actions.create_ticket(actor=desk.customer2, title="Screen flickers")
    assert rows(ticket=ticket) == [] and smtp_sink.messages == []
    # The periodic task plans it from the ticket's history (as after a crash between commit and
    # planning) and sends it; later runs find it planned.
    assert tasks.send_due.delay().get() == 1
    [message] = smtp_sink.messages
    assert message["X-Servicedesk-Ticket"] == ticket.number
    assert tasks.send_due.delay().get() == 0
    assert tasks.notify_ticket_change.delay(ticket.pk, ticket.version).get() == 0  # a late task: planned already
    with django_capture_on_commit_callbacks(execute=True):
        actions.add_comment(ticket, actor=desk.agent1, body="Which monitor?")
    assert tasks.send_due.delay().get() == 1
    assert [m["To"] for m in smtp_sink.messages] == ["customer2@example.com", "customer2@example.com"]
    assert tasks.send_due.delay().get() == 0 and len(smtp_sink.messages) == 2
