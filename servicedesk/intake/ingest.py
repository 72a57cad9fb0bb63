"""The one ingester every mail channel feeds (the pipe command, the SMTP/LMTP receiver, IMAP polling).

Two steps, each its own transaction:

1. `store_raw` keeps the delivered bytes (a file, then a row) before anything reads them. A message
   already stored (same Message-ID, or the same bytes when it has none) returns the existing row.
2. `process` files the stored message: under a row lock it parses, threads, acts through the
   tickets' actions and marks the message done, all in one transaction. A crash rolls all of it
   back and leaves the message `received`, so a retry does it once; a refusal keeps the message in
   quarantine with its reason; noise (auto-replies, bounces, the desk's own mail) is ignored.
"""

from __future__ import annotations

import contextlib
import datetime
import email.parser
import email.policy
import email.utils
import hashlib
import logging
import os
import re
import time

from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import IntegrityError, connection, transaction
from django.db.models import F
from django.db.models.functions import Lower
from django.utils import timezone
from django.utils.translation import gettext as _

from servicedesk.accounts import actions as account_actions
from servicedesk.accounts import refdata as accounts_refdata
from servicedesk.accounts.identity import system_user
from servicedesk.accounts.models import User
from servicedesk.core import rows
from servicedesk.core.refdata import one_version
from servicedesk.tickets import actions, permissions
from servicedesk.tickets.models import Channel, Status, Ticket

from .email_parse import (
    Attachment,
    DroppedAttachment,
    ParsedMessage,
    UnparseableMessage,
    decode_header_value,
    find_ticket_reference,
    normalise_message_id,
    parse_message,
    strip_quoted,
    thread_keys,
)
from .models import Direction, InboundMessage, Mailbox, MessageReference, State, UnknownSenders
from .refdata import mailboxes

__all__ = ["Refused", "hold_for_fault_test", "process", "reprocess", "store_raw", "sweep_received"]

log = logging.getLogger(__name__)

def _setting(name: str, default: int) -> int:
    return int(getattr(settings, name, default))


class Refused(Exception):
    """The message is kept in quarantine with this reason (already translated)."""

    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason


# ---------------------------------------------------------------------------------------------
# Storing


def _peek(raw: bytes) -> tuple[str, str, str]:
    """Message-ID, sender address and subject from the header section alone. Never raises: storing
    must not depend on the message being readable."""
    try:
        # The header section only: the parser would otherwise decode and read the whole body.
        end = min((i for i in (raw.find(b"\r\n\r\n"), raw.find(b"\n\n")) if i >= 0), default=len(raw))
        headers = email.parser.BytesHeaderParser(policy=email.policy.compat32).parsebytes(raw[:end + 2])
        message_id = normalise_message_id(str(headers.get("Message-ID") or "")) or ""
        sender = email.utils.parseaddr(decode_header_value(str(headers.get("From") or "")))[1]
        subject = re.sub(r"\s+", " ", decode_header_value(str(headers.get("Subject") or ""))).strip()
    except Exception:
        return "", "", ""
    return message_id[:500], sender.strip().lower()[:320], subject[:500]


def _already_stored(message_id: str, digest: str) -> InboundMessage | None:
    query = InboundMessage.objects.filter(message_id=message_id) if message_id else \
        InboundMessage.objects.filter(message_id="", sha256=digest)
    return query.order_by().first()


def store_raw(raw: bytes, source: str, mailbox: Mailbox | None = None, *, claim: bool = False) -> InboundMessage:
    """Keep the delivered bytes; call it outside any transaction so the row is committed on return.

    The returned row's `stored_now` says whether this call stored it (False: delivered before). A row
    stored now keeps the bytes, so `process` neither reads them back nor the row again.
    claim: the caller files the message right away (`process`, the pipe and IMAP polling): the row is
    stored with that first attempt already counted, so `process` needs no write of its own first."""
    raw = bytes(raw)
    digest = hashlib.sha256(raw).hexdigest()
    message_id, sender, subject = _peek(raw)
    message = InboundMessage(raw_data=raw, sha256=digest, size=len(raw), source=source, mailbox=mailbox,
                             message_id=message_id, sender=sender, subject=subject, attempts=1 if claim else 0)
    # The bytes go into the row: committed together, so a message is either whole and durable or not
    # stored at all (and the delivering side, never told it was taken, delivers it again). Inserted
    # without looking first (most messages are new); the unique constraints catch a second delivery.
    try:
        # A savepoint only inside a caller's transaction; on its own the insert commits by itself.
        with transaction.atomic() if connection.in_atomic_block else contextlib.nullcontext():
            rows.insert(message)  # one INSERT … RETURNING id
    except IntegrityError:
        # Delivered before (or at the same moment): keep the stored one.
        existing = _already_stored(message_id, digest)
        if existing is None:
            raise
        existing.stored_now = False
        return existing
    message.stored_now = True
    message.stored_bytes = raw
    message.claimed = claim
    return message


