"""The cluster the cluster tests run against, all started here on loopback: a PostgreSQL cluster of its own
(initdb in a temporary folder, so a test may restart it), Redis, three gunicorn processes, two Celery workers
and beat, the SMTP/LMTP mail receiver, an SMTP sink for the desk's outgoing mail, and the attachment folder
on a small filesystem of its own (tmpfs) that the disk-full phase fills."""

import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pytest

from tests.services import RedisServer, free_port, require_program, wait_for_port

from . import sink

ROOT = Path(__file__).resolve().parents[2]
PG_BIN = Path(max(Path("/usr/lib/postgresql").glob("*/bin"), default=Path("/nonexistent"),
                  key=lambda p: int(p.parent.name)))
WEB_PROCESSES = 3
# The attachment folder's filesystem: room for the load's uploads, then filled on purpose.
MEDIA_BYTES = 24 * 1024 * 1024


def _as_postgres(args: list[str]) -> list[str]:
    """PostgreSQL refuses to run as root (CI runs as root): its programs then run as the postgres user."""
    return ["runuser", "-u", "postgres", "--", *args] if os.geteuid() == 0 else args


class PostgresCluster:
    """A throwaway PostgreSQL cluster on a free port: the shared server is never restarted."""

    def __init__(self):
        if not (PG_BIN / "initdb").exists():
            require_program("initdb")
        self.folder = Path(tempfile.mkdtemp(prefix="sd-cluster-pg-"))
        self.data = self.folder / "data"
        self.port = free_port()
        if os.geteuid() == 0:
            shutil.chown(self.folder, "postgres")
        subprocess.run(_as_postgres([str(PG_BIN / "initdb"), "-D", str(self.data), "-A", "trust", "-U",
                                     "servicedesk", "-E", "UTF8", "--locale=C.UTF-8"]),
                       check=True, capture_output=True)
        self.url = f"postgres://servicedesk:servicedesk@127.0.0.1:{self.port}/desk"

    def _ctl(self, *args: str) -> None:
        subprocess.run(_as_postgres([str(PG_BIN / "pg_ctl"), "-D", str(self.data), *args]), check=True,
                       capture_output=True, timeout=60)

    def start(self) -> None:
        self._ctl("-l", str(self.folder / "log"), "-w", "start", "-o",
                  f"-p {self.port} -k {self.folder} -c listen_addresses=127.0.0.1 -c fsync=off "
                  "-c max_connections=200 -c synchronous_commit=off")

    def stop(self) -> None:
        self._ctl("-m", "fast", "-w", "stop")

    def create_database(self) -> None:
        subprocess.run([str(PG_BIN / "createdb"), "-h", "127.0.0.1", "-p", str(self.port), "-U", "servicedesk",
                        "desk"], check=True, capture_output=True)

    def close(self) -> None:
        try:
            self.stop()
        except subprocess.SubprocessError:
            pass
        shutil.rmtree(self.folder, ignore_errors=True)


