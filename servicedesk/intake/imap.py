"""IMAP polling: take new mail from the desk's mailboxes and file it through the one ingester.

Per message, in this order: fetch it by UID without marking it read (BODY.PEEK), keep it
(`store_raw`, committed), file it (`process`, ticket committed), and only then mark it on the
server (\\Seen plus the desk's keyword, or moved to another folder). A crash anywhere leaves the
message unmarked on the server; the next poll fetches it again, `store_raw` recognises it by its
Message-ID (or bytes) and it is filed once.

One poller per mailbox at a time: a poll first claims the mailbox row with a conditional UPDATE
(works alike on SQLite and PostgreSQL) and holds the claim for a lease it renews per message, so a
poller that died frees the mailbox when its lease runs out.
"""

from __future__ import annotations

import base64
import datetime
import imaplib
import logging
import re
import ssl
import uuid
from dataclasses import dataclass, field

from django.conf import settings
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from . import oauth
from .ingest import hold_for_fault_test, process, store_raw
from .models import ImapAfter, ImapSecurity, Mailbox, Source, State

__all__ = ["FILED_KEYWORD", "FetchReport", "fetch_all", "fetch_mailbox"]

log = logging.getLogger(__name__)

# The IMAP keyword a filed message gets (besides \Seen), so a message a person already read in
# their mail client is still fetched, and a filed one is not fetched again.
FILED_KEYWORD = "$ServiceDeskFiled"
LEASE = datetime.timedelta(minutes=5)
TIMEOUT = 60


@dataclass
class FetchReport:
    mailbox: Mailbox
    skipped: bool = False  # another poller holds the mailbox
    fetched: int = 0
    new: int = 0  # stored by this poll (not already stored by an earlier one)
    states: dict[str, int] = field(default_factory=dict)
    left: int = 0  # left unmarked on the server, to be fetched again
    errors: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.errors


class _Unsupported(Exception):
    pass


def fetch_all(*, limit: int = 200) -> list[FetchReport]:
    """Poll every active mailbox that has an IMAP server."""
    mailboxes = Mailbox.objects.filter(is_active=True).exclude(imap_host="").select_related("desk")
    return [fetch_mailbox(mailbox, limit=limit) for mailbox in mailboxes]


def _max_message_bytes() -> int:
    return int(getattr(settings, "SERVICEDESK_MAIL_MAX_MESSAGE_BYTES", 50 * 1024 * 1024))


def _claim(mailbox: Mailbox, token: str) -> bool:
    now = timezone.now()
    free = Q(imap_claimed_until__isnull=True) | Q(imap_claimed_until__lt=now) | Q(imap_claimed_by=token)
    return bool(Mailbox.objects.filter(free, pk=mailbox.pk).update(imap_claimed_by=token,
                                                                   imap_claimed_until=now + LEASE))


def _release(mailbox: Mailbox, token: str, **status) -> None:
    Mailbox.objects.filter(pk=mailbox.pk, imap_claimed_by=token).update(imap_claimed_by="", imap_claimed_until=None,
                                                                        **status)


def fetch_mailbox(mailbox: Mailbox, *, limit: int = 200) -> FetchReport:
    """Fetch up to `limit` new messages of one mailbox; returns what happened (errors included)."""
    report = FetchReport(mailbox)
    token = uuid.uuid4().hex
    if not _claim(mailbox, token):
        report.skipped = True
        return report
    try:
        try:
            with _connect(mailbox) as imap:
                _Poll(imap, mailbox, report, token, limit).run()
        except (imaplib.IMAP4.error, OSError, _Unsupported, oauth.OAuthError) as error:
            report.errors.append(_("IMAP %(host)s: %(error)s") % {"host": mailbox.imap_host, "error": _text(error)})
    finally:
        _release(mailbox, token, imap_last_fetch_at=timezone.now(), imap_last_error="\n".join(report.errors)[:5000])
    for error in report.errors:
        log.warning("mailbox %s: %s", mailbox.address, error)
    return report


