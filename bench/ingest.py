"""Mail ingestion throughput: messages stored and filed into tickets and comments, end to end.

    .venv/bin/python -m bench.ingest                      # SQLite, and PostgreSQL when DATABASE_URL names one
    .venv/bin/python -m bench.ingest --messages 3000 --engines sqlite --workers 1

Per engine, a fresh database (SQLite: a file in a temporary folder; PostgreSQL: `servicedesk_bench_ingest`
on DATABASE_URL's server, dropped and re-created, `--db`), migrated, with the demo people, 400
customers and one mailbox. Then a mixed stream goes through `store_raw(claim=True)` + `process` one
message at a time, as the pipe and IMAP polling do (the receiver stores without `claim`, files after
its 250 and so counts the attempt with one more statement): new requests from known customers (Chinese
in GB2312/GBK/Big5/UTF-8, base64 and quoted-printable), new requests with 1-3 attachments, mail
from unknown senders (a customer account is created), replies threading by In-Reply-To/References
and by the ticket number in the subject (quoted history stripped), auto-replies and bounces
(ignored), and the intake corpus itself (tests/intake/corpus). A warm-up of 200 new requests
runs first (untimed) so replies have tickets to land on.

Each engine is measured with one ingesting process, then with several started together on disjoint
shares of the same stream (`--workers 1,2`: as several pipe deliveries, receivers or Celery
workers run side by side); the database is emptied between the runs. Prints messages/second and
per-message latency (with one process also its CPU time and statements per message; `--profile`
writes cProfile statistics); the goal is 100 messages/s. Afterwards the notifications of all those
changes are planned as the embedded mode's periodic catch-up does it, timed apart (stderr).
"""

from __future__ import annotations

import argparse
import base64
import json
import os
import random
import shutil
import subprocess
import sys
import tempfile
import time
from email.utils import format_datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CORPUS = ROOT / "tests" / "intake" / "corpus"
DESK = "servicedesk@example.com"
GOAL = 100.0

TOPICS = [
    ("打印机无法打印", "三楼的打印机一直卡纸，重启以后还是不行。麻烦尽快处理，谢谢！"),
    ("邮箱无法登录", "今天早上开始 Outlook 提示密码错误，但是密码没有改过。"),
    ("VPN 连接断开", "在家办公时 VPN 每隔十分钟就断开一次，影响视频会议。"),
    ("电脑中毒了", "杀毒软件报告发现木马，文件打不开了，请帮忙检查。"),
    ("Laptop will not start", "My laptop shows a black screen after the logo. I tried holding the power button."),
    ("Need access to the finance share", "Please give me read access to \\\\fs01\\finance for the audit."),
    ("Monitor flickering", "The second monitor flickers every few seconds since the last update."),
    ("新员工入职账号", "下周一有三位新同事入职，需要开通域账号、邮箱和门禁卡。"),
]
CHARSETS = ["utf-8", "gb2312", "gbk", "gb18030", "big5", "utf-8"]


def _encoded_word(text: str, charset: str) -> str:
    data = text.encode(charset, "replace")
    return f"=?{charset}?B?{base64.b64encode(data).decode()}?="


