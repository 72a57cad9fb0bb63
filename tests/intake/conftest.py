"""Fixtures for the mail intake: media in a temporary folder, the test database shared with
subprocesses (the receiver, the pipe, fetch-mail run as real processes), and a private dovecot."""

import grp
import imaplib
import itertools
import os
import pwd
import shutil
import signal
import sqlite3
import subprocess
import tempfile
import time
from pathlib import Path
from urllib.parse import quote

import pytest

from tests.services import free_port, require_program, wait_for_port

from .mailtools import ROOT


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture(autouse=True)
def english():
    """Reasons and reports in English whatever language an earlier request left active in this thread."""
    from django.utils import translation

    with translation.override("en"):
        yield


# --- the test database, for subprocesses ------------------------------------------------------


@pytest.fixture
def shared_database(transactional_db, settings, tmp_path):
    """The test database as other processes reach it; yields the environment to run them with.

    PostgreSQL: the test database by name. SQLite: the test database (in memory by default) is
    copied into a file and this process's connection moves to that file for the test, so the test
    and its subprocesses see one database; afterwards the connection goes back.
    """
    from django.db import connection

    data_dir = tmp_path / "data"
    data_dir.mkdir()
    env = {key: value for key, value in os.environ.items() if not key.startswith("SERVICEDESK_TEST_HOLD")}
    env.update(SERVICEDESK_DATA_DIR=str(data_dir), SERVICEDESK_MEDIA_ROOT=str(settings.MEDIA_ROOT),
               SERVICEDESK_SECRET_KEY="intake-tests", PYTHONPATH=str(ROOT), SERVICEDESK_LOG_LEVEL="ERROR")
    if connection.vendor == "postgresql":
        db = connection.settings_dict
        env["DATABASE_URL"] = (f"postgres://{quote(db['USER'] or '')}:{quote(db['PASSWORD'] or '')}@"
                               f"{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{quote(db['NAME'])}")
        yield env
        return
    env.pop("DATABASE_URL", None)
    path = data_dir / "servicedesk.sqlite3"
    connection.ensure_connection()
    original = connection.connection
    with sqlite3.connect(path) as target:
        original.backup(target)
    target.close()
    in_memory = connection.is_in_memory_db()
    name = connection.settings_dict["NAME"]
    if in_memory:
        connection.connection = None  # kept open below: closing it would drop the in-memory database
    else:
        connection.close()
    connection.settings_dict["NAME"] = str(path)
    try:
        yield env
    finally:
        connection.close()
        connection.settings_dict["NAME"] = name
        if in_memory:
            connection.connection = original


# --- a private dovecot -------------------------------------------------------------------------


class Dovecot:
    """A dovecot of the test's own on 127.0.0.1 (plain IMAP, no TLS), maildirs in a temporary folder."""

    password = "intake-secret"

    def __init__(self, program: str):
        self.folder = Path(tempfile.mkdtemp(prefix="sd-intake-dovecot-"))
        self.folder.chmod(0o755)
        self.port = free_port()
        self.passwd = self.folder / "passwd"
        # Every account up front: dovecot's passwd-file reload cannot see a line added within the same second.
        self.accounts = [f"desk{n}@example.com" for n in range(1, 101)]
        self.passwd.write_text("".join(f"{name}:{{PLAIN}}{self.password}\n" for name in self.accounts))
        self.passwd.chmod(0o644)
        mail = self.folder / "mail"
        mail.mkdir()
        if os.getuid() == 0:  # dovecot refuses root as the mail user
            user, group, login, internal = "mail", "mail", "dovenull", "dovecot"
            os.chown(mail, pwd.getpwnam("mail").pw_uid, grp.getgrnam("mail").gr_gid)
        else:
            user = login = internal = pwd.getpwuid(os.getuid()).pw_name
            group = grp.getgrgid(os.getgid()).gr_name
        self.config = self.folder / "dovecot.conf"
        self.log = self.folder / "dovecot.log"
        self.config.write_text(f"""
base_dir = {self.folder}/run
state_dir = {self.folder}/state
log_path = {self.log}
listen = 127.0.0.1
protocols = imap
ssl = no
disable_plaintext_auth = no
{self.auth_config()}
mail_location = maildir:{mail}/%u
first_valid_uid = 1
first_valid_gid = 1
default_login_user = {login}
default_internal_user = {internal}
service imap-login {{
  chroot =
  inet_listener imap {{
    address = 127.0.0.1
    port = {self.port}
  }}
}}
service anvil {{
  chroot =
}}
userdb {{
  driver = static
  args = uid={user} gid={group} home={mail}/%u
}}
""")
        (self.folder / "state").mkdir()
        self.program = program
        self._users = itertools.count()

    def auth_config(self) -> str:
        return f"""auth_mechanisms = plain login
passdb {{
  driver = passwd-file
  args = scheme=PLAIN username_format=%u {self.passwd}
}}"""

    def start(self):
        # dovecot forks into the background: its output goes to a file, not to a pipe we would wait on.
        with (self.folder / "startup.log").open("w") as output:
            code = subprocess.call([self.program, "-c", str(self.config)], stdout=output, stderr=output,
                                   stdin=subprocess.DEVNULL, timeout=30)
        if code != 0:
            raise RuntimeError(f"dovecot did not start: {(self.folder / 'startup.log').read_text()}{self.read_log()}")
        wait_for_port(self.port)

    def stop(self):
        pid_file = self.folder / "run" / "master.pid"
        if pid_file.exists():
            pid = int(pid_file.read_text().split()[0])
            os.kill(pid, signal.SIGTERM)
            deadline = time.monotonic() + 10
            while time.monotonic() < deadline:
                try:
                    os.kill(pid, 0)
                except ProcessLookupError:
                    break
                time.sleep(0.05)
        shutil.rmtree(self.folder, ignore_errors=True)

    def read_log(self) -> str:
        return self.log.read_text() if self.log.exists() else ""

    def new_account(self) -> str:
        """A fresh, empty mailbox account."""
        return self.accounts[next(self._users)]

    def connect(self, username: str) -> imaplib.IMAP4:
        imap = imaplib.IMAP4("127.0.0.1", self.port, timeout=30)
        imap.login(username, self.password)
        return imap


@pytest.fixture(scope="session")
def dovecot():
    server = Dovecot(require_program("dovecot"))
    try:
        server.start()
        yield server
    finally:
        server.stop()
