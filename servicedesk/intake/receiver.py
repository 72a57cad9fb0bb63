"""The SMTP/LMTP receiver an MTA delivers to (aiosmtpd), feeding the one ingester.

A message is answered 250 only once `store_raw` has committed it: until then the MTA keeps it
and delivers again (a refused or dropped connection). It is filed after the answer, in a worker
thread; if that fails or the process dies, the message stays `received` and the sweeper files it.
RCPT TO must name an active mailbox (550 otherwise); SIZE is announced and enforced.

The database work runs in threads (Django's ORM is synchronous): one pool stores, one files.
"""

from __future__ import annotations

import asyncio
import logging
import signal
from concurrent.futures import ThreadPoolExecutor

from aiosmtpd.lmtp import LMTP
from aiosmtpd.smtp import SMTP
from django.conf import settings
from django.db import close_old_connections

from .ingest import hold_for_fault_test, process, store_raw
from .models import InboundMessage, Mailbox, Source, State

__all__ = ["Receiver", "parse_endpoint", "serve"]

log = logging.getLogger(__name__)


def max_message_bytes() -> int:
    return int(getattr(settings, "SERVICEDESK_MAIL_MAX_MESSAGE_BYTES", 50 * 1024 * 1024))


def parse_endpoint(value: str) -> tuple[str, int]:
    """"HOST:PORT" (IPv6 as "[::1]:PORT") → (host, port); raises ValueError."""
    host, sep, port = value.strip().rpartition(":")
    if not sep or not host or not port.isdigit() or not 0 < int(port) < 65536:
        raise ValueError(value)
    return host.strip("[]"), int(port)


def _in_thread(function, *args):
    close_old_connections()
    try:
        return function(*args)
    finally:
        close_old_connections()


def _active_mailbox(address: str) -> Mailbox | None:
    return Mailbox.objects.filter(address=address.strip().lower(), is_active=True).first()


class Receiver:
    """The aiosmtpd handler: the same for SMTP and LMTP."""

    def __init__(self, *, store_threads: int = 4, process_threads: int = 1):
        self.store_pool = ThreadPoolExecutor(store_threads, thread_name_prefix="mail-store")
        self.process_pool = ThreadPoolExecutor(process_threads, thread_name_prefix="mail-process")
        self.pending: set[asyncio.Future] = set()

    async def _run(self, pool, function, *args):
        return await asyncio.get_running_loop().run_in_executor(pool, _in_thread, function, *args)

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        try:
            mailbox = await self._run(self.store_pool, _active_mailbox, address)
        except Exception:
            log.exception("looking up the mailbox %s failed", address)
            return "451 4.3.0 Temporary failure, try again later"
        if mailbox is None:
            return "550 5.1.1 No such mailbox here"
        envelope.rcpt_tos.append(address)
        envelope.rcpt_options.append(rcpt_options)
        if not hasattr(envelope, "mailbox_pk"):
            envelope.mailbox_pk = mailbox.pk
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        answers = len(envelope.rcpt_tos) if isinstance(server, LMTP) else 1
        try:
            message = await self._run(self.store_pool, self._store, envelope.original_content, envelope.mailbox_pk)
        except Exception:
            log.exception("storing a message from %s failed", envelope.mail_from)
            return "\r\n".join(["451 4.3.0 The message could not be stored; try again later"] * answers)
        if message is not None:
            future = asyncio.ensure_future(self._run(self.process_pool, self._process, message))
            self.pending.add(future)
            future.add_done_callback(self.pending.discard)
        # LMTP answers once per accepted recipient; the message is stored once for all of them.
        return "\r\n".join(["250 2.0.0 OK: stored"] * answers)

    @staticmethod
    def _store(raw: bytes, mailbox_pk: int) -> InboundMessage | None:
        """The stored row, to be filed after the answer (it keeps its bytes), or None if filed before.
        Not claimed: the process may stop before it is filed, and attempts count filings started."""
        message = store_raw(raw, Source.SMTP, Mailbox.objects.get(pk=mailbox_pk))
        hold_for_fault_test("after-store", message.pk)
        return message if message.state == State.RECEIVED else None

    @staticmethod
    def _process(message: InboundMessage) -> None:
        try:
            process(message)
        except Exception:  # recorded on the message; the sweeper retries it
            log.exception("filing inbound message %s failed", message.pk)

    async def drain(self) -> None:
        if self.pending:
            await asyncio.gather(*self.pending, return_exceptions=True)

    def close(self) -> None:
        self.store_pool.shutdown(wait=True)
        self.process_pool.shutdown(wait=True)


async def serve(smtp: list[tuple[str, int]], lmtp: list[tuple[str, int]], *, hostname: str | None = None,
                max_size: int | None = None, ready=None) -> None:
    """Listen until SIGTERM/SIGINT, then stop accepting and finish what was accepted."""
    loop = asyncio.get_running_loop()
    receiver = Receiver()
    size = max_size if max_size is not None else max_message_bytes()
    options = {"data_size_limit": size, "enable_SMTPUTF8": True, "decode_data": False, "hostname": hostname}
    servers = []
    try:
        for (host, port), protocol in [(e, SMTP) for e in smtp] + [(e, LMTP) for e in lmtp]:
            servers.append(await loop.create_server(lambda p=protocol: p(receiver, **options), host, port))
        stop = asyncio.Event()
        for signum in (signal.SIGTERM, signal.SIGINT):
            loop.add_signal_handler(signum, stop.set)
        if ready is not None:
            ready()
        await stop.wait()
    finally:
        for server in servers:
            server.close()
            await server.wait_closed()
        await receiver.drain()
        receiver.close()