class Stream:
    """The message mix, built before timing so only ingestion is measured."""

    def __init__(self, seed: int, customers: list[str]):
        self.random = random.Random(seed)
        self.customers = customers
        self.counter = 0
        self.sent: list[tuple[str, str, str]] = []  # (message-id, sender, subject) of new requests
        self.replyable: list[tuple[str, str, str]] = []  # the warm-up's: filed before any reply is sent

    def _id(self) -> str:
        self.counter += 1
        return f"<bench.{self.counter}.{self.random.getrandbits(32):08x}@mail.example.org>"

    def _headers(self, sender: str, subject: str, message_id: str, extra: str = "") -> str:
        return (f"Return-Path: <{sender}>\r\nDelivered-To: {DESK}\r\n"
                f"Received: from mx1.example.net by mail.example.com with ESMTPS; {format_datetime(_now())}\r\n"
                f"From: {sender}\r\nTo: IT Service Desk <{DESK}>\r\nSubject: {subject}\r\n"
                f"Date: {format_datetime(_now())}\r\nMessage-ID: {message_id}\r\nMIME-Version: 1.0\r\n{extra}")

    def new_request(self, *, attachments: int = 0, unknown: bool = False) -> bytes:
        rnd = self.random
        sender = f"stranger{self.counter}@example.net" if unknown else rnd.choice(self.customers)
        title, body = rnd.choice(TOPICS)
        charset = rnd.choice(CHARSETS) if not title.isascii() else "utf-8"
        if charset == "big5":
            title, body = title.replace("打印机无法打印", "印表機無法列印"), body
        message_id = self._id()
        subject = _encoded_word(f"{title} #{self.counter}", charset)
        self.sent.append((message_id, sender, f"{title} #{self.counter}"))
        text = body.encode(charset, "replace")
        if rnd.random() < 0.5:
            part = (f"Content-Type: text/plain; charset={charset}\r\nContent-Transfer-Encoding: base64\r\n\r\n"
                    + base64.encodebytes(text).decode().replace("\n", "\r\n"))
        else:
            import quopri

            part = (f"Content-Type: text/plain; charset={charset}\r\nContent-Transfer-Encoding: quoted-printable"
                    f"\r\n\r\n" + quopri.encodestring(text).decode("ascii").replace("\n", "\r\n"))
        if not attachments:
            return (self._headers(sender, subject, message_id) + part).encode()
        boundary = f"----=_Part_{self.counter}"
        parts = [part]
        for n in range(attachments):
            size = rnd.randint(5_000, 60_000)
            payload = base64.encodebytes(rnd.randbytes(size)).decode().replace("\n", "\r\n")
            name = rnd.choice(["截图", "report", "日志", "scan"]) + f"-{n + 1}"
            kind, ext = rnd.choice([("image/png", "png"), ("application/pdf", "pdf"), ("text/plain", "txt")])
            parts.append(f"Content-Type: {kind}; name=\"{name}.{ext}\"\r\nContent-Transfer-Encoding: base64\r\n"
                         f"Content-Disposition: attachment; filename*=utf-8''{_pct(name)}.{ext}\r\n\r\n{payload}")
        body = "".join(f"--{boundary}\r\n{p}\r\n" for p in parts) + f"--{boundary}--\r\n"
        extra = f"Content-Type: multipart/mixed; boundary=\"{boundary}\"\r\n\r\n"
        return (self._headers(sender, subject, message_id, extra) + body).encode()

    def reply_by_reference(self) -> bytes:
        rnd = self.random
        original, sender, title = rnd.choice(self.replyable)
        quoted = "\r\n".join("> " + line for line in "请重启一下再试。\r\nIT 服务台".split("\r\n"))
        body = (f"试过了，还是不行。\r\n\r\n在 2026年11月26日 10:02，IT 服务台 <{DESK}> 写道：\r\n{quoted}\r\n"
                if rnd.random() < 0.5 else
                "Still broken after the restart.\r\n\r\nOn Thu, 26 Nov 2026 at 10:02, IT Service Desk wrote:\r\n"
                "> Please restart it and try again.\r\n")
        extra = (f"In-Reply-To: {original}\r\nReferences: {original}\r\n"
                 "Content-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: 8bit\r\n\r\n")
        return (self._headers(sender, _encoded_word(f"回复：{title}", "utf-8"), self._id(), extra).encode()
                + body.encode())

    def reply_by_number(self, number: str, sender: str) -> bytes:
        extra = "Content-Type: text/plain; charset=gbk\r\nContent-Transfer-Encoding: 8bit\r\n\r\n"
        subject = _encoded_word(f"答复: [{number}] 问题还在", "gbk")
        body = "补充一下：换了网线也不行。\r\n".encode("gbk")
        return self._headers(sender, subject, self._id(), extra).encode() + body

    def noise(self, corpus: dict[str, bytes]) -> bytes:
        name = self.random.choice(["autoreply_auto_submitted.eml", "autoreply_x_autoreply.eml", "out_of_office.eml",
                                   "bounce_dsn.eml", "precedence_bulk.eml", "autoreply_subject_zh.eml"])
        return _fresh_id(corpus[name], self._id())


