"""Mail over the desk's limits is never lost nor refused: a body over the length cap is cut with a note
and kept whole as a text file; files over the per-ticket and per-message caps are left out and listed in
an internal note (the raw message keeps them)."""

from email.message import EmailMessage

from servicedesk.accounts.identity import system_user
from servicedesk.intake.models import State
from servicedesk.tickets import actions
from servicedesk.tickets.models import Attachment

from .test_ingest import DESK_ADDRESS, deliver, mailbox, make  # noqa: F401  (mailbox: a fixture)


def with_files(sender, subject, body, names, in_reply_to=None):
    message = EmailMessage()
    message["From"] = sender
    message["To"] = DESK_ADDRESS
    message["Subject"] = subject
    message["Message-ID"] = f"<{subject.replace(' ', '.')}@mail.example.org>"
    if in_reply_to:
        message["In-Reply-To"] = in_reply_to
    message.set_content(body)
    for name in names:
        message.add_attachment(f"content of {name}".encode(), maintype="application", subtype="octet-stream",
                               filename=name)
    return message.as_bytes()


def test_a_body_over_the_description_cap_is_cut_and_kept_whole_as_a_file(desk, mailbox, settings):  # noqa: F811
    settings.SERVICEDESK_DESCRIPTION_MAX_CHARS = 500
    body = "网络日志 network log line\n" * 100  # 2,300 characters
    message = deliver(make("customer1@example.com", "Long log", body), mailbox)
    assert message.state == State.DONE, message.reason
    ticket = message.ticket
    assert len(ticket.description) <= 500
    assert ticket.description.startswith("网络日志 network log line\n")
    assert "message-body.txt" in ticket.description
    whole = Attachment.objects.get(ticket=ticket, filename="message-body.txt")
    assert whole.content_type == "text/plain"
    assert whole.file.read().decode() == body.strip()


def test_a_reply_over_the_comment_cap_is_cut_and_kept_whole(desk, mailbox, settings):  # noqa: F811
    settings.SERVICEDESK_COMMENT_MAX_CHARS = 300
    first = deliver(make("customer1@example.com", message_id="<first@mail.example.org>"), mailbox)
    reply = deliver(make("customer1@example.com", "Re: Printer broken", "more detail\n" * 100,
                         in_reply_to="<first@mail.example.org>"), mailbox)
    assert reply.state == State.DONE, reply.reason
    comment = first.ticket.comments.get(internal=False)
    assert len(comment.body) <= 300 and "message-body.txt" in comment.body
    assert comment.attachments.get().file.read().decode().count("more detail") == 100


def test_files_over_the_ticket_cap_are_left_out_and_listed(desk, mailbox, settings):  # noqa: F811
    settings.SERVICEDESK_ATTACHMENTS_PER_TICKET = 3
    first = deliver(with_files("customer1@example.com", "Scanner", "It fails.", ["a.log", "b.log"]), mailbox)
    assert first.state == State.DONE
    reply = deliver(with_files("customer1@example.com", "Re Scanner", "Two more.", ["c.log", "d.log"],
                               in_reply_to="<Scanner@mail.example.org>"), mailbox)
    assert reply.state == State.DONE, reply.reason
    ticket = first.ticket
    assert sorted(Attachment.objects.filter(ticket=ticket).values_list("filename", flat=True)) == [
        "a.log", "b.log", "c.log"]
    note = ticket.comments.get(internal=True)
    assert note.author == system_user()
    assert f"inbound message #{reply.pk}" in note.body
    assert "d.log" in note.body and "3 per ticket" in note.body
    assert ticket.comments.get(internal=False).body == "Two more."
    # Once full, a reply still arrives, without its files.
    again = deliver(with_files("customer1@example.com", "Re Scanner 2", "Still failing.", ["e.log"],
                               in_reply_to="<Scanner@mail.example.org>"), mailbox)
    assert again.state == State.DONE
    assert Attachment.objects.filter(ticket=ticket).count() == 3
    assert actions.attachment_room(ticket) == 0
    # Files only, none of which fits: still a reply, which says so.
    files_only = deliver(with_files("customer1@example.com", "Re Scanner 3", "", ["f.log"],
                                    in_reply_to="<Scanner@mail.example.org>"), mailbox)
    assert files_only.state == State.DONE, files_only.reason
    assert "files were not added" in files_only.comment.body


def test_files_over_the_message_cap_are_left_out_and_listed(desk, mailbox, settings):  # noqa: F811
    settings.SERVICEDESK_ATTACHMENTS_PER_MESSAGE = 2
    settings.SERVICEDESK_MAIL_MAX_ATTACHMENTS = 5
    message = deliver(with_files("customer1@example.com", "Many", "Files.", ["1.log", "2.log", "3.log"]), mailbox)
    assert message.state == State.DONE, message.reason
    assert Attachment.objects.filter(ticket=message.ticket).count() == 2
    assert "3.log" in message.ticket.comments.get(internal=True).body