def _text(error: Exception) -> str:
    value = str(error)
    if value.startswith("b'") or value.startswith('b"'):
        value = value[2:-1]
    return value or type(error).__name__


def _connect(mailbox: Mailbox) -> imaplib.IMAP4:
    host, port = mailbox.imap_host.strip(), mailbox.imap_port_or_default
    context = ssl.create_default_context()
    if mailbox.imap_security == ImapSecurity.SSL:
        imap = imaplib.IMAP4_SSL(host, port, ssl_context=context, timeout=TIMEOUT)
    else:
        imap = imaplib.IMAP4(host, port, timeout=TIMEOUT)
        if mailbox.imap_security == ImapSecurity.STARTTLS:
            try:
                imap.starttls(ssl_context=context)
            except Exception:
                imap.shutdown()
                raise
    try:
        if mailbox.uses_oauth:
            _authenticate_xoauth2(imap, mailbox)
        else:
            imap.login(mailbox.imap_username, mailbox.imap_password)
    except Exception:
        imap.shutdown()
        raise
    return imap


def _authenticate_xoauth2(imap: imaplib.IMAP4, mailbox: Mailbox) -> None:
    try:
        imap.authenticate("XOAUTH2", oauth.XOAuth2(mailbox.imap_username, oauth.access_token(mailbox)))
    except imaplib.IMAP4.error:
        # Refused before its expiry (revoked, or the server's clock runs ahead): once more with a new token.
        imap.authenticate("XOAUTH2", oauth.XOAuth2(mailbox.imap_username, oauth.access_token(mailbox, renew=True)))



def encode_folder(name: str) -> str:
    """A folder name in IMAP's modified UTF-7 (RFC 3501 5.1.3): "已处理" → "&XfJZBHQG-"."""
    out, pending = [], []

    def flush():
        if pending:
            data = "".join(pending).encode("utf-16-be")
            out.append("&" + base64.b64encode(data).decode("ascii").rstrip("=").replace("/", ",") + "-")
            pending.clear()

    for char in name:
        if 0x20 <= ord(char) <= 0x7E:
            flush()
            out.append("&-" if char == "&" else char)
        else:
            pending.append(char)
    flush()
    return "".join(out)


def _quote(name: str) -> str:
    """A folder name as an IMAP quoted string (imaplib sends arguments as they are)."""
    encoded = encode_folder(name)
    return '"' + encoded.replace("\\", "\\\\").replace('"', '\\"') + '"'


def _check(response: tuple, what: str) -> list:
    kind, data = response
    if kind != "OK":
        detail = b" ".join(d for d in data if isinstance(d, bytes)).decode("utf-8", "replace")
        raise imaplib.IMAP4.error(f"{what}: {kind} {detail}".strip())
    return data


_SIZE = re.compile(rb"UID (\d+).*RFC822\.SIZE (\d+)|RFC822\.SIZE (\d+).*UID (\d+)")


