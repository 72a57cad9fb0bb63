"""`servicedesk backup` and `servicedesk restore`: round trips into a new SQLite and a new PostgreSQL
installation (whichever engine this run's database is, the source is it: the SQLite run covers
SQLite → SQLite and SQLite → PostgreSQL, the PostgreSQL run PostgreSQL → both), comparing every row
of every model and every stored file's checksum; the refusals; a backup beside a writer.

The PostgreSQL side is a database of its own: DATABASE_URL's database with `_backup` appended, or in the
SQLite run SD_BACKUP_PG_URL; it is dropped and made again (`migrate`) once per session.
"""

import gzip
import hashlib
import io
import json
import os
import subprocess
import sys
import tarfile
import threading
import time
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.db import connection

from servicedesk.accounts.models import User
from servicedesk.core import backup
from servicedesk.intake import ingest
from servicedesk.tickets import actions
from servicedesk.tickets.models import Attachment, Channel, Ticket

ROOT = Path(__file__).resolve().parents[2]
RAW_MAIL = ("From: 王芳 <wang.fang@example.com>\r\nTo: desk@example.com\r\nSubject: =?utf-8?b?5omT5Y2w5py6?=\r\n"
            "Message-ID: <backup-test@example.com>\r\n\r\n打印机卡纸 \x01\r\n").encode()


def pg_target_url() -> str | None:
    # The PostgreSQL run restores beside its own database; the SQLite run (which has none) into
    # SD_BACKUP_PG_URL's: `make test` runs the two at the same time, so they must not share one.
    url = os.environ.get("DATABASE_URL", "")
    if url.startswith(("postgres://", "postgresql://")):
        parts = urlsplit(url)
        return urlunsplit(parts._replace(path=parts.path + "_backup"))
    return os.environ.get("SD_BACKUP_PG_URL") or None


def desk_env(data_dir: Path, database_url: str | None) -> dict:
    env = {key: value for key, value in os.environ.items() if key != "DATABASE_URL"}
    env.update(SERVICEDESK_DATA_DIR=str(data_dir), SERVICEDESK_MEDIA_ROOT=str(data_dir / "media"),
               SERVICEDESK_FAST_HASHER="1", PYTHONPATH=str(ROOT))
    if database_url:
        env["DATABASE_URL"] = database_url
    return env


def servicedesk(env: dict, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "servicedesk", *args], env=env, cwd=ROOT,
                          capture_output=True, text=True, timeout=600)


class Installation:
    """A new installation being migrated in the background while the tests build their desk."""

    def __init__(self, data_dir: Path, database_url: str | None):
        self.env = desk_env(data_dir, database_url)
        self.process = subprocess.Popen([sys.executable, "-m", "servicedesk", "migrate", "--noinput", "-v0"],
                                        env=self.env, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                                        text=True)

    def ready(self) -> dict:
        output, _ = self.process.communicate(timeout=600)
        assert self.process.returncode == 0, output
        return self.env


@pytest.fixture(scope="session")
def new_sqlite_installation(tmp_path_factory):
    return Installation(tmp_path_factory.mktemp("restored-sqlite"), None)


@pytest.fixture(scope="session")
def new_postgres_installation(tmp_path_factory):
    url = pg_target_url()
    if url is None:
        if os.environ.get("SD_REQUIRE_SERVICES") == "1":
            pytest.fail("no PostgreSQL for the restore side (SD_BACKUP_PG_URL or DATABASE_URL)")
        pytest.skip("no PostgreSQL for the restore side (SD_BACKUP_PG_URL or DATABASE_URL)")
    import psycopg

    parts = urlsplit(url)
    name = parts.path.lstrip("/")
    with psycopg.connect(urlunsplit(parts._replace(path="/postgres")), autocommit=True) as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.execute(f'CREATE DATABASE "{name}"')
    return Installation(tmp_path_factory.mktemp("restored-postgres"), url)


@pytest.fixture
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