def _pct(text: str) -> str:
    from urllib.parse import quote

    return quote(text)


def _now():
    import datetime

    return datetime.datetime.now(datetime.UTC)


def _fresh_id(raw: bytes, message_id: str) -> bytes:
    """The corpus message under a new Message-ID, so each copy is a new message."""
    lines = raw.split(b"\n")
    for index, line in enumerate(lines):
        if line.lower().startswith(b"message-id:"):
            lines[index] = b"Message-ID: " + message_id.encode() + (b"\r" if line.endswith(b"\r") else b"")
            return b"\n".join(lines)
        if not line.strip():
            break
    return b"Message-ID: " + message_id.encode() + b"\r\n" + raw


# ---------------------------------------------------------------------------------------------
# The worker: one engine, in a process of its own (Django's settings are per process)


def work(args) -> dict:
    import django

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "servicedesk.settings")
    django.setup()
    from django.db import connection

    from servicedesk.accounts.models import Desk, Role, User
    from servicedesk.intake.ingest import process, store_raw
    from servicedesk.intake.models import InboundMessage, Mailbox, Source, State
    from servicedesk.tickets.models import Attachment, Comment, Ticket

    mailbox = Mailbox.objects.create(name="IT", address=DESK, desk=Desk.objects.get(is_default=True))
    User.objects.bulk_create([
        User(username=f"bench-customer-{n}", email=f"customer{n}@bench.example.com", role=Role.CUSTOMER,
             first_name=f"Customer {n}", password="!")
        for n in range(400)
    ])
    customers = [f"customer{n}@bench.example.com" for n in range(400)]
    corpus = {path.name: path.read_bytes() for path in sorted(CORPUS.glob("*.eml"))}
    stream = Stream(args.seed, customers)

    def ingest(raw: bytes):
        return process(store_raw(raw, Source.SMTP, mailbox, claim=True))

    for _ in range(200):
        ingest(stream.new_request())
    stream.replyable = list(stream.sent)
    tickets = list(Ticket.objects.select_related("requester").values_list("number", "requester__email"))

    rnd = random.Random(args.seed + 1)
    messages: list[tuple[str, bytes]] = []
    kinds = [("new", 40), ("new+attachments", 15), ("unknown sender", 8), ("reply (References)", 22),
             ("reply (subject number)", 6), ("auto-reply/bounce", 5), ("corpus", 4)]
    population = [kind for kind, weight in kinds for _ in range(weight)]
    corpus_names = [n for n in corpus if n not in {"oversize.eml"}]
    for _ in range(args.messages):
        kind = rnd.choice(population)
        if kind == "new":
            raw = stream.new_request()
        elif kind == "new+attachments":
            raw = stream.new_request(attachments=rnd.randint(1, 3))
        elif kind == "unknown sender":
            raw = stream.new_request(unknown=True)
        elif kind == "reply (References)":
            raw = stream.reply_by_reference()
        elif kind == "reply (subject number)":
            raw = stream.reply_by_number(*rnd.choice(tickets))
        elif kind == "auto-reply/bounce":
            raw = stream.noise(corpus)
        else:
            raw = _fresh_id(corpus[rnd.choice(corpus_names)], stream._id())
        messages.append((kind, raw))

    before = {"tickets": Ticket.objects.count(), "comments": Comment.objects.count(),
              "attachments": Attachment.objects.count()}
    queries = _QueryCounter()
    if args.workers == 1:
        profiler = None
        if args.profile:
            import cProfile

            profiler = cProfile.Profile()
            profiler.enable()
        backend = _backend_pid(connection)
        backend_cpu = _cpu(backend) if backend else None
        start, cpu = time.perf_counter(), time.process_time()
        with connection.execute_wrapper(queries):
            latencies, states = ingest_all([raw for _, raw in messages], mailbox)
        elapsed, cpu = time.perf_counter() - start, time.process_time() - cpu
        if backend and _backend_pid(connection) == backend:
            backend_cpu = _cpu(backend) - backend_cpu
        else:
            backend_cpu = None
        if profiler is not None:
            profiler.disable()
            profiler.dump_stats(args.profile)
    else:
        elapsed, latencies, states = in_parallel([raw for _, raw in messages], args.workers)
        cpu = backend_cpu = None
    latencies.sort()
    mean_size = sum(len(raw) for _, raw in messages) / len(messages)
    quarantined = list(InboundMessage.objects.filter(state=State.QUARANTINED).values_list("reason", flat=True)[:3])
    notifications = plan_notifications()
    return {
        "engine": connection.vendor,
        "workers": args.workers,
        "messages": len(messages),
        "mean_bytes": mean_size,
        "seconds": elapsed,
        "per_second": len(messages) / elapsed,
        "queries_per_message": queries.count / len(messages) if args.workers == 1 else None,
        # The ingesting process's own CPU time (user + system) per message: what the load of the
        # machine does not change (the database server's share on PostgreSQL is not in it).
        "cpu_ms_per_message": cpu * 1000 / len(messages) if cpu is not None else None,
        # PostgreSQL's backend serving the ingesting process, when it runs on this machine (/proc).
        "server_cpu_ms_per_message": backend_cpu * 1000 / len(messages) if backend_cpu is not None else None,
        "p50_ms": latencies[len(latencies) // 2] * 1000,
        "p95_ms": latencies[int(len(latencies) * 0.95)] * 1000,
        "states": states,
        "tickets": Ticket.objects.count() - before["tickets"],
        "comments": Comment.objects.count() - before["comments"],
        "attachments": Attachment.objects.count() - before["attachments"],
        "quarantine_sample": quarantined,
        "mix": {kind: sum(1 for k, _ in messages if k == kind) for kind, _ in kinds},
        "notifications": notifications,
    }


def _cpu(pid: int) -> float:
    from bench.run import _cpu as cpu_seconds

    return cpu_seconds(pid)


def _backend_pid(connection) -> int | None:
    """The PostgreSQL server process serving `connection`, when it is on this machine; else None."""
    if connection.vendor != "postgresql" or connection.settings_dict.get("HOST", "") not in ("", "localhost",
                                                                                              "127.0.0.1", "::1"):
        return None
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        pid = int(cursor.fetchone()[0])
    return pid if os.path.exists(f"/proc/{pid}/stat") else None


class _QueryCounter:
    """Counts the statements the ingesting process sends (one process only)."""

    def __init__(self):
        self.count = 0

    def __call__(self, execute, sql, params, many, context):
        self.count += 1
        return execute(sql, params, many, context)


def plan_notifications() -> dict:
    """After the timed run: the notifications of every change, planned as the periodic catch-up of
    the embedded mode does it (no broker: nothing was planned while ingesting). Planning only (render
    and store the outbox rows); sending is SMTP's time, not measured here."""
    from servicedesk.notify import planning
    from servicedesk.notify.models import OutboundMessage, PlannedChange

    before = PlannedChange.objects.count()
    start, cpu = time.perf_counter(), time.process_time()
    rows = planning.plan_pending()
    elapsed, cpu = time.perf_counter() - start, time.process_time() - cpu
    changes = PlannedChange.objects.count() - before
    return {"changes": changes, "rows": len(rows), "outbox": OutboundMessage.objects.count(), "seconds": elapsed,
            "per_second": changes / elapsed if elapsed else 0.0, "cpu_ms_per_change": cpu * 1000 / max(changes, 1)}


def ingest_all(messages: list[bytes], mailbox) -> tuple[list[float], dict[str, int]]:
    from servicedesk.intake.ingest import process, store_raw
    from servicedesk.intake.models import Source

    latencies: list[float] = []
    states: dict[str, int] = {}
    for raw in messages:
        began = time.perf_counter()
        message = process(store_raw(raw, Source.SMTP, mailbox, claim=True))
        latencies.append(time.perf_counter() - began)
        states[message.state] = states.get(message.state, 0) + 1
    return latencies, states


def in_parallel(messages: list[bytes], workers: int) -> tuple[float, list[float], dict[str, int]]:
    """The messages dealt out to `workers` processes that start together (as several pipe deliveries,
    receivers or Celery workers would run); the time is from the start signal to the last one done."""
    import pickle

    from django.db import connections

    connections.close_all()
    folder = Path(tempfile.mkdtemp(prefix="sd-bench-ingest-work-"))
    try:
        go = folder / "go"
        children = []
        for n in range(workers):
            (folder / f"in-{n}").write_bytes(pickle.dumps(messages[n::workers]))
            children.append(subprocess.Popen([sys.executable, "-m", "bench.ingest", "--child", str(folder), str(n)],
                                             cwd=ROOT))
        for n in range(workers):
            while not (folder / f"ready-{n}").exists():
                if children[n].poll() is not None:
                    raise SystemExit(f"bench worker {n} failed")
                time.sleep(0.05)
        start = time.time()
        go.touch()
        for child in children:
            if child.wait() != 0:
                raise SystemExit("a bench worker failed")
        results = [pickle.loads((folder / f"out-{n}").read_bytes()) for n in range(workers)]
        elapsed = max(r["finished"] for r in results) - start
        latencies = [latency for r in results for latency in r["latencies"]]
        states: dict[str, int] = {}
        for r in results:
            for state, count in r["states"].items():
                states[state] = states.get(state, 0) + count
        return elapsed, latencies, states
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def child(folder: Path, n: int) -> None:
    import pickle

    import django

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "servicedesk.settings")
    django.setup()
    from servicedesk.intake.models import Mailbox

    messages = pickle.loads((folder / f"in-{n}").read_bytes())
    mailbox = Mailbox.objects.get(address=DESK)
    (folder / f"ready-{n}").touch()
    while not (folder / "go").exists():
        time.sleep(0.002)
    latencies, states = ingest_all(messages, mailbox)
    (folder / f"out-{n}").write_bytes(pickle.dumps({"finished": time.time(), "latencies": latencies,
                                                    "states": states}))


