"""The HTTP benchmark: the API's ticket paths at growing sizes, through gunicorn, as an agent.

    DATABASE_URL=postgresql://servicedesk:servicedesk@127.0.0.1:5433/servicedesk \\
        .venv/bin/python -m bench.run --sizes 10000,1000000
    .venv/bin/python -m bench.run --sqlite --sizes 10000,100000

For each size: (re)create a dedicated database (PostgreSQL: `servicedesk_bench` on DATABASE_URL's
server, dropped and created through the `postgres` database, never the one DATABASE_URL names;
SQLite: a file under bench/results/), migrate, load the demo people (`demo --no-tickets`), generate
N tickets (`bench.generate`), start `gunicorn servicedesk.wsgi -w 2` on a free loopback port and
measure, as agent1 with a bearer token:

- creates/s: POST /api/v1/tickets, --creates requests from --clients concurrent clients;
- queue first page: GET /api/v1/tickets?status=open&group=<agent1's 1st-line group>&limit=50;
- deep page: that queue followed by next_cursor --deep-pages pages deep (400 × 50 = row 20,000,
  or the last page when the queue is shorter), then that cursor fetched repeatedly;
- detail: GET /api/v1/tickets/{id} for random tickets agent1 may see;
- console queue page: agent1 signs in through /login/ (CSRF token from the form, session cookie kept)
  and opens /console/queues/groups/ (the open tickets of agent1's groups, first page); the deep
  console page follows the page's `rel="next"` link (`?after=<cursor>`) --deep-pages pages deep,
  then that URL is fetched repeatedly;
- console ticket page: /console/tickets/<number>/ for the same random visible tickets;
- console sidebar counts: /console/queue-counts/, the bounded count of each of agent1's queues, which
  the page fetches after it has shown (HTMX) and every minute.

Latencies are measured by one sequential client (warm-up first, --samples each): on this 2-core
machine the client shares the CPU with gunicorn and PostgreSQL, so concurrent latency would be
mostly queueing. Creates are concurrent, to measure throughput. Results go to stdout (markdown)
and bench/results/ (markdown + JSON).
"""

from __future__ import annotations

import argparse
import datetime
import html
import json
import os
import random
import re
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
from http.cookies import SimpleCookie
from pathlib import Path
from urllib.parse import urljoin, urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "bench" / "results"
PYTHON = sys.executable
GUNICORN = str(Path(PYTHON).with_name("gunicorn"))
PROTECTED = {"servicedesk", "postgres", "template0", "template1"}


