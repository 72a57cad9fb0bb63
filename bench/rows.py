"""The ticket actions' writes through `core.rows` and through the ORM, side by side in one process.

    .venv/bin/python -m bench.rows [--rounds 3000] [--engines sqlite,postgresql] [--db sd_bench_rows]

What one filing writes, as `create_ticket` and `add_comment` do: a ticket (`rows.insert` /
`save(force_insert=True)`), three history rows (`rows.insert_many` / `bulk_create`), a comment and
the ticket's version (`rows.update` / `save(update_fields=...)`), in one transaction. Rounds
alternate which of the two goes first, so the machine's other work falls on both alike; the figure
is this process's CPU time per round (median), which that work changes least, with the wall time
beside it. Databases as `bench.ingest` makes them (SQLite in a temporary folder; PostgreSQL: `--db`
on DATABASE_URL's server, dropped and re-created).
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def work(rounds: int) -> dict:
    import django

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "servicedesk.settings")
    django.setup()
    from django.db import transaction
    from django.utils import timezone

    from servicedesk.accounts.models import Desk, User
    from servicedesk.core import rows
    from servicedesk.tickets.models import Comment, HistoryEntry, Ticket

    desk, agent = Desk.objects.get(is_default=True), User.objects.get(username="agent1")

    def one(name: str, n: int) -> None:
        now, orm = timezone.now(), name == "orm"
        with transaction.atomic():
            ticket = Ticket(desk=desk, number=f"{name}-{n}", title="VPN 断开", description="每隔十分钟就断开一次",
                            requester=agent, channel="email", created_at=now, updated_at=now, version=1)
            ticket.save(force_insert=True) if orm else rows.insert(ticket)
            entries = [HistoryEntry(ticket=ticket, actor=agent, at=now, channel="email", event=event, field=field,
                                    new_value=value, version=1)
                       for event, field, value in (("created", "", ""), ("changed", "status", "new"),
                                                   ("changed", "priority", "3"))]
            HistoryEntry.objects.bulk_create(entries) if orm else rows.insert_many(entries)
            comment = Comment(ticket=ticket, author=agent, body="还是不行", created_at=now)
            comment.save(force_insert=True) if orm else rows.insert(comment)
            ticket.version, ticket.updated_at, names = 2, timezone.now(), ["version", "updated_at"]
            ticket.save(update_fields=names) if orm else rows.update(ticket, names)

    cpu: dict[str, list[float]] = {"rows": [], "orm": []}
    wall: dict[str, list[float]] = {"rows": [], "orm": []}
    for n in range(100):  # warm-up: statements compiled, caches filled, PostgreSQL's statements prepared
        one("rows", -n - 1)
        one("orm", -n - 1)
    for n in range(rounds):
        for name in (("rows", "orm") if n % 2 else ("orm", "rows")):
            started, began = time.process_time(), time.perf_counter()
            one(name, n)
            cpu[name].append(time.process_time() - started)
            wall[name].append(time.perf_counter() - began)
    return {name: {"cpu_us": statistics.median(cpu[name]) * 1e6, "wall_us": statistics.median(wall[name]) * 1e6}
            for name in cpu}


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=3000)
    parser.add_argument("--engines", default="sqlite,postgresql")
    parser.add_argument("--db", default="servicedesk_bench_rows", help="the PostgreSQL database to (re)create")
    parser.add_argument("--worker", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.worker:
        print(json.dumps(work(args.rounds)))
        return
    from bench.run import bench_url, manage, recreate_postgres

    print("| engine | rounds | core.rows CPU µs | ORM CPU µs | ORM / core.rows | core.rows wall µs | ORM wall µs |")
    print("| --- | ---: | ---: | ---: | ---: | ---: | ---: |")
    for engine in args.engines.split(","):
        if engine == "postgresql" and not os.environ.get("DATABASE_URL"):
            continue
        folder = Path(tempfile.mkdtemp(prefix="sd-bench-rows-"))
        env = {**os.environ, "SERVICEDESK_DATA_DIR": str(folder), "SERVICEDESK_SECRET_KEY": "bench",
               "SERVICEDESK_FAST_HASHER": "1", "PYTHONPATH": str(ROOT)}
        try:
            if engine == "postgresql":
                recreate_postgres(os.environ["DATABASE_URL"], args.db)
                env["DATABASE_URL"] = bench_url(os.environ["DATABASE_URL"], args.db)
            else:
                env.pop("DATABASE_URL", None)
            print(f"[{engine}] migrate and load the demo people ...", file=sys.stderr, flush=True)
            manage(env, "servicedesk", "migrate", "--noinput", "-v0")
            manage(env, "servicedesk", "demo", "--no-tickets", capture=True)
            out = manage(env, "bench.rows", "--worker", "--rounds", str(args.rounds), capture=True)
            got = json.loads(out.strip().splitlines()[-1])
        finally:
            shutil.rmtree(folder, ignore_errors=True)
        fast, slow = got["rows"], got["orm"]
        print(f"| {engine} | {args.rounds:,} | {fast['cpu_us']:.0f} | {slow['cpu_us']:.0f} | "
              f"{slow['cpu_us'] / fast['cpu_us']:.2f}× | {fast['wall_us']:.0f} | {slow['wall_us']:.0f} |", flush=True)


if __name__ == "__main__":
    main()