# ---------------------------------------------------------------------------------------------
# The driver


def run_engine(engine: str, args) -> list[dict]:
    from bench.run import bench_url, manage, recreate_postgres

    folder = Path(tempfile.mkdtemp(prefix="sd-bench-ingest-"))
    env = {**os.environ, "SERVICEDESK_DATA_DIR": str(folder), "SERVICEDESK_MEDIA_ROOT": str(folder / "media"),
           "SERVICEDESK_SECRET_KEY": "bench", "SERVICEDESK_FAST_HASHER": "1", "PYTHONPATH": str(ROOT)}
    try:
        if engine == "postgresql":
            server = args.postgres or os.environ.get("DATABASE_URL", "")
            recreate_postgres(server, args.db)
            env["DATABASE_URL"] = bench_url(server, args.db)
        else:
            env.pop("DATABASE_URL", None)
        print(f"[{engine}] migrate and load the demo people ...", file=sys.stderr, flush=True)
        manage(env, "servicedesk", "migrate", "--noinput", "-v0")
        manage(env, "servicedesk", "demo", "--no-tickets", capture=True)
        results = []
        for workers in args.workers:
            print(f"[{engine}] ingesting {args.messages} messages, {workers} process(es) ...", file=sys.stderr,
                  flush=True)
            extra = ["--profile", os.path.abspath(f"{args.profile}.{engine}")] if args.profile and workers == 1 else []
            out = manage(env, "bench.ingest", "--worker", "--messages", str(args.messages), "--seed",
                         str(args.seed), "--workers", str(workers), *extra, capture=True)
            results.append(json.loads(out.strip().splitlines()[-1]))
            manage(env, "servicedesk", "flush", "--noinput", capture=True)
            manage(env, "servicedesk", "demo", "--no-tickets", capture=True)
        return results
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def table(results: list[dict]) -> str:
    lines = ["| engine | processes | messages | mean size | messages/s | p50 ms | p95 ms | CPU ms/message "
             "| server CPU ms/message | queries/message | tickets | comments | attachments | ignored | quarantined "
             "| goal ≥ 100/s |",
             "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: "
             "| --- |"]
    for r in results:
        states = r["states"]
        lines.append(
            f"| {r['engine']} | {r['workers']} | {r['messages']:,} | {r['mean_bytes'] / 1024:,.1f} KB "
            f"| {r['per_second']:,.0f} "
            f"| {r['p50_ms']:.1f} | {r['p95_ms']:.1f} "
            f"| {'' if r.get('cpu_ms_per_message') is None else format(r['cpu_ms_per_message'], '.1f')} "
            f"| {'' if r.get('server_cpu_ms_per_message') is None else format(r['server_cpu_ms_per_message'], '.1f')} "
            f"| {'' if r.get('queries_per_message') is None else format(r['queries_per_message'], '.1f')} "
            f"| {r['tickets']:,} | {r['comments']:,} | {r['attachments']:,} "
            f"| {states.get('ignored', 0)} | {states.get('quarantined', 0)} "
            f"| {'met' if r['per_second'] >= GOAL else 'MISSED'} |"
        )
    return "\n".join(lines)


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--messages", type=int, default=2000, help="timed messages per engine (default 2000)")
    parser.add_argument("--engines", default="", help="sqlite,postgresql (default: sqlite, plus postgresql when "
                                                      "DATABASE_URL or --postgres names a server)")
    parser.add_argument("--postgres", default="", help="a PostgreSQL URL naming the server (default DATABASE_URL)")
    parser.add_argument("--db", default="servicedesk_bench_ingest", help="the PostgreSQL database to (re)create")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--workers", default="1,2", help="ingesting processes, one run each (default 1,2)")
    parser.add_argument("--profile", default="", help="with one process: write cProfile statistics to this file")
    parser.add_argument("--worker", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--child", nargs=2, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        child(Path(args.child[0]), int(args.child[1]))
        return
    if args.worker:
        args.workers = int(args.workers)
        print(json.dumps(work(args)))
        return
    args.workers = [int(w) for w in args.workers.split(",") if w.strip()]
    engines = [e.strip() for e in args.engines.split(",") if e.strip()]
    if not engines:
        engines = ["sqlite"]
        if (args.postgres or os.environ.get("DATABASE_URL", "")).startswith("postgres"):
            engines.append("postgresql")
    results = [result for engine in engines for result in run_engine(engine, args)]
    for r in results:
        print(f"[{r['engine']}] mix: " + ", ".join(f"{k} {v}" for k, v in r["mix"].items()), file=sys.stderr)
        n = r["notifications"]
        print(f"[{r['engine']}] {r['workers']} process(es): then the notifications of {n['changes']:,} ticket changes "
              f"(warm-up included) planned by the catch-up in {n['seconds']:.1f} s ({n['per_second']:.0f} changes/s, "
              f"{n['cpu_ms_per_change']:.1f} ms CPU each): {n['rows']:,} outbox rows", file=sys.stderr)
        if r["quarantine_sample"]:
            print(f"[{r['engine']}] quarantined, e.g.: {r['quarantine_sample']}", file=sys.stderr)
    print(table(results))


if __name__ == "__main__":
    main()