def read_raw(message: InboundMessage) -> bytes:
    """The message's bytes as delivered (from its row, or from the file of a message stored by an
    earlier version)."""
    data = message.raw_data
    if data is not None:
        return bytes(data)
    with message.raw.open("rb") as handle:
        return handle.read()


# ---------------------------------------------------------------------------------------------
# Processing


def process(message: InboundMessage, *, check_rate_limit: bool = True) -> InboundMessage:
    """File one stored message; returns the row as it ends. Only a `received` message is processed,
    so calling it again, or from two workers at once, files it once."""
    pk = message.pk
    # A row just stored is complete (its state is checked below); with `claim` it counted this attempt.
    raw = message.__dict__.pop("stored_bytes", None)
    stored = message if raw is not None else None
    claimed = message.__dict__.pop("claimed", False)
    if not claimed and not InboundMessage.objects.filter(pk=pk, state=State.RECEIVED).update(
            attempts=F("attempts") + 1):
        return InboundMessage.objects.select_related("ticket").get(pk=pk)
    try:
        # Read and parsed before the transaction: that needs no lock (the stored bytes never change),
        # and another ingester's transaction is not held up meanwhile (SQLite has one writer at a time).
        if raw is None:
            raw = read_raw(InboundMessage.objects.defer(None).only("raw_data", "raw").get(pk=pk))
        parsed = _parse(raw)
        with transaction.atomic():
            return _file(stored, pk, parsed, check_rate_limit)
    except (Refused, UnparseableMessage, actions.ActionError) as refusal:
        return _quarantine(pk, _refusal_reason(refusal))
    except Exception as error:
        _record_failure(pk, error)
        raise


def _file(stored: InboundMessage | None, pk: int, parsed: ParsedMessage, check_rate_limit: bool) -> InboundMessage:
    """Inside a transaction: lock the message, and file it if it is still `received`. `stored`: the row
    as just stored (complete), else it is read here."""
    if stored is None:
        locked = InboundMessage.objects.select_for_update().filter(pk=pk).order_by().first()
        if locked is None or locked.state != State.RECEIVED:
            return locked
    elif _lock_state(pk) != State.RECEIVED:  # filed meanwhile by another worker
        return InboundMessage.objects.select_related("ticket").filter(pk=pk).first()
    else:
        locked = stored
    with one_version():
        _Ingest(locked, parsed, check_rate_limit=check_rate_limit).run()
    hold_for_fault_test("before-commit", pk)
    return locked


def _unparseable(error: UnparseableMessage) -> str:
    return _("The message cannot be read as email: %(reason)s") % {"reason": error.reason}


def _refusal_reason(refusal: Exception) -> str:
    if isinstance(refusal, Refused):
        return refusal.reason
    if isinstance(refusal, UnparseableMessage):
        return _unparseable(refusal)
    return _("The desk refused the message: %(reason)s") % {"reason": refusal.message}


def _lock_state(pk: int) -> str | None:
    """Lock the message's row (PostgreSQL; SQLite's transactions hold the whole database) and read
    its state. Written out: the ORM's query building cost more than the statement."""
    quote = connection.ops.quote_name
    lock = " FOR UPDATE" if connection.features.has_select_for_update else ""
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {quote('state')} FROM {quote(InboundMessage._meta.db_table)} "
                       f"WHERE {quote('id')} = %s{lock}", [pk])
        row = cursor.fetchone()
    return row[0] if row else None


def reprocess(message: InboundMessage) -> InboundMessage:
    """Process a quarantined message again (after a fix, or when an administrator accepts it):
    the rate limit is not applied a second time."""
    InboundMessage.objects.filter(pk=message.pk, state=State.QUARANTINED).update(
        state=State.RECEIVED, reason="", attempts=0, processed_at=None
    )
    return process(message, check_rate_limit=False)