def log(message: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


# ---------------------------------------------------------------------------------------------
# The database under test


def bench_url(server_url: str, name: str) -> str:
    parts = urlsplit(server_url)
    return urlunsplit(parts._replace(path=f"/{name}"))


def recreate_postgres(server_url: str, name: str) -> None:
    import psycopg

    if name in PROTECTED or name.startswith("test_"):
        raise SystemExit(f"Refusing to drop database {name!r}; pick a dedicated name with --db.")
    with psycopg.connect(bench_url(server_url, "postgres"), autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')


def manage(env: dict, *args: str, capture: bool = False) -> str:
    result = subprocess.run(
        [PYTHON, "-m", *args],
        cwd=ROOT,
        env=env,
        check=True,
        text=True,
        stdout=subprocess.PIPE if capture else None,
    )
    return result.stdout if capture else ""


def probe() -> None:
    """Run inside the bench environment (`--probe`): print what the client needs as JSON."""
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "servicedesk.settings")
    import django

    django.setup()
    from servicedesk.accounts.demo import PASSWORD
    from servicedesk.accounts.models import ApiToken, Group, Role, User
    from servicedesk.tickets import permissions
    from servicedesk.tickets.models import OPEN_STATUSES, Ticket
    from servicedesk.tickets.permissions import visible_tickets

    agent = User.objects.get(username="agent1")
    group = Group.objects.filter(members=agent, tier=1).order_by("name").first()
    _, token = ApiToken.issue(agent, name="bench")
    rng = random.Random(7)
    bounds = Ticket.objects.order_by("id").values_list("id", flat=True)
    low, high = bounds.first() or 0, bounds.last() or 0
    ids: list[int] = []
    visible = visible_tickets(agent)
    while len(ids) < 500 and high:
        candidates = {rng.randint(low, high) for _ in range(2000)}
        ids.extend(visible.filter(pk__in=candidates).values_list("id", flat=True)[: 500 - len(ids)])
    customers = list(
        User.objects.filter(role=Role.CUSTOMER, is_active=True).values_list("id", flat=True)[:5000]
    )
    queue = visible.filter(group=group, status__in=OPEN_STATUSES).count()
    numbers = dict(Ticket.objects.filter(pk__in=ids).values_list("id", "number"))
    groups = permissions.group_ids(agent)
    console_queue = visible.filter(group__in=groups, status__in=OPEN_STATUSES).count()
    print(
        json.dumps(
            {
                "token": token,
                "group": group.pk,
                "group_name": group.name,
                "ids": ids,
                "numbers": [numbers[pk] for pk in ids],
                "username": agent.username,
                "password": PASSWORD,
                "console_groups": len(groups),
                "console_queue_rows": console_queue,
                "customers": customers,
                "queue_rows": queue,
                "visible": visible.count(),
                "tickets": Ticket.objects.count(),
            }
        )
    )


# ---------------------------------------------------------------------------------------------
# The server


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Server:
    def __init__(self, env: dict, workers: int, wsgi: str = "servicedesk.wsgi"):
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.proc = subprocess.Popen(
            [
                GUNICORN,
                wsgi,
                "-w",
                str(workers),
                "-b",
                f"127.0.0.1:{self.port}",
                "--log-level",
                "warning",
            ],
            cwd=ROOT,
            env=env,
            start_new_session=True,
        )

    def wait(self, client, token: str) -> None:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise SystemExit("gunicorn exited")
            try:
                if (
                    client.get(
                        f"{self.base}/api/v1/me", headers={"Authorization": f"Bearer {token}"}
                    ).status_code
                    == 200
                ):
                    return
            except Exception:  # noqa: BLE001 - not listening yet
                pass
            time.sleep(0.2)
        raise SystemExit("gunicorn did not come up")

    def stop(self) -> None:
        if self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGTERM)
            try:
                self.proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait()


# ---------------------------------------------------------------------------------------------
# Measuring


def _cpu(pid: int) -> float:
    """User + system CPU seconds of one process (Linux /proc), 0 if it is gone."""
    try:
        with open(f"/proc/{pid}/stat") as f:
            fields = f.read().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


class CpuMeter:
    """Server-side CPU per request: gunicorn workers plus the PostgreSQL backends of the bench database.

    The machine may be shared: wall-clock latencies then include waiting for a core, CPU time does not.
    """

    def __init__(self, server: Server | None, db_url: str | None, db_name: str | None):
        self.server, self.db_url, self.db_name = server, db_url, db_name

    def pids(self) -> set[int]:
        pids: set[int] = set()
        if self.server is None or not os.path.isdir("/proc"):
            return pids
        master = self.server.proc.pid
        for entry in os.listdir("/proc"):
            if entry.isdigit():
                try:
                    with open(f"/proc/{entry}/stat") as f:
                        if int(f.read().rsplit(")", 1)[1].split()[1]) == master:
                            pids.add(int(entry))
                except (OSError, ValueError, IndexError):
                    continue
        if self.db_url:
            import psycopg

            with psycopg.connect(self.db_url, autocommit=True) as conn:
                rows = conn.execute(
                    "SELECT pid FROM pg_stat_activity WHERE datname = %s AND pid <> pg_backend_pid()",
                    (self.db_name,),
                ).fetchall()
            pids.update(pid for (pid,) in rows)
        return pids

    def start(self) -> None:
        self._pids = self.pids()
        self._before = {pid: _cpu(pid) for pid in self._pids}

    def stop(self, requests: int) -> float:
        pids = self._pids | self.pids()
        used = sum(_cpu(pid) - self._before.get(pid, 0.0) for pid in pids)
        return round(used * 1000 / max(requests, 1), 2)


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    if not ordered:
        return float("nan")
    k = (len(ordered) - 1) * p / 100
    lo = int(k)
    hi = min(lo + 1, len(ordered) - 1)
    return ordered[lo] + (ordered[hi] - ordered[lo]) * (k - lo)