def build_desk() -> list[Attachment]:
    """The demo desk with its tickets, files on tickets and replies, and a mail kept as it came."""
    call_command("demo", stdout=io.StringIO())
    agent, customer = User.objects.get(username="agent1"), User.objects.get(username="customer1")
    ticket = actions.create_ticket(actor=customer, title="VPN 连不上", description="Error 809 自今早起",
                                   channel=Channel.PORTAL,
                                   attachments=[SimpleUploadedFile("截图 1.png", b"\x89PNG\x00\xff" * 500)])
    actions.add_comment(ticket, actor=agent, body="Which client version?",
                        attachments=[SimpleUploadedFile("guide.pdf", b"%PDF-1.7 guide")])
    actions.add_attachment(ticket, actor=agent, internal=True, upload=SimpleUploadedFile("notes.txt", b"internal"))
    ingest.store_raw(RAW_MAIL, "test")
    return list(Attachment.objects.all())


def rows_of(archive_path) -> dict[str, list]:
    """Every row of every model in an archive, as the values the fields had."""
    with tarfile.open(archive_path) as archive:
        manifest = json.load(archive.extractfile(backup.MANIFEST))
        return {label: [json.loads(line) for line in gzip.open(archive.extractfile(entry["member"]))]
                for label, entry in manifest["models"].items()}


def manifest_of(archive_path) -> dict:
    with tarfile.open(archive_path) as archive:
        return json.load(archive.extractfile(backup.MANIFEST))


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_round_trip_into_a_new_sqlite_and_a_new_postgresql_desk(media, tmp_path, new_sqlite_installation,
                                                                 new_postgres_installation):
    attachments = build_desk()
    archive = tmp_path / "desk.tar"
    manifest = backup.backup(str(archive), progress=backup.Progress(io.StringIO()))
    assert manifest["engine"] == connection.vendor
    assert manifest["models"]["tickets.ticket"]["rows"] == Ticket.objects.count() > 50
    assert manifest["models"]["intake.inboundmessage"]["rows"] == 1
    stored = {a.file.name: sha256(a.file.open("rb").read()) for a in attachments}
    assert {name: entry["sha256"] for name, entry in manifest["files"].items()} == stored
    source = rows_of(archive)
    # Every model of the desk is in the archive, with every row.
    assert set(source) == {m._meta.label_lower for m in backup.archived_models()}
    assert all(len(source[m._meta.label_lower]) == m._base_manager.count() for m in backup.archived_models())

    for installation in (new_sqlite_installation, new_postgres_installation):
        env = installation.ready()
        restored = servicedesk(env, "restore", str(archive))
        assert restored.returncode == 0, restored.stderr
        assert "search index:" in restored.stderr and "database:" in restored.stderr
        again = tmp_path / f"again-{env.get('DATABASE_URL', 'sqlite')[:8]}.tar"
        backed_up = servicedesk(env, "backup", str(again))
        assert backed_up.returncode == 0, backed_up.stderr
        target = rows_of(again)
        for label, rows in source.items():
            assert target[label] == rows, label
        assert {name: entry["sha256"] for name, entry in manifest_of(again)["files"].items()} == stored
        for name, digest in stored.items():
            assert sha256((Path(env["SERVICEDESK_MEDIA_ROOT"]) / name).read_bytes()) == digest
        # New rows after a restore get new ids (PostgreSQL's sequences were reset), and the search
        # index was rebuilt from the restored tickets.
        after = servicedesk(env, "shell", "-c", (
            "import json; from servicedesk.accounts.models import User; from servicedesk.tickets import actions; "
            "from servicedesk import search; from servicedesk.tickets.models import Ticket; "
            "t = actions.create_ticket(actor=User.objects.get(username='customer1'), title='After restore', "
            "channel='portal'); "
            "print(json.dumps({'id': t.pk, 'found': [x.title for x in search.search(Ticket.objects.all(), "
            "'VPN 连不上', page=False)]}))"))
        assert after.returncode == 0, after.stderr
        answer = json.loads(after.stdout.strip().splitlines()[-1])
        assert answer["id"] > max(Ticket.objects.values_list("pk", flat=True))
        assert answer["found"] == ["VPN 连不上"]


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_restore_refuses_a_full_desk_a_damaged_archive_and_a_newer_schema(media, tmp_path):
    build_desk()
    archive = tmp_path / "desk.tar"
    backup.backup(str(archive), progress=backup.Progress(io.StringIO()))
    quiet = backup.Progress(io.StringIO())

    with pytest.raises(backup.BackupError, match=r"This desk is not empty \(\d+ tickets, \d+ people who can sign in\)"):
        backup.restore(str(archive), progress=quiet)

    damaged = tmp_path / "damaged.tar"
    rewrite(archive, damaged, member="data/tickets.ticket.jsonl.gz",
            change=lambda data: gzip.compress(gzip.decompress(data).replace(b"VPN", b"XYZ", 1)))
    with pytest.raises(backup.BackupError, match="checksum of data/tickets.ticket.jsonl.gz does not match"):
        backup.restore(str(damaged), progress=quiet)

    newer = tmp_path / "newer.tar"

    def add_migration(data):
        manifest = json.loads(data)
        manifest["migrations"]["tickets"].append("9999_from_the_future")
        return json.dumps(manifest).encode()

    rewrite(archive, newer, member=backup.MANIFEST, change=add_migration)
    with pytest.raises(backup.BackupError, match="newer version of the desk .*tickets.9999_from_the_future"):
        backup.restore(str(newer), progress=quiet)

    not_an_archive = tmp_path / "notes.txt"
    not_an_archive.write_text("hello")
    with pytest.raises(backup.BackupError, match="not a desk backup"):
        backup.restore(str(not_an_archive), progress=quiet)
    # Nothing was changed by the refusals.
    assert Ticket.objects.filter(title="VPN 连不上").count() == 1