class _Poll:
    def __init__(self, imap: imaplib.IMAP4, mailbox: Mailbox, report: FetchReport, token: str, limit: int):
        self.imap, self.mailbox, self.report, self.token, self.limit = imap, mailbox, report, token, limit
        self.move = mailbox.imap_after == ImapAfter.MOVE
        self.keyword = False
        self.expunge = False
        # The capabilities after login (the greeting's list lacks MOVE, UIDPLUS on many servers).
        data = _check(imap.capability(), _("Reading capabilities"))
        self.capabilities = set(b" ".join(d for d in data if d).decode("ascii", "replace").upper().split())

    def run(self) -> None:
        imap, mailbox = self.imap, self.mailbox
        folder = mailbox.imap_folder.strip() or "INBOX"
        _check(imap.select(_quote(folder)), _("Selecting folder %(folder)s") % {"folder": folder})
        flags = b" ".join(d for d in (imap.response("PERMANENTFLAGS")[1] or []) if d)
        self.keyword = b"\\*" in flags or FILED_KEYWORD.encode() in flags
        if self.move:
            self._ensure_folder(mailbox.imap_move_to.strip())
            criteria = ("UNDELETED",)
        elif self.keyword:
            criteria = ("UNDELETED", "UNKEYWORD", FILED_KEYWORD)
        else:
            criteria = ("UNDELETED", "UNSEEN")
        data = _check(imap.uid("SEARCH", *criteria), _("Searching for new mail"))
        uids = [int(u) for u in b" ".join(d for d in data if d).split()]
        uids.sort()
        uids = uids[: self.limit]
        if not uids:
            return
        sizes = self._sizes(uids)
        for uid in uids:
            if not _claim(mailbox, self.token):  # our lease ran out and another poller took over
                self.report.left += 1
                continue
            self._one(uid, sizes.get(uid, 0))
        if self.expunge:
            _check(imap.expunge(), _("Expunging moved messages"))

    def _sizes(self, uids: list[int]) -> dict[int, int]:
        data = _check(self.imap.uid("FETCH", ",".join(map(str, uids)), "(UID RFC822.SIZE)"), _("Reading sizes"))
        sizes = {}
        for item in data:
            line = item[0] if isinstance(item, tuple) else item
            match = _SIZE.search(line or b"")
            if match:
                uid, size = (match.group(1), match.group(2)) if match.group(1) else (match.group(4), match.group(3))
                sizes[int(uid)] = int(size)
        return sizes

    def _ensure_folder(self, name: str) -> None:
        kind, data = self.imap.list('""', _quote(name))
        if kind == "OK" and any(d for d in data if d):
            return
        _check(self.imap.create(_quote(name)), _("Creating folder %(folder)s") % {"folder": name})

    def _one(self, uid: int, size: int) -> None:
        report = self.report
        if size > _max_message_bytes():
            report.left += 1
            report.errors.append(_("Message UID %(uid)s is %(size)s bytes, over the limit of %(limit)s bytes; "
                                   "it is left on the server.") % {"uid": uid, "size": size,
                                                                   "limit": _max_message_bytes()})
            return
        data = _check(self.imap.uid("FETCH", str(uid), "(BODY.PEEK[])"), _("Fetching message UID %(uid)s")
                      % {"uid": uid})
        raw = next((item[1] for item in data if isinstance(item, tuple) and b"BODY[]" in item[0]), None)
        if raw is None:  # expunged by someone else meanwhile
            return
        report.fetched += 1
        message = store_raw(raw, Source.IMAP, self.mailbox, claim=True)
        report.new += message.stored_now
        if message.state == State.RECEIVED:
            try:
                message = process(message)
            except Exception as error:  # kept `received`; the sweeper or the next poll files it
                report.left += 1
                report.errors.append(_("Message UID %(uid)s is stored (#%(id)s) but processing failed: %(error)s")
                                     % {"uid": uid, "id": message.pk, "error": _text(error)})
                return
        if message.state == State.RECEIVED:  # another worker holds it right now
            report.left += 1
            return
        report.states[message.state] = report.states.get(message.state, 0) + 1
        hold_for_fault_test("before-mark", message.pk)
        self._mark(uid)

    def _mark(self, uid: int) -> None:
        imap = self.imap
        flags = f"(\\Seen {FILED_KEYWORD})" if self.keyword else "(\\Seen)"
        _check(imap.uid("STORE", str(uid), "+FLAGS.SILENT", flags), _("Flagging message UID %(uid)s") % {"uid": uid})
        if not self.move:
            return
        target = _quote(self.mailbox.imap_move_to.strip())
        if "MOVE" in self.capabilities:
            _check(imap.uid("MOVE", str(uid), target), _("Moving message UID %(uid)s") % {"uid": uid})
            return
        _check(imap.uid("COPY", str(uid), target), _("Copying message UID %(uid)s") % {"uid": uid})
        _check(imap.uid("STORE", str(uid), "+FLAGS.SILENT", "(\\Deleted)"),
               _("Deleting message UID %(uid)s") % {"uid": uid})
        if "UIDPLUS" in self.capabilities:
            _check(imap.uid("EXPUNGE", str(uid)), _("Expunging message UID %(uid)s") % {"uid": uid})
        else:
            self.expunge = True

