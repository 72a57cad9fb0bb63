"""Backup and restore of a whole desk: one archive, any engine (docs/backup.md).

The archive is a tar file: one gzipped JSON-lines member per model (`data/<app>.<model>.jsonl.gz`, one
JSON array per row, the model's concrete fields in the manifest's order), every stored file
(`files/<storage name>`), and `manifest.json` last, with each member's SHA-256, the row counts, the
versions and the applied migrations. Values are written engine-neutral (timestamps in ISO 8601 with
microseconds, bytes in base64, decimals and durations as text) and read back through each field's
own conversion, so an archive of SQLite restores into PostgreSQL and back.

Consistency: every model is read inside one snapshot (PostgreSQL: a REPEATABLE READ, READ ONLY
transaction; SQLite: one deferred read transaction, which WAL lets writers go on beside), so the
archive is the desk as it was at one instant while the desk keeps running.

Restore goes only into an empty, migrated installation of the same schema; it checks the manifest,
the migrations and every checksum before it changes anything, writes the files, then every row in
one transaction, resets PostgreSQL's sequences and, after the commit, lets the domains rebuild what
is derived and not archived (`restored` signal: the search index).
"""

from __future__ import annotations

import base64
import contextlib
import datetime
import decimal
import gzip
import hashlib
import io
import json
import os
import sys
import tarfile
import tempfile
import time
import uuid
from collections.abc import Callable, Iterator
from importlib import metadata

import django
from django.apps import apps
from django.contrib.auth import get_user_model
from django.core.files import File
from django.core.files.storage import default_storage
from django.core.management import call_command
from django.core.management.color import no_style
from django.db import DEFAULT_DB_ALIAS, connections, models, transaction
from django.db.migrations.recorder import MigrationRecorder
from django.dispatch import Signal
from django.utils import timezone
from django.utils.duration import duration_string
from django.utils.translation import gettext as _

from .downloads import open_stored

FORMAT = 1
MANIFEST = "manifest.json"
CHUNK_ROWS = 2000
INSERT_ROWS = 1000
COPY_BYTES = 1024 * 1024

# Sent after a restore committed, for the domains to rebuild what the archive does not hold.
# Receivers get `using` and `progress` (a Progress).
restored = Signal()

# Fields whose values the database driver takes as they come out of JSON: no conversion per value.
_PLAIN_TYPES = frozenset({
    "AutoField", "BigAutoField", "SmallAutoField", "IntegerField", "BigIntegerField", "SmallIntegerField",
    "PositiveIntegerField", "PositiveBigIntegerField", "PositiveSmallIntegerField", "CharField", "TextField",
    "BooleanField", "EmailField", "SlugField", "URLField", "ForeignKey", "OneToOneField", "FloatField",
})
# Fields whose JSON form is text the field's to_python reads back.
_PARSED_TYPES = frozenset({"DateTimeField", "DateField", "TimeField", "DecimalField", "UUIDField",
                           "DurationField", "BinaryField"})


class BackupError(Exception):
    """A backup or restore that cannot go on, with a message for the person running it."""


class Progress:
    """A progress bar on a terminal, plain lines otherwise (logs, cron mails); on stderr by default, so that
    stdout keeps only the result."""

    def __init__(self, stream=None, *, tty: bool | None = None):
        self.stream = stream if stream is not None else sys.stderr
        self.tty = self.stream.isatty() if tty is None else tty
        self.label, self.total, self.done, self.started = "", 0, 0, time.monotonic()

    def start(self, label: str, total: int) -> None:
        self.label, self.total, self.done, self.started = label, total, 0, time.monotonic()
        if self.tty:
            self._draw()

    def advance(self, count: int) -> None:
        self.done += count
        if self.tty:
            self._draw()

    def finish(self, unit: str = "rows") -> None:
        seconds = time.monotonic() - self.started
        rate = self.done / seconds if seconds > 0 else 0
        line = f"{self.label}: {self.done} {unit} in {seconds:.1f} s ({rate:,.0f} {unit}/s)"
        self.stream.write(("\r\x1b[K" + line if self.tty else line) + "\n")
        self.stream.flush()

    def note(self, line: str) -> None:
        self.stream.write(line + "\n")
        self.stream.flush()

    def _draw(self) -> None:
        share = self.done / self.total if self.total else 1.0
        bar = "#" * int(share * 30)
        self.stream.write(f"\r\x1b[K[{bar:<30}] {share:4.0%} {self.label} {self.done}/{self.total}")
        self.stream.flush()