class Cluster:
    def __init__(self, folder: Path, pg: PostgresCluster, redis: RedisServer, media: Path):
        self.folder = folder
        self.pg = pg
        self.redis = redis
        self.media = media
        self.web_ports = [free_port() for _ in range(WEB_PROCESSES)]
        self.sink_port = free_port()
        self.sink_folder = folder / "sink"
        self.mail_port = free_port()
        self.procs: dict[str, subprocess.Popen] = {}
        self.env = {
            **os.environ, "PYTHONPATH": str(ROOT), "DJANGO_SETTINGS_MODULE": "servicedesk.settings",
            "DATABASE_URL": pg.url, "SERVICEDESK_BROKER_URL": redis.url,
            "SERVICEDESK_CACHE_URL": redis.url.replace("/0", "/1"),
            "SERVICEDESK_SMTP_HOST": "127.0.0.1", "SERVICEDESK_SMTP_PORT": str(self.sink_port),
            "SERVICEDESK_DATA_DIR": str(folder / "data"), "SERVICEDESK_MEDIA_ROOT": str(media),
            "SERVICEDESK_SECRET_KEY": "cluster-test", "SERVICEDESK_SECURE_COOKIES": "0",
            "SERVICEDESK_FAST_HASHER": "1",
            # The load is a few people sending far more than anyone would: the abuse limits stay out of it.
            "SERVICEDESK_PORTAL_SUBMITS_PER_MINUTE": "100000", "SERVICEDESK_PORTAL_SUBMITS_PER_HOUR": "100000",
            "SERVICEDESK_MAIL_RATE_LIMIT": "100000",
            # A notification left "sending" by a killed worker is sent again after a minute, not fifteen.
            "SERVICEDESK_NOTIFY_SENDING_TIMEOUT_MINUTES": "1",
        }
        self.env.pop("SERVICEDESK_SLA_INLINE", None)

    def manage(self, *args: str) -> str:
        return subprocess.run([sys.executable, "-m", "servicedesk", *args], cwd=ROOT, env=self.env, check=True,
                              capture_output=True, text=True, timeout=300).stdout

    def look(self, what: str) -> dict:
        out = subprocess.run([sys.executable, "-m", "tests.cluster.desk", what], cwd=ROOT, env=self.env,
                             capture_output=True, text=True, timeout=300)
        if out.returncode:
            raise RuntimeError(out.stderr[-3000:])
        return json.loads(out.stdout.splitlines()[-1])

    def spawn(self, name: str, args: list[str]) -> subprocess.Popen:
        log = open(self.folder / f"{name}.log", "a")
        proc = subprocess.Popen(args, cwd=ROOT, env=self.env, stdout=log, stderr=subprocess.STDOUT,
                                start_new_session=True)
        self.procs[name] = proc
        return proc

    def start_sink(self) -> None:
        self.sink_folder.mkdir()
        self.spawn("sink", [sys.executable, "-m", "tests.cluster.sink", str(self.sink_port), str(self.sink_folder)])
        wait_for_port(self.sink_port)

    def sink_delay(self, seconds: float) -> None:
        (self.sink_folder / "delay").write_text(str(seconds))

    def message_ids(self) -> list[str]:
        return sink.message_ids(self.sink_folder)

    def start_web(self) -> None:
        for n, port in enumerate(self.web_ports, 1):
            self.spawn(f"web{n}", [sys.executable, "-m", "gunicorn", "servicedesk.wsgi", "-w", "2", "-b",
                                   f"127.0.0.1:{port}", "--timeout", "60", "--graceful-timeout", "5"])
        self.spawn("mail", [sys.executable, "-m", "servicedesk", "mail-receiver", "--smtp",
                            f"127.0.0.1:{self.mail_port}"])
        for port in [*self.web_ports, self.mail_port]:
            wait_for_port(port, timeout=60)

    def start_worker(self, n: int) -> None:
        self.spawn(f"worker{n}", [sys.executable, "-m", "celery", "-A", "servicedesk.celery_app", "worker",
                                  "--pool=solo", f"--hostname=cluster{n}@%h", "--without-gossip",
                                  "--without-mingle", "--loglevel=WARNING"])

    def start_background(self) -> None:
        for n in (1, 2):
            self.start_worker(n)
        self.spawn("beat", [sys.executable, "-m", "celery", "-A", "servicedesk.celery_app", "beat",
                            "-s", str(self.folder / "beat-schedule"), "--loglevel=WARNING"])
        from celery import Celery

        app = Celery("sd-cluster-probe", broker=self.redis.url, set_as_current=False)
        deadline = time.monotonic() + 90
        while len(app.control.ping(timeout=1) or []) < 2:
            if time.monotonic() > deadline:
                raise RuntimeError("the Celery workers did not start:\n" + self.logs("worker1", "worker2"))
            time.sleep(0.5)

    def send_task(self, name: str) -> None:
        from celery import Celery

        Celery("sd-cluster-sender", broker=self.redis.url, set_as_current=False).send_task(name)

    def kill(self, name: str) -> None:
        """kill -9: the process gets no chance to finish anything."""
        proc = self.procs.pop(name)
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait()

    def logs(self, *names: str) -> str:
        return "\n".join(f"--- {n}\n" + (self.folder / f"{n}.log").read_text()[-3000:] for n in names)

    def stop(self) -> None:
        for proc in self.procs.values():
            if proc.poll() is None:
                os.killpg(proc.pid, signal.SIGTERM)
        for proc in self.procs.values():
            try:
                proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)
                proc.wait()


def _small_filesystem(path: Path) -> bool:
    """A tmpfs of MEDIA_BYTES at path: a real filesystem that answers ENOSPC when full. Needs root."""
    path.mkdir(parents=True)
    done = subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={MEDIA_BYTES}", "tmpfs", str(path)],
                          capture_output=True)
    return done.returncode == 0


@pytest.fixture(scope="module")
def cluster():
    """The whole cluster, set up with the demo desk; yields (Cluster, the setup's JSON)."""
    require_program("redis-server")
    require_program("runuser" if os.geteuid() == 0 else "true")
    folder = Path(tempfile.mkdtemp(prefix="sd-cluster-"))
    media = folder / "media"
    mounted = _small_filesystem(media)
    if not mounted and os.environ.get("SD_REQUIRE_SERVICES") == "1":
        pytest.fail("cannot mount a tmpfs for the attachment folder (the disk-full phase needs root)")
    pg = PostgresCluster()
    redis = RedisServer()
    machine = None
    try:
        pg.start()
        pg.create_database()
        redis.start()
        machine = Cluster(folder, pg, redis, media)
        machine.start_sink()
        machine.disk_full_possible = mounted
        machine.manage("migrate", "--noinput", "-v0")
        info = machine.look("setup")
        machine.start_web()
        machine.start_background()
        yield machine, info
    finally:
        if machine:
            machine.stop()
        redis.close()
        pg.close()
        if mounted:
            subprocess.run(["umount", str(media)], capture_output=True)
        # SD_CLUSTER_KEEP=1 keeps the processes' logs for reading after a failure.
        if os.environ.get("SD_CLUSTER_KEEP") == "1":
            print(f"\nthe cluster's logs: {folder}")
        else:
            shutil.rmtree(folder, ignore_errors=True)