def rewrite(source: Path, target: Path, *, member: str, change) -> None:
    with tarfile.open(source) as old, tarfile.open(target, "w") as new:
        for info in old.getmembers():
            data = old.extractfile(info).read()
            if info.name == member:
                data = change(data)
            info.size = len(data)
            new.addfile(info, io.BytesIO(data))


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_backup_beside_a_writer_is_one_instant_of_the_desk(media, tmp_path):
    if connection.vendor == "sqlite" and connection.is_in_memory_db():
        pytest.skip("an in-memory SQLite test database locks whole tables between threads; "
                    "run with SERVICEDESK_TEST_ON_DISK=1 or on PostgreSQL")
    call_command("demo", no_tickets=True, stdout=io.StringIO())
    customer = User.objects.get(username="customer1")
    stop, created = threading.Event(), []

    def write():
        from django.db import connection as own

        try:
            while not stop.is_set():
                created.append(actions.create_ticket(actor=customer, title=f"Writer {len(created)}",
                                                     channel=Channel.PORTAL).pk)
        finally:
            own.close()

    writer = threading.Thread(target=write)
    writer.start()
    try:
        while len(created) < 5:
            time.sleep(0.01)
        archive = tmp_path / "live.tar"
        backup.backup(str(archive), progress=backup.Progress(io.StringIO()))
        during = len(created)
        time.sleep(0.2)
    finally:
        stop.set()
        writer.join()
    assert len(created) > during  # the writer went on while the backup ran
    rows = rows_of(archive)
    manifest = manifest_of(archive)
    fields = {label: entry["fields"] for label, entry in manifest["models"].items()}

    def column(label, name):
        return [row[fields[label].index(name)] for row in rows[label]]

    ticket_ids = set(column("tickets.ticket", "id"))
    assert 5 <= len(ticket_ids) < len(created)
    # Read before the tickets, the desk's counter still matches them; each ticket's first history
    # row, read after them, is there, and no other.
    [next_number] = column("accounts.desk", "next_number")
    assert next_number == len(ticket_ids) + 1
    history = {ticket for ticket, event in zip(column("tickets.historyentry", "ticket_id"),
                                               column("tickets.historyentry", "event"), strict=True)
               if event == "created"}
    assert history == ticket_ids


def test_progress_is_a_bar_on_a_terminal_and_lines_otherwise():
    plain, terminal = io.StringIO(), io.StringIO()
    for stream, tty in ((plain, False), (terminal, True)):
        progress = backup.Progress(stream, tty=tty)
        progress.start("database", 4)
        progress.advance(2)
        progress.advance(2)
        progress.finish()
    assert plain.getvalue().startswith("database: 4 rows in ") and plain.getvalue().count("\n") == 1
    assert "\r\x1b[K[###############               ]  50% database 2/4" in terminal.getvalue()