def archived_models() -> list[type[models.Model]]:
    """Every model with a table of its own, many-to-many tables included, in a stable order."""
    found = [model for model in apps.get_models(include_auto_created=True)
             if model._meta.managed and not model._meta.proxy]
    return sorted(found, key=lambda model: model._meta.label_lower)


def _fields(model) -> list[models.Field]:
    return list(model._meta.concrete_fields)


def applied_migrations(using: str) -> dict[str, list[str]]:
    applied: dict[str, list[str]] = {}
    for app, name in MigrationRecorder(connections[using]).applied_migrations():
        applied.setdefault(app, []).append(name)
    return {app: sorted(names) for app, names in sorted(applied.items())}


def _encode(value):
    if isinstance(value, datetime.datetime | datetime.date | datetime.time):
        return value.isoformat()
    if isinstance(value, datetime.timedelta):
        return duration_string(value)
    if isinstance(value, decimal.Decimal | uuid.UUID):
        return str(value)
    if isinstance(value, bytes | bytearray | memoryview):
        return base64.b64encode(bytes(value)).decode("ascii")
    raise TypeError(f"Cannot archive a {type(value).__name__}")


class _Hashing(io.RawIOBase):
    """Passes bytes through to `target` (written or read), keeping their SHA-256 and count."""

    def __init__(self, target):
        self.target, self.digest, self.count = target, hashlib.sha256(), 0

    def writable(self):
        return True

    def readable(self):
        return True

    def write(self, data):
        self.digest.update(data)
        self.count += len(data)
        return self.target.write(data)

    def read(self, size=-1):
        data = self.target.read(size)
        self.digest.update(data)
        self.count += len(data)
        return data


@contextlib.contextmanager
def snapshot(using: str = DEFAULT_DB_ALIAS) -> Iterator[None]:
    """One read-only view of the whole database for the block, while writers go on."""
    connection = connections[using]
    if connection.in_atomic_block:
        raise BackupError(_("A backup cannot run inside another transaction."))
    if connection.vendor == "postgresql":
        with transaction.atomic(using=using), connection.cursor() as cursor:
            cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
            yield
        return
    # Django's own transactions on SQLite begin IMMEDIATE (the write lock): a deferred one only reads,
    # and in WAL mode it sees the database as of its first read until it ends.
    connection.ensure_connection()
    with connection.cursor() as cursor:
        cursor.execute("BEGIN DEFERRED")
        try:
            yield
        finally:
            cursor.execute("COMMIT")


def backup(path: str, *, using: str = DEFAULT_DB_ALIAS, storage=None, progress: Progress | None = None) -> dict:
    """Write the archive to `path` (through a temporary name: a failed backup leaves no half file)."""
    storage = storage or default_storage
    progress = progress or Progress()
    partial = f"{path}.partial"
    try:
        with tarfile.open(partial, "w", format=tarfile.PAX_FORMAT) as archive, snapshot(using):
            manifest = {"format": FORMAT, "created_at": timezone.now().isoformat(),
                        "desk_version": metadata.version("servicedesk"), "django_version": django.get_version(),
                        "engine": connections[using].vendor, "migrations": applied_migrations(using),
                        "models": {}, "files": {}, "missing_files": []}
            names = _dump_rows(archive, manifest, using, progress)
            _dump_files(archive, manifest, names, storage, progress)
            body = json.dumps(manifest, indent=1, ensure_ascii=False).encode()
            info = tarfile.TarInfo(MANIFEST)
            info.size, info.mtime = len(body), int(time.time())
            archive.addfile(info, io.BytesIO(body))
        os.replace(partial, path)
    finally:
        with contextlib.suppress(FileNotFoundError):
            os.remove(partial)
    return manifest