def timed(get, urls, sizes: list[int] | None = None) -> list[float]:
    """Milliseconds per GET, one after the other; anything but a 200 stops the bench."""
    samples = []
    for url in urls:
        start = time.perf_counter()
        response = get(url)
        elapsed = (time.perf_counter() - start) * 1000
        if response.status_code != 200:
            raise SystemExit(f"GET {url} -> {response.status_code}: {response.text[:300]}")
        samples.append(elapsed)
        if sizes is not None:
            sizes.append(len(response.content))
    return samples


def timed_gets(client, urls, headers) -> list[float]:
    return timed(lambda url: client.get(url, headers=headers), urls)


def summary(samples: list[float]) -> dict:
    return {
        "p50": round(percentile(samples, 50), 2),
        "p95": round(percentile(samples, 95), 2),
        "max": round(max(samples), 2),
        "n": len(samples),
    }


class Session:
    """A signed-in browser: the session and CSRF cookies kept by hand.

    With DEBUG off and PostgreSQL the app marks its cookies Secure, so a cookie jar would not send them
    back over the plain-HTTP loopback; the server is left configured as in production instead.
    """

    TOKEN = re.compile(r'name="csrfmiddlewaretoken"\s+value="([^"]+)"')

    def __init__(self, client, base: str):
        self.client, self.base, self.cookies = client, base, {}

    def _keep(self, response) -> None:
        for header in response.headers.get_list("set-cookie"):
            jar = SimpleCookie()
            jar.load(header)
            for name, morsel in jar.items():
                if morsel.value and morsel["max-age"] != "0":
                    self.cookies[name] = morsel.value
                else:
                    self.cookies.pop(name, None)

    def request(self, method: str, url: str, **kwargs):
        headers = dict(kwargs.pop("headers", None) or {})
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        response = self.client.request(method, urljoin(self.base, url), headers=headers, **kwargs)
        self._keep(response)
        return response

    def get(self, url: str):
        return self.request("GET", url)

    def login(self, username: str, password: str) -> None:
        form = self.get("/login/")
        token = self.TOKEN.search(form.text)
        if form.status_code != 200 or token is None:
            raise SystemExit(f"GET /login/ -> {form.status_code}, no CSRF token in the form")
        response = self.request(
            "POST",
            "/login/",
            data={"csrfmiddlewaretoken": token.group(1), "username": username, "password": password, "next": ""},
            headers={"Referer": f"{self.base}/login/"},
        )
        if response.status_code != 302 or "sessionid" not in self.cookies:
            raise SystemExit(f"POST /login/ as {username} -> {response.status_code}: not signed in")


NEXT_LINK = re.compile(r'<a\b[^>]*\brel="next"[^>]*\bhref="([^"]*)"')
PAGE_ROWS = re.compile(r"(\d+) tickets? on this page")