def sweep_received(older_than: datetime.timedelta = datetime.timedelta(minutes=1), limit: int = 500) -> dict:
    """Process again what a dead process left `received` (stored, never filed).

    A message whose attempts already reached the maximum is quarantined instead: a message that
    kills its process every time (so no failure was ever recorded) must stop being retried.
    Returns counts by outcome.
    """
    maximum = _setting("SERVICEDESK_MAIL_MAX_ATTEMPTS", 5)
    cutoff = timezone.now() - older_than
    pending = list(
        InboundMessage.objects.filter(state=State.RECEIVED, received_at__lt=cutoff)
        .order_by("received_at", "pk").values_list("pk", "attempts")[:limit]
    )
    counts = {"processed": 0, "quarantined": 0, "failed": 0}
    for pk, attempts in pending:
        if attempts >= maximum:
            _quarantine(pk, _("Processing was started %(count)s times and never finished (the process stopped); "
                              "kept here so it can be re-processed after the fix.") % {"count": attempts})
            counts["quarantined"] += 1
            continue
        try:
            result = process(InboundMessage(pk=pk))
        except Exception:  # recorded on the message by process(); the next sweep retries it
            counts["failed"] += 1
            continue
        counts["quarantined" if result.state == State.QUARANTINED else "processed"] += 1
    return counts


def hold_for_fault_test(point: str, pk) -> None:
    """The fault test's kill point: with SERVICEDESK_TEST_HOLD naming this point, note the message in
    the file SERVICEDESK_TEST_HOLD_FILE and stop here (inside the open transaction for
    "before-commit") until the test kills the process. Does nothing otherwise."""
    if os.environ.get("SERVICEDESK_TEST_HOLD") != point:
        return
    with open(os.environ["SERVICEDESK_TEST_HOLD_FILE"], "a") as marker:
        marker.write(f"{point} {pk}\n")
        marker.flush()
        os.fsync(marker.fileno())
    while True:
        time.sleep(3600)


def _quarantine(pk: int, reason: str) -> InboundMessage:
    InboundMessage.objects.filter(pk=pk, state=State.RECEIVED).update(
        state=State.QUARANTINED, reason=reason, processed_at=timezone.now()
    )
    return InboundMessage.objects.get(pk=pk)


def _record_failure(pk: int, error: Exception) -> None:
    """Keep the crash's reason on the message; after too many crashes, quarantine it so it stops
    being retried (it stays whole and can be re-processed after the fix)."""
    log.exception("Processing inbound message %s failed", pk)
    detail = f"{type(error).__name__}: {error}"[:2000]
    try:
        attempts = InboundMessage.objects.filter(pk=pk).values_list("attempts", flat=True).first() or 0
        if attempts >= _setting("SERVICEDESK_MAIL_MAX_ATTEMPTS", 5):
            _quarantine(pk, _("Processing failed %(count)s times; last error: %(error)s")
                        % {"count": attempts, "error": detail})
        else:
            InboundMessage.objects.filter(pk=pk, state=State.RECEIVED).update(
                reason=_("Processing failed (attempt %(count)s): %(error)s") % {"count": attempts, "error": detail}
            )
    except Exception:  # the database itself may be what failed; the message stays received
        log.exception("Recording the failure of inbound message %s failed", pk)


def own_addresses(mailboxes: list[Mailbox] | None = None) -> set[str]:
    if mailboxes is None:
        mailboxes = list(Mailbox.objects.only("address"))
    addresses = {m.address.lower() for m in mailboxes}
    for value in (settings.DEFAULT_FROM_EMAIL, settings.SERVER_EMAIL):
        address = email.utils.parseaddr(value or "")[1].strip().lower()
        if address:
            addresses.add(address)
    return addresses


def _upload(attachment: Attachment) -> SimpleUploadedFile:
    return SimpleUploadedFile(attachment.filename, attachment.content,
                              content_type=attachment.content_type or "application/octet-stream")


def _users_by_address(address: str) -> list[User]:
    """At most two users whose address is `address` (lower case), whatever its case. LOWER(email) as the
    users' index on it is written, so it answers; written out: the ORM's query building for the user
    table cost more than the statement."""
    return rows.select(User, f"LOWER({connection.ops.quote_name('email')}) = %s LIMIT 2", [address])