def _dump_rows(archive, manifest, using, progress) -> set[str]:
    """Every model's rows into the archive; returns the stored-file names the rows name."""
    counted = {model: model._default_manager.using(using).count() for model in archived_models()}
    progress.start(_("database"), sum(counted.values()))
    stored_names: set[str] = set()
    for model in counted:
        fields = _fields(model)
        file_columns = [i for i, f in enumerate(fields) if isinstance(f, models.FileField)]
        member = f"data/{model._meta.label_lower}.jsonl.gz"
        rows = 0
        with tempfile.TemporaryFile() as spool:
            hashing = _Hashing(spool)
            with gzip.GzipFile(fileobj=hashing, mode="wb", compresslevel=3, mtime=0) as out:
                queryset = model._base_manager.using(using).order_by("pk").values_list(*[f.attname for f in fields])
                for row in queryset.iterator(chunk_size=CHUNK_ROWS):
                    out.write(json.dumps(row, default=_encode, ensure_ascii=False, separators=(",", ":")).encode())
                    out.write(b"\n")
                    stored_names.update(row[i] for i in file_columns if row[i])
                    rows += 1
                    if rows % CHUNK_ROWS == 0:
                        progress.advance(CHUNK_ROWS)
            progress.advance(rows % CHUNK_ROWS)
            info = tarfile.TarInfo(member)
            info.size, info.mtime = hashing.count, int(time.time())
            spool.seek(0)
            archive.addfile(info, spool)
        manifest["models"][model._meta.label_lower] = {
            "member": member, "rows": rows, "fields": [f.attname for f in fields],
            "sha256": hashing.digest.hexdigest(), "bytes": hashing.count}
    progress.finish()
    return stored_names


def _dump_files(archive, manifest, names, storage, progress) -> None:
    progress.start(_("files"), len(names))
    for name in sorted(names):
        try:
            stream, size = open_stored(storage, name)
        except FileNotFoundError:
            # A file removed after its row was read (its removal is committed first, then the file goes).
            manifest["missing_files"].append(name)
            progress.advance(1)
            continue
        with contextlib.closing(stream):
            info = tarfile.TarInfo(f"files/{name}")
            info.size = size if size is not None else storage.size(name)
            info.mtime = int(time.time())
            hashing = _Hashing(stream)
            archive.addfile(info, hashing)
        manifest["files"][name] = {"member": info.name, "size": hashing.count, "sha256": hashing.digest.hexdigest()}
        progress.advance(1)
    progress.finish(unit="files")
    for name in manifest["missing_files"]:
        progress.note(_("Missing from the storage (left out): %(name)s") % {"name": name})


# ---------------------------------------------------------------------------------------------
# Restore


def read_manifest(archive: tarfile.TarFile) -> dict:
    try:
        manifest = json.load(archive.extractfile(MANIFEST))
    except (KeyError, ValueError, TypeError, tarfile.TarError):
        raise BackupError(_("This file is not a desk backup (no readable manifest).")) from None
    if manifest.get("format") != FORMAT:
        raise BackupError(_("This backup's format (%(format)s) is not one this version reads.")
                          % {"format": manifest.get("format")})
    return manifest


def check_schema(manifest: dict, using: str) -> None:
    """The archive's migrations must be exactly this installation's."""
    here = {(app, name) for app, names in applied_migrations(using).items() for name in names}
    there = {(app, name) for app, names in manifest["migrations"].items() for name in names}
    if there - here:
        newer = ", ".join(f"{app}.{name}" for app, name in sorted(there - here)[:5])
        raise BackupError(_("This backup comes from a newer version of the desk (migrations not applied here: "
                            "%(names)s). Upgrade this installation and migrate, then restore.") % {"names": newer})
    if here - there:
        older = ", ".join(f"{app}.{name}" for app, name in sorted(here - there)[:5])
        raise BackupError(_("This backup comes from an older version of the desk (migrations it lacks: %(names)s). "
                            "Restore it into an installation of its version, then upgrade.") % {"names": older})
    current = {model._meta.label_lower: [f.attname for f in _fields(model)] for model in archived_models()}
    for label, entry in manifest["models"].items():
        if current.get(label) != entry["fields"]:
            raise BackupError(_("The backup's table %(label)s does not match this installation's.") % {"label": label})


def verify(archive: tarfile.TarFile, manifest: dict, progress: Progress) -> None:
    """Every member's checksum, before anything is changed."""
    expected = [(entry["member"], entry["sha256"]) for entry in manifest["models"].values()]
    expected += [(entry["member"], entry["sha256"]) for entry in manifest["files"].values()]
    progress.start(_("checksums"), len(expected))
    for member, sha256 in expected:
        digest = hashlib.sha256()
        try:
            handle = archive.extractfile(member)
            while chunk := handle.read(COPY_BYTES):
                digest.update(chunk)
        except (KeyError, AttributeError, tarfile.TarError, OSError):
            raise BackupError(_("The backup is damaged: %(member)s is missing or unreadable.")
                              % {"member": member}) from None
        if digest.hexdigest() != sha256:
            raise BackupError(_("The backup is damaged: the checksum of %(member)s does not match.")
                              % {"member": member})
        progress.advance(1)
    progress.finish(unit="members")