def measure_console(base: str, info: dict, args, meter: CpuMeter) -> dict:
    """The agent console as agent1 in a browser session: the "My groups" queue (first and deep page)
    and the ticket page."""
    import httpx

    out: dict = {}
    queue = "/console/queues/groups/"
    with httpx.Client(timeout=60, follow_redirects=False) as client:
        session = Session(client, base)
        session.login(info["username"], info["password"])

        sizes: list[int] = []
        timed(session.get, [queue] * args.warmup)
        meter.start()
        out["console_queue"] = summary(timed(session.get, [queue] * args.samples, sizes))
        out["console_queue"]["cpu_ms"] = meter.stop(args.samples)
        out["console_queue"]["kb"] = round(sum(sizes) / len(sizes) / 1024, 1)
        log(f"console queue first page {out['console_queue']}")

        # the sidebar's counts, which the page fetches after it has shown (HTMX, then every minute)
        counts = "/console/queue-counts/"
        timed(session.get, [counts] * args.warmup)
        meter.start()
        out["console_counts"] = summary(timed(session.get, [counts] * args.samples))
        out["console_counts"]["cpu_ms"] = meter.stop(args.samples)
        log(f"console sidebar counts {out['console_counts']}")

        # deep: follow the page's own "Next" link, as a browser would
        url, pages, rows, last_len = queue, 0, 0, 0
        start = time.perf_counter()
        while pages < args.deep_pages:
            response = session.get(url)
            if response.status_code != 200:
                raise SystemExit(f"GET {url} -> {response.status_code}")
            pages += 1
            found = PAGE_ROWS.search(response.text)
            last_len = int(found.group(1)) if found else 0
            rows += last_len
            link = NEXT_LINK.search(response.text)
            if link is None:
                break
            url = urljoin(urljoin(base, url), html.unescape(link.group(1)))
        walk = time.perf_counter() - start
        full = pages == args.deep_pages
        out["console_deep_walk"] = {
            "pages": pages,
            "rows_before": rows if full else rows - last_len,
            "seconds": round(walk, 2),
            "ms_per_page": round(walk * 1000 / pages, 2),
        }
        timed(session.get, [url] * args.warmup)
        meter.start()
        deep_samples = args.deep_samples or args.samples
        out["console_deep"] = summary(timed(session.get, [url] * deep_samples))
        out["console_deep"]["cpu_ms"] = meter.stop(deep_samples)
        log(f"console deep page after {out['console_deep_walk']} {out['console_deep']}")

        # the ticket page of random visible tickets
        rng = random.Random(13)
        numbers = info["numbers"]
        if numbers:
            sizes = []
            timed(session.get, [f"/console/tickets/{rng.choice(numbers)}/" for _ in range(args.warmup)])
            meter.start()
            urls = [f"/console/tickets/{rng.choice(numbers)}/" for _ in range(args.samples)]
            out["console_ticket"] = summary(timed(session.get, urls, sizes))
            out["console_ticket"]["cpu_ms"] = meter.stop(args.samples)
            out["console_ticket"]["kb"] = round(sum(sizes) / len(sizes) / 1024, 1)
            log(f"console ticket page {out['console_ticket']}")
    return out