def _tickets_by_reference(keys: list[str]) -> dict[str, Ticket]:
    """The tickets the Message-IDs `keys` belong to, by Message-ID (two plain statements)."""
    quote = connection.ops.quote_name
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT {quote('message_id')}, {quote('ticket_id')} FROM {quote(MessageReference._meta.db_table)} "
            f"WHERE {quote('message_id')} IN ({', '.join(['%s'] * len(keys))})", keys,
        )
        references = cursor.fetchall()
    if not references:
        return {}
    ids = sorted({ticket_id for _key, ticket_id in references})
    tickets = {t.pk: t for t in rows.select(Ticket, f"{quote('id')} IN ({', '.join(['%s'] * len(ids))})", ids)}
    return {key: tickets[ticket_id] for key, ticket_id in references if ticket_id in tickets}


def _reference(message_id: str, ticket: Ticket) -> None:
    """Record a received Message-ID for `ticket`; one already known keeps its ticket (one statement)."""
    quote = connection.ops.quote_name
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {quote(MessageReference._meta.db_table)} ({quote('message_id')}, {quote('ticket_id')}, "
            f"{quote('direction')}, {quote('created_at')}) VALUES (%s, %s, %s, %s) ON CONFLICT DO NOTHING",
            [message_id[:500], ticket.pk, Direction.IN, connection.ops.adapt_datetimefield_value(timezone.now())],
        )


def _ticket_by_number(number: str) -> Ticket | None:
    prefix, _sep, digits = number.rpartition("-")
    candidates = {number, f"{prefix}-{int(digits):06d}"}
    return Ticket.objects.filter(number__in=candidates).first()


def _count_earlier(sender: str, since: datetime.datetime, until: datetime.datetime, pk: int) -> int:
    """Messages from `sender` stored in [since, until] before message `pk` (the rate limit's count).
    Written out: one index range (`inbound_sender_time`), once per message, without the ORM's
    query building, which cost more than the count itself."""
    quote = connection.ops.quote_name
    adapt = connection.ops.adapt_datetimefield_value
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT COUNT(*) FROM {quote(InboundMessage._meta.db_table)} WHERE {quote('sender')} = %s "
            f"AND {quote('received_at')} >= %s AND {quote('received_at')} <= %s AND {quote('id')} < %s",
            [sender, adapt(since), adapt(until), pk],
        )
        return int(cursor.fetchone()[0])


def _parse(raw: bytes) -> ParsedMessage:
    return parse_message(
        raw,
        max_attachment_bytes=settings.SERVICEDESK_ATTACHMENT_MAX_BYTES,
        max_attachments=_setting("SERVICEDESK_MAIL_MAX_ATTACHMENTS", 20),
    )


BODY_FILENAME = "message-body.txt"


def _fit(parsed: ParsedMessage, text: str, ticket: Ticket | None, max_chars: int) -> tuple[str, list[Attachment]]:
    """The text and files of a message as the desk's limits take them; mail is never refused for its size.
    A text over the limit is cut with a note and kept whole as a text file; files over the ticket's and
    message's caps are left out and listed in the dropped attachments' note (the raw message keeps them)."""
    attachments = list(parsed.attachments)
    if len(text) > max_chars:
        whole = text.encode("utf-8")
        note = "\n\n" + _("[This message is longer than %(limit)s characters: above is its beginning; the whole "
                           "text is attached as %(name)s.]") % {"limit": max_chars, "name": BODY_FILENAME}
        text = text[:max(0, max_chars - len(note))] + note
        if len(whole) <= settings.SERVICEDESK_ATTACHMENT_MAX_BYTES:
            attachments.insert(0, Attachment(BODY_FILENAME, "text/plain", whole))
        else:
            parsed.dropped.append(DroppedAttachment(BODY_FILENAME, "text/plain", len(whole), _(
                "larger than the limit of %(limit)s bytes") % {"limit": settings.SERVICEDESK_ATTACHMENT_MAX_BYTES}))
    # Counted before the ticket is locked: a file added meanwhile makes the action refuse the message,
    # which is then kept in quarantine for re-processing, whole.
    room = actions.attachment_room(ticket)
    if attachments[room:] and not attachments[:room] and not text.strip():
        # Files only, none of which fits: the message still becomes a reply, which says so.
        text = _("(This email's files were not added: the ticket cannot take more; see the internal note.)")
    for left_out in attachments[room:]:
        parsed.dropped.append(DroppedAttachment(left_out.filename, left_out.content_type, left_out.size, _(
            "over the limit of %(message)s files per message and %(ticket)s per ticket") % {
            "message": settings.SERVICEDESK_ATTACHMENTS_PER_MESSAGE,
            "ticket": settings.SERVICEDESK_ATTACHMENTS_PER_TICKET}))
    return text, attachments[:room]