def check_empty(using: str) -> None:
    """Only a freshly migrated desk takes a restore: no tickets and nobody who can sign in."""
    Ticket = apps.get_model("tickets", "Ticket")  # noqa: N806  (a model class)
    tickets = Ticket._base_manager.using(using).count()
    people = get_user_model()._base_manager.using(using).exclude(password__startswith="!").count()
    if tickets or people:
        raise BackupError(_("This desk is not empty (%(tickets)s tickets, %(people)s people who can sign in): "
                            "a backup is restored only into a new installation after `servicedesk migrate`.")
                          % {"tickets": tickets, "people": people})


def restore(path: str, *, using: str = DEFAULT_DB_ALIAS, storage=None, progress: Progress | None = None) -> dict:
    storage = storage or default_storage
    progress = progress or Progress()
    try:
        archive = tarfile.open(path, "r:")
    except (OSError, tarfile.TarError):
        raise BackupError(_("This file is not a desk backup (no readable manifest).")) from None
    with archive:
        manifest = read_manifest(archive)
        check_schema(manifest, using)
        verify(archive, manifest, progress)
        check_empty(using)
        _restore_files(archive, manifest, storage, progress)
        _restore_rows(archive, manifest, using, progress)
    from django.contrib.contenttypes.models import ContentType

    # Content types keep the archive's ids: this process's cache holds the installation's old ones.
    ContentType.objects.clear_cache()
    restored.send(sender=None, using=using, progress=progress)
    return manifest


def _restore_files(archive, manifest, storage, progress) -> None:
    progress.start(_("files"), len(manifest["files"]))
    for name, entry in manifest["files"].items():
        if storage.exists(name):  # left by an earlier, failed restore
            storage.delete(name)
        member = archive.getmember(entry["member"])
        content = File(archive.extractfile(member), name=name)
        content.size = member.size
        kept = storage.save(name, content)
        if kept != name:
            raise BackupError(_("The storage kept %(name)s under another name (%(kept)s).")
                              % {"name": name, "kept": kept})
        progress.advance(1)
    progress.finish(unit="files")


def _converter(field: models.Field, connection) -> Callable | None:
    kind = field.get_internal_type()
    if kind in _PLAIN_TYPES:
        return None
    if kind in _PARSED_TYPES:
        return lambda value: None if value is None else field.get_db_prep_save(field.to_python(value), connection)
    return lambda value: field.get_db_prep_save(value, connection)


def _restore_rows(archive, manifest, using, progress) -> None:
    connection = connections[using]
    quote = connection.ops.quote_name
    by_label = {model._meta.label_lower: model for model in archived_models()}
    progress.start(_("database"), sum(entry["rows"] for entry in manifest["models"].values()))
    with transaction.atomic(using=using):
        # What `migrate` seeded goes: the archive holds the desk's own copy of it, under its ids.
        call_command("flush", database=using, interactive=False, inhibit_post_migrate=True, verbosity=0)
        with connection.cursor() as cursor:
            for label, entry in manifest["models"].items():
                model = by_label[label]
                fields = {f.attname: f for f in _fields(model)}
                converters = [(i, c) for i, name in enumerate(entry["fields"])
                              if (c := _converter(fields[name], connection)) is not None]
                columns = ", ".join(quote(fields[name].column) for name in entry["fields"])
                sql = (f"INSERT INTO {quote(model._meta.db_table)} ({columns}) "
                       f"VALUES ({', '.join(['%s'] * len(entry['fields']))})")
                batch = []
                with gzip.GzipFile(fileobj=archive.extractfile(entry["member"])) as lines:
                    for line in lines:
                        row = json.loads(line)
                        for i, convert in converters:
                            row[i] = convert(row[i])
                        batch.append(row)
                        if len(batch) == INSERT_ROWS:
                            cursor.executemany(sql, batch)
                            progress.advance(len(batch))
                            batch = []
                if batch:
                    cursor.executemany(sql, batch)
                    progress.advance(len(batch))
            if connection.vendor == "postgresql":
                for statement in connection.ops.sequence_reset_sql(no_style(), list(by_label.values())):
                    cursor.execute(statement)
    progress.finish()