def measure(base: str, info: dict, args, meter: CpuMeter) -> dict:
    import httpx

    from bench.generate import DOMAIN_NAMES, TYPES, Text

    headers = {"Authorization": f"Bearer {info['token']}"}
    api = f"{base}/api/v1/tickets"
    queue = f"{api}?status=open&group={info['group']}&limit=50"
    out: dict = {}
    with httpx.Client(timeout=60) as client:
        # (b) the agent's open queue, first page
        timed_gets(client, [queue] * args.warmup, headers)
        meter.start()
        out["queue"] = summary(timed_gets(client, [queue] * args.samples, headers))
        out["queue"]["cpu_ms"] = meter.stop(args.samples)
        log(f"queue first page {out['queue']}")

        # (c) the same queue, deep: follow next_cursor once, then time that cursor
        cursor, pages, rows, last_len = None, 0, 0, 0
        start = time.perf_counter()
        while pages < args.deep_pages:
            page = client.get(queue + (f"&cursor={cursor}" if cursor else ""), headers=headers).json()
            pages += 1
            rows += len(page["items"])
            last_len = len(page["items"])
            if not page["next_cursor"]:
                break
            cursor = page["next_cursor"]
        walk = time.perf_counter() - start
        deep = queue + (f"&cursor={cursor}" if cursor else "")
        out["deep_walk"] = {
            "pages": pages,
            "rows_before": rows if pages == args.deep_pages else rows - last_len,
            "seconds": round(walk, 2),
            "ms_per_page": round(walk * 1000 / pages, 2),
        }
        timed_gets(client, [deep] * args.warmup, headers)
        meter.start()
        deep_samples = args.deep_samples or args.samples
        out["deep"] = summary(timed_gets(client, [deep] * deep_samples, headers))
        out["deep"]["cpu_ms"] = meter.stop(deep_samples)
        log(f"deep page after {out['deep_walk']} {out['deep']}")

        # (d) detail of random visible tickets
        rng = random.Random(11)
        ids = info["ids"] or [0]
        timed_gets(client, [f"{api}/{rng.choice(ids)}" for _ in range(args.warmup)], headers)
        meter.start()
        out["detail"] = summary(
            timed_gets(client, [f"{api}/{rng.choice(ids)}" for _ in range(args.samples)], headers)
        )
        out["detail"]["cpu_ms"] = meter.stop(args.samples)
        log(f"detail {out['detail']}")

    if not args.no_console:
        out.update(measure_console(base, info, args, meter))

    # (a) creates through the API, concurrent clients
    text = Text(random.Random(5))
    customers = info["customers"]
    payloads = []
    for i in range(args.creates + args.warmup):
        kind = TYPES[i % len(TYPES)]
        title, body = text.ticket(DOMAIN_NAMES[i % len(DOMAIN_NAMES)], kind)
        payloads.append(
            {
                "title": title[:255],
                "description": body,
                "type": kind,
                "channel": "phone",
                "requester": customers[i % len(customers)],
                "impact": 1 + i % 3,
                "urgency": 1 + (i // 3) % 3,
            }
        )
    lock = threading.Lock()
    queue_iter = iter(payloads[args.warmup :])
    latencies: list[float] = []
    errors: list[str] = []

    def worker():
        with httpx.Client(timeout=60) as client:
            while True:
                with lock:
                    payload = next(queue_iter, None)
                if payload is None:
                    return
                t = time.perf_counter()
                response = client.post(api, json=payload, headers=headers)
                elapsed = (time.perf_counter() - t) * 1000
                if response.status_code != 201:
                    errors.append(f"{response.status_code}: {response.text[:200]}")
                with lock:
                    latencies.append(elapsed)

    with httpx.Client(timeout=60) as client:
        for payload in payloads[: args.warmup]:
            client.post(api, json=payload, headers=headers).raise_for_status()
    threads = [threading.Thread(target=worker) for _ in range(args.clients)]
    meter.start()
    start = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    wall = time.perf_counter() - start
    cpu_ms = meter.stop(args.creates)
    if errors:
        raise SystemExit(f"{len(errors)} creates failed, e.g. {errors[0]}")
    out["creates"] = {
        "per_second": round(args.creates / wall, 1),
        "clients": args.clients,
        "n": args.creates,
        "cpu_ms": cpu_ms,
        **{k: v for k, v in summary(latencies).items() if k != "n"},
    }
    log(f"creates {out['creates']}")
    return out


# ---------------------------------------------------------------------------------------------
# One size


def engine_env(engine: str, server: str, db: str, sqlite_dir: str, *, fresh: bool = True, **extra: str) -> dict:
    """The environment a benchmark's child process runs the desk in: quiet, fast password hashing, on `engine` —
    the PostgreSQL database `db` on `server`, or SQLite in `sqlite_dir` — emptied first when `fresh`; `extra`
    adds settings (a CTI secret, notifications off)."""
    env = dict(os.environ)
    env.update({
        "SERVICEDESK_SECRET_KEY": "bench-not-secret",
        "SERVICEDESK_LOG_LEVEL": "ERROR",
        "SERVICEDESK_DEBUG": "0",
        "SERVICEDESK_FAST_HASHER": "1",  # the demo's people are made, never signed in
        "PYTHONPATH": os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")])),
        **extra,
    })
    if engine == "postgresql":
        env["DATABASE_URL"] = bench_url(server, db)
        if fresh:
            recreate_postgres(server, db)
    else:
        env.pop("DATABASE_URL", None)
        folder = Path(sqlite_dir).resolve()
        folder.mkdir(parents=True, exist_ok=True)
        env["SERVICEDESK_DATA_DIR"] = str(folder)
        if fresh:
            for name in ("servicedesk.sqlite3", "servicedesk.sqlite3-wal", "servicedesk.sqlite3-shm"):
                (folder / name).unlink(missing_ok=True)
    return env


def run_size(size: int, args, engine: str) -> dict:
    env = dict(os.environ)
    env.update(
        {
            "SERVICEDESK_SECRET_KEY": "bench-not-secret",
            "SERVICEDESK_LOG_LEVEL": "ERROR",
            "PYTHONPATH": os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")])),
            "SERVICEDESK_DEBUG": "0",
        }
    )
    if engine == "postgresql":
        server_url = os.environ.get("DATABASE_URL", "")
        if not server_url.startswith("postgres"):
            raise SystemExit("Set DATABASE_URL to a PostgreSQL URL (its server hosts the bench database).")
        env["DATABASE_URL"] = bench_url(server_url, args.db)
    else:
        env.pop("DATABASE_URL", None)
        data = RESULTS / "sqlite-data"
        env["SERVICEDESK_DATA_DIR"] = str(data)
    result: dict = {"size": size, "engine": engine}
    if not args.no_load:
        if engine == "postgresql":
            log(f"recreating database {args.db}")
            recreate_postgres(os.environ["DATABASE_URL"], args.db)
        else:
            shutil.rmtree(RESULTS / "sqlite-data", ignore_errors=True)
        manage(env, "servicedesk", "migrate", "--noinput", "-v0")
        manage(env, "servicedesk", "demo", "--no-tickets", capture=True)
        log(f"generating {size:,} tickets")
        start = time.monotonic()
        manage(env, "bench.generate", "--tickets", str(size))
        result["load_seconds"] = round(time.monotonic() - start, 1)
    info = json.loads(manage(env, "bench.run", "--probe", capture=True).strip().splitlines()[-1])
    result.update(
        {
            k: info[k]
            for k in ("tickets", "queue_rows", "visible", "group_name", "console_groups", "console_queue_rows")
        }
    )
    log(
        f"{info['tickets']:,} tickets; agent1 sees {info['visible']:,}; open queue of "
        f"{info['group_name']}: {info['queue_rows']:,} rows; console 'My groups' "
        f"({info['console_groups']} groups): {info['console_queue_rows']:,} rows"
    )
    import httpx

    server = Server(env, args.workers, args.wsgi)
    try:
        with httpx.Client(timeout=5) as client:
            server.wait(client, info["token"])
        meter = CpuMeter(server, env.get("DATABASE_URL"), args.db if engine == "postgresql" else None)
        result["load_average_before"] = os.getloadavg()[0]
        result.update(measure(server.base, info, args, meter))
        result["load_average_after"] = os.getloadavg()[0]
    finally:
        server.stop()
    return result


# figure → (label, p95 goal in ms): the goals of the issue, within 1.5× between the smallest and the
# largest size and under the p95 bound.
GOALS = {
    "queue": ("API queue first page", 50),
    "deep": ("API deep page", 50),
    "detail": ("API detail", 50),
    "console_queue": ("console queue first page", 80),
    "console_deep": ("console queue deep page", 80),
    "console_ticket": ("console ticket page", 80),
    "console_counts": ("console sidebar counts (after the page)", 80),
}
RATIO = 1.5


def table(results: list[dict]) -> str:
    def pair(d):
        return f"{d['p50']:.1f} / {d['p95']:.1f}" if d else "-"

    def cpu(d):
        return f"{d['cpu_ms']}" if d else "-"

    def walk(r, key):
        w = r.get(key)
        return f"{w['rows_before']:,} rows ({w['pages']} pages)" if w else "-"

    lines = [
        "| size | creates/s | API queue first page p50/p95 ms | API deep page p50/p95 ms | API detail p50/p95 ms | "
        "console queue first page p50/p95 ms | console queue deep page p50/p95 ms | console ticket page p50/p95 ms | "
        "console sidebar counts p50/p95 ms |",
        "| ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    for r in results:
        lines.append(
            f"| {r['size']:,} ({r['engine']}) | {r['creates']['per_second']:.0f} | {pair(r['queue'])} | "
            f"{pair(r['deep'])} | {pair(r['detail'])} | {pair(r.get('console_queue'))} | "
            f"{pair(r.get('console_deep'))} | {pair(r.get('console_ticket'))} | {pair(r.get('console_counts'))} |"
        )
    lines += [
        "",
        "Server CPU per request (gunicorn workers + database backends, ms; independent of other load):",
        "",
        "| size | create | API queue | API deep | API detail | console queue | console deep | console ticket | "
        "console counts | open queue rows (API / console) | API deep page after | console deep page after | "
        "load avg | load s |",
        "| ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    for r in results:
        lines.append(
            f"| {r['size']:,} | {r['creates']['cpu_ms']} | {cpu(r['queue'])} | {cpu(r['deep'])} | "
            f"{cpu(r['detail'])} | {cpu(r.get('console_queue'))} | {cpu(r.get('console_deep'))} | "
            f"{cpu(r.get('console_ticket'))} | {cpu(r.get('console_counts'))} | "
            f"{r['queue_rows']:,} / {r.get('console_queue_rows', 0):,} | "
            f"{walk(r, 'deep_walk')} | {walk(r, 'console_deep_walk')} | "
            f"{r['load_average_before']:.1f} → {r['load_average_after']:.1f} | "
            f"{r.get('load_seconds', '-')} |"
        )
    lines += ["", *goals(results)]
    return "\n".join(lines)


def goals(results: list[dict]) -> list[str]:
    """The issue's goals, checked: p95 under the bound at every size, and the largest size's p95 within
    1.5× of the smallest's (p50 and CPU ratios shown alongside)."""
    if not results:
        return []
    ordered = sorted(results, key=lambda r: r["size"])
    small, large = ordered[0], ordered[-1]
    compare = len(ordered) > 1 and large["size"] != small["size"]
    head = f"p95 ratio {large['size']:,}/{small['size']:,}" if compare else "p95 ratio"
    lines = [
        f"Goals: p95 under the bound at every size; {head} ≤ {RATIO}×.",
        "",
        f"| figure | p95 bound ms | worst p95 ms | {head} | p50 ratio | CPU ratio | verdict |",
        "| --- | ---: | ---: | ---: | ---: | ---: | --- |",
    ]
    for key, (label, bound) in GOALS.items():
        have = [r for r in ordered if r.get(key)]
        if not have:
            continue
        worst = max(r[key]["p95"] for r in have)
        ok = worst < bound
        ratios = ["-", "-", "-"]
        if compare and small.get(key) and large.get(key):
            a, b = small[key], large[key]
            p95 = b["p95"] / a["p95"]
            ratios = [f"{p95:.2f}×", f"{b['p50'] / a['p50']:.2f}×",
                      f"{b['cpu_ms'] / a['cpu_ms']:.2f}×" if a.get("cpu_ms") else "-"]
            ok = ok and p95 <= RATIO
        lines.append(f"| {label} | {bound} | {worst:.1f} | {' | '.join(ratios)} | {'met' if ok else 'MISSED'} |")
    return lines


def write_results(results: list[dict], engine: str) -> None:
    report = table(results)
    print(report)
    RESULTS.mkdir(parents=True, exist_ok=True)
    stamp = datetime.datetime.now().strftime("%Y%m%d-%H%M%S")
    (RESULTS / f"{stamp}-{engine}.md").write_text(report + "\n")
    (RESULTS / f"{stamp}-{engine}.json").write_text(json.dumps(results, indent=2, default=str) + "\n")
    log(f"written to {RESULTS}/{stamp}-{engine}.md/.json")


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(
        description=__doc__.split("\n\n")[0],
        epilog=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--sizes", default="10000,1000000", help="comma-separated ticket counts")
    parser.add_argument("--sqlite", action="store_true", help="the embedded SQLite instead of PostgreSQL")
    parser.add_argument("--db", default="servicedesk_bench", help="PostgreSQL bench database (dropped!)")
    parser.add_argument("--creates", type=int, default=2000)
    parser.add_argument("--clients", type=int, default=6, help="concurrent clients for the creates")
    parser.add_argument("--samples", type=int, default=500)
    parser.add_argument("--warmup", type=int, default=50)
    parser.add_argument("--deep-pages", type=int, default=400)
    parser.add_argument("--deep-samples", type=int, default=0, help="deep page samples (default: --samples)")
    parser.add_argument("--workers", type=int, default=2, help="gunicorn sync workers")
    parser.add_argument("--wsgi", default="servicedesk.wsgi", help="WSGI module for gunicorn (A/B tests)")
    parser.add_argument("--no-load", action="store_true", help="measure the existing bench database as it is")
    parser.add_argument("--no-console", action="store_true", help="the API figures only")
    parser.add_argument(
        "--combine",
        nargs="+",
        metavar="JSON",
        help="no run: one table (and goal check) from earlier results files, e.g. 10k and 1M run apart",
    )
    parser.add_argument("--probe", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.probe:
        probe()
        return
    if args.combine:
        results = [r for name in args.combine for r in json.loads(Path(name).read_text())]
        results.sort(key=lambda r: r["size"])
        write_results(results, "combined")
        return
    engine = "sqlite" if args.sqlite else "postgresql"
    results = []
    for size in [int(s.replace("_", "")) for s in args.sizes.split(",") if s.strip()]:
        results.append(run_size(size, args, engine))
    write_results(results, engine)


if __name__ == "__main__":
    main()
