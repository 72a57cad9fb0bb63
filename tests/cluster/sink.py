"""The SMTP sink of the cluster test, in a process of its own (the test process runs the load's 20 clients):
`python -m tests.cluster.sink PORT FOLDER` keeps each message it takes as one file in FOLDER. A file named
`delay` in FOLDER holds the seconds it waits before it answers DATA (a batch then lasts long enough for a
worker to be killed in its middle)."""

import asyncio
import sys
import threading
import uuid
from email import message_from_bytes, policy
from pathlib import Path

from aiosmtpd.controller import Controller


class FolderSink:
    def __init__(self, folder: Path):
        self.folder = folder

    async def handle_DATA(self, server, session, envelope):  # aiosmtpd handler hook
        delay = self.folder / "delay"
        if delay.exists():
            await asyncio.sleep(float(delay.read_text() or 0))
        name = uuid.uuid4().hex
        (self.folder / f"{name}.tmp").write_bytes(envelope.original_content or envelope.content)
        (self.folder / f"{name}.tmp").rename(self.folder / f"{name}.eml")  # whole files only for the reader
        return "250 OK"


def message_ids(folder: Path) -> list[str]:
    """The Message-ID of each message taken, as the desk stores it (no angle brackets)."""
    return [message_from_bytes(path.read_bytes(), policy=policy.default)["Message-ID"].strip("<>")
            for path in folder.glob("*.eml")]


if __name__ == "__main__":
    port, folder = int(sys.argv[1]), Path(sys.argv[2])
    # A name of its own: aiosmtpd would otherwise look its host's name up for every connection.
    controller = Controller(FolderSink(folder), hostname="127.0.0.1", port=port, server_hostname="sink.cluster.test")
    controller.start()
    threading.Event().wait()
