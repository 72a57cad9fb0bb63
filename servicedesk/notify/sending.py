"""The outbox's sending: each planned notification (an ``OutboundMessage`` row, see
``notify.planning``) sent exactly once: a mail over SMTP, a chat message to its robot's webhook
(``notify.chat``, whose refusals — a 4xx other than 429, a bad address — are the permanent ones).

Sending claims the row (``queued`` → ``sending``, one UPDATE that only one worker can win), sends,
then marks it ``sent``; a second send of the same row finds nothing to claim. A failed send goes back
to ``queued`` with the reason and a next attempt after an exponential backoff (Celery's retry with a
broker; the periodic ``send_due`` sweep in every mode); a permanent refusal (SMTP 5xx) or too many
attempts leave it ``failed`` with the reason, listed in the admin, where it can be queued again.

A worker that dies between claiming and marking leaves the row ``sending``: nobody can know whether
the SMTP server took the message. After ``SERVICEDESK_NOTIFY_SENDING_TIMEOUT_MINUTES`` the sweep
queues it again, so it is sent at least once; should the first attempt have got through, the copy
carries the same Message-ID, which mail programs show as one message.
"""

from __future__ import annotations

import datetime
import email.utils
import logging
import smtplib
import time

from django.conf import settings
from django.core.mail import EmailMultiAlternatives, get_connection
from django.utils import timezone
from django.utils.translation import gettext as _

from servicedesk.core import outbox
from servicedesk.core.outbox import Outcome, backoff
from servicedesk.tickets.models import Ticket

from . import chat
from . import context as ctx
from .models import MessageChannel, OutboundMessage, State

log = logging.getLogger(__name__)

def from_address(ticket: Ticket | None) -> str:
    name = ctx.desk_name(ticket)
    address = email.utils.parseaddr(settings.DEFAULT_FROM_EMAIL)[1] or settings.DEFAULT_FROM_EMAIL
    return email.utils.formataddr((name, address))


def build_email(row: OutboundMessage, connection=None) -> EmailMultiAlternatives:
    headers = {"Message-ID": f"<{row.message_id}>"}
    if row.in_reply_to:
        headers["In-Reply-To"] = f"<{row.in_reply_to}>"
    if row.references:
        headers["References"] = " ".join(f"<{ref}>" for ref in row.references.split())
    if row.auto_submitted:
        headers["Auto-Submitted"] = "auto-generated"
        headers["X-Auto-Response-Suppress"] = "All"
    if row.ticket_id:
        headers["X-Servicedesk-Ticket"] = row.ticket.number
    message = EmailMultiAlternatives(
        subject=row.subject, body=row.body_text, from_email=from_address(row.ticket), to=[row.address],
        reply_to=[row.reply_to] if row.reply_to else None, headers=headers, connection=connection,
    )
    if row.body_html:
        message.attach_alternative(row.body_html, "text/html")
    return message


def is_permanent(error: Exception) -> bool:
    """A refusal that sending again will not change (SMTP 5xx for the recipient or the message; a chat app's
    refusal)."""
    if isinstance(error, chat.ChatError):
        return error.permanent
    if isinstance(error, smtplib.SMTPRecipientsRefused):
        return all(code >= 500 for code, _msg in error.recipients.values())
    if isinstance(error, smtplib.SMTPResponseException):
        return error.smtp_code >= 500
    return False


# In-process mode (no broker) sends right after the change, in the request or the mail ingester. When
# the mail server cannot be reached, further changes do not wait on it (up to EMAIL_TIMEOUT each):
# until the backoff has passed, their notifications stay queued for the periodic ``send_due``.
_unreachable_until = 0.0


def server_unreachable() -> bool:
    return time.monotonic() < _unreachable_until


def _unreachable(error: Exception) -> bool:
    """The mail server could not be reached or dropped the connection (not a refusal of this message)."""
    if isinstance(error, smtplib.SMTPConnectError | smtplib.SMTPServerDisconnected):
        return True
    return isinstance(error, OSError) and not isinstance(error, smtplib.SMTPException)


def send_row(pk: int, now: datetime.datetime | None = None) -> Outcome | None:
    """Claim, send and mark one row. None when there was nothing to claim (sent, being sent, not due)."""
    now = now or timezone.now()
    if not outbox.claim(OutboundMessage.objects.filter(pk=pk), now):
        return None
    row = OutboundMessage.objects.select_related("ticket", "ticket__desk", "robot").get(pk=pk)
    by_mail = row.channel != MessageChannel.CHAT
    try:
        if by_mail:
            with get_connection(fail_silently=False) as connection:
                build_email(row, connection).send()
        else:
            chat.send(row)
    except Exception as error:
        global _unreachable_until
        reason = f"{type(error).__name__}: {error}"[:2000]
        limit = int(getattr(settings, "SERVICEDESK_NOTIFY_MAX_ATTEMPTS", 8))
        if by_mail and _unreachable(error):  # a chat app out of reach says nothing of the mail server
            _unreachable_until = time.monotonic() + backoff(row.attempts)
        return outbox.failed(OutboundMessage.objects.filter(pk=pk, state=State.SENDING), now=now,
                             attempts=row.attempts, for_good=is_permanent(error) or row.attempts >= limit,
                             what=f"Notification {pk}", reason=reason, log=log, last_error=reason)
    if by_mail:
        _mark_reachable()
    OutboundMessage.objects.filter(pk=pk, state=State.SENDING).update(
        state=State.SENT, sent_at=timezone.now(), next_attempt_at=None)
    return Outcome(State.SENT)


def _mark_reachable() -> None:
    global _unreachable_until
    _unreachable_until = 0.0


def due_rows(now: datetime.datetime | None = None, limit: int = 200) -> list[int]:
    """Rows to send now: queued and due, and rows left ``sending`` by a worker that stopped (queued again)."""
    now = now or timezone.now()
    outbox.release_stale(
        OutboundMessage.objects.all(), now, int(getattr(settings, "SERVICEDESK_NOTIFY_SENDING_TIMEOUT_MINUTES", 15)),
        _("The sender stopped while sending (crash or restart); sending again with the same Message-ID."))
    return list(outbox.due(OutboundMessage.objects.all(), now).order_by("created_at", "id")
                .values_list("pk", flat=True)[:limit])


def requeue(rows) -> int:
    """Queue failed rows again (the administrators' "send again"). A notification that could not be
    written has nothing to send and stays failed."""
    return rows.filter(state=State.FAILED).exclude(body_text="").update(state=State.QUEUED, next_attempt_at=None,
                                                                       attempts=0)