class _Ingest:
    def __init__(self, message: InboundMessage, parsed: ParsedMessage, *, check_rate_limit: bool):
        self.message = message
        self.parsed = parsed
        self.check_rate_limit = check_rate_limit
        # Every mailbox (cached, see intake.refdata): the desk's own addresses, the message's and the
        # recipient's mailbox.
        self.mailboxes = mailboxes()
        self.own = own_addresses(self.mailboxes)
        if message.mailbox_id is not None:
            message.mailbox = next((m for m in self.mailboxes if m.pk == message.mailbox_id), None)

    def run(self) -> None:
        message = self.message
        parsed = self.parsed
        address = parsed.from_address.strip().lower()
        message.sender = address[:320]
        message.subject = parsed.subject[:500]
        if parsed.is_bounce:
            return self._finish(State.IGNORED, reason=_("Bounce or delivery report (%(detail)s); not answered.")
                                % {"detail": parsed.bounce_reason})
        if parsed.auto_reply:
            return self._finish(State.IGNORED, reason=_("Automatic reply (%(detail)s); not answered.")
                                % {"detail": parsed.auto_reply_reason})
        if not address or "@" not in address:
            raise Refused(_("The message has no sender address."))
        if address in self.own:
            return self._finish(State.IGNORED, reason=_("Sent from the desk's own address %(address)s.")
                                % {"address": address})
        if message.mailbox is None:
            message.mailbox = self._mailbox_by_recipient(parsed)
        if self.check_rate_limit:
            self._enforce_rate_limit(address)
        sender = self._sender(parsed, address)
        ticket = self._thread(parsed, sender)
        comment = None
        if ticket is None:
            text, attachments = _fit(parsed, parsed.body_for_ticket, None, settings.SERVICEDESK_DESCRIPTION_MAX_CHARS)
            ticket = actions.create_ticket(
                actor=sender, channel=Channel.EMAIL, title=parsed.subject or _("(no subject)"),
                description=text, desk=message.mailbox.desk if message.mailbox else None,
                attachments=[_upload(a) for a in attachments],
            )
            ticket = self._route(ticket)
        else:
            text, quoted = strip_quoted(parsed.body_for_ticket)
            message.quoted_text = quoted
            text, attachments = _fit(parsed, text, ticket, settings.SERVICEDESK_COMMENT_MAX_CHARS)
            comment = actions.add_comment(ticket, actor=sender, body=text, channel=Channel.EMAIL,
                                          attachments=[_upload(a) for a in attachments])
        self._note_dropped(ticket, parsed)
        self._add_watchers(ticket, parsed, sender)
        message_id = parsed.message_id or message.message_id
        if message_id:
            _reference(message_id, ticket)
        self._finish(State.DONE, ticket=ticket, comment=comment)

    def _finish(self, state: str, *, reason: str = "", ticket: Ticket | None = None, comment=None) -> None:
        message = self.message
        message.state = state
        message.reason = reason
        message.ticket = ticket
        message.comment = comment
        message.processed_at = timezone.now()
        rows.update(message, ["state", "reason", "ticket", "comment", "processed_at", "sender", "subject", "mailbox",
                              "quoted_text"])

    # --- who sent it --------------------------------------------------------------------------

    def _mailbox_by_recipient(self, parsed: ParsedMessage) -> Mailbox | None:
        recipients = {a.address.lower() for a in parsed.to + parsed.cc}
        for name in ("Delivered-To", "X-Original-To", "Envelope-To"):
            value = parsed.header(name)
            if value:
                recipients.add(email.utils.parseaddr(value)[1].lower())
        return next((m for m in self.mailboxes if m.is_active and m.address in recipients), None)

    def _enforce_rate_limit(self, address: str) -> None:
        limit = _setting("SERVICEDESK_MAIL_RATE_LIMIT", 20)
        minutes = _setting("SERVICEDESK_MAIL_RATE_WINDOW_MINUTES", 10)
        received = self.message.received_at
        earlier = _count_earlier(address, received - datetime.timedelta(minutes=minutes), received, self.message.pk)
        if earlier >= limit:
            raise Refused(
                _("Rate limit: more than %(limit)s messages from %(address)s within %(minutes)s minutes.")
                % {"limit": limit, "address": address, "minutes": minutes}
            )

    def _sender(self, parsed: ParsedMessage, address: str) -> User:
        users = _users_by_address(address)
        if len(users) > 1:
            raise Refused(_("Several users have the address %(address)s; the message cannot be attributed to one.")
                          % {"address": address})
        if users:
            if not users[0].is_active:
                raise Refused(_("The account with the address %(address)s is disabled.") % {"address": address})
            return users[0]
        mailbox = self.message.mailbox
        if mailbox is None:
            raise Refused(_("Unknown sender %(address)s, and the message reached no configured mailbox that "
                            "accepts unknown senders.") % {"address": address})
        if mailbox.unknown_senders != UnknownSenders.CREATE_CUSTOMER:
            raise Refused(_("Unknown sender %(address)s: this mailbox does not accept mail from unknown senders.")
                          % {"address": address})
        return account_actions.create_customer(name=parsed.from_name, email=address, language=mailbox.desk.language,
                                               actor=system_user(), channel=Channel.EMAIL)

    # --- which ticket -------------------------------------------------------------------------

    def _thread(self, parsed: ParsedMessage, sender: User) -> Ticket | None:
        """The ticket a reply belongs to: by a Message-ID it answers, else by the number in its subject.
        A ticket the sender may not see, or (for a customer) a closed one, is no target: the mail
        becomes a new ticket, so nobody writes into a stranger's ticket by quoting its number."""
        keys = thread_keys(parsed)
        if keys:
            found = _tickets_by_reference(keys)
            for key in keys:
                ticket = self._target(found.get(key), sender)
                if ticket is not None:
                    return ticket
        prefixes = accounts_refdata.desk_prefixes()
        number = find_ticket_reference(parsed.subject, prefixes)
        if number:
            return self._target(_ticket_by_number(number), sender)
        return None

    def _target(self, ticket: Ticket | None, sender: User) -> Ticket | None:
        for _hop in range(5):
            if ticket is None or ticket.merged_into_id is None:
                break
            ticket = ticket.merged_into
        if ticket is None or not permissions.can_see(sender, ticket):
            return None
        if ticket.status == Status.CLOSED and not sender.is_desk_staff:
            return None
        return ticket

    # --- after the ticket ---------------------------------------------------------------------

    def _route(self, ticket: Ticket) -> Ticket:
        mailbox = self.message.mailbox
        if mailbox is not None and mailbox.default_group_id and ticket.group_id is None:
            return actions.assign(ticket, actor=system_user(), group=mailbox.default_group, channel=Channel.EMAIL)
        return ticket

    def _note_dropped(self, ticket: Ticket, parsed: ParsedMessage) -> None:
        if not parsed.dropped:
            return
        lines = [_("These attachments of the email were not added to the ticket; the original message is kept "
                   "in the mail archive (inbound message #%(id)s):") % {"id": self.message.pk}]
        for dropped in parsed.dropped:
            lines.append(_("- %(name)s (%(type)s, %(size)s bytes): %(reason)s") % {
                "name": dropped.filename, "type": dropped.content_type, "size": dropped.size,
                "reason": dropped.reason,
            })
        actions.add_comment(ticket, actor=system_user(), body="\n".join(lines), internal=True, channel=Channel.EMAIL)

    def _add_watchers(self, ticket: Ticket, parsed: ParsedMessage, sender: User) -> None:
        mailbox = self.message.mailbox
        if mailbox is None or not mailbox.add_cc_as_watchers or not parsed.cc:
            return
        addresses = {a.address.lower() for a in parsed.cc} - self.own - {sender.email.lower()}
        if not addresses:
            return
        watching = set(ticket.watchers.values_list("pk", flat=True))
        system = system_user()
        # Another organisation's customer in Cc is not made a watcher: watchers get the ticket's replies.
        users = [
            user for user in User.objects.annotate(address=Lower("email")).filter(address__in=addresses, is_active=True)
            if user.pk not in watching and user.pk != ticket.requester_id
            and permissions.may_watch(system, ticket, user)
        ]
        if users:
            actions.set_watchers(ticket, actor=system, add=users, channel=Channel.EMAIL)
