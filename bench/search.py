"""Ticket search latency at the database's size: `python -m bench.search [--samples 200] [--explain]`.

Uses the app's database (DATABASE_URL, else the embedded SQLite), filled by `bench.generate` (whose
load fills the search index) or indexed with `servicedesk reindex-search`. For each query it times,
through `servicedesk.search` exactly as the console queue and the API list call it:

- open: the first page (50 rows) of open tickets matching, newest update first
  (`search(Ticket.objects.filter(status__in=OPEN), q).order_by("-updated_at", "-id")[:50]`);
- all: the same over all tickets;
- ranked: `ranked(Ticket.objects.all(), q, limit=20)`, the 20 most relevant of the newest 2,000 matches;
- matches: how many tickets match (counted once, not timed).

p50 / p95 in milliseconds over --samples runs after a warm-up, one sequential client.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time

QUERIES = ["网络", "打印", "密码", "VPN 连接", "printer", "outlook mailbox"]


def _setup_django() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "servicedesk.settings")
    import django

    django.setup()


def _timed(fn, samples: int) -> tuple[float, float]:
    for _ in range(min(10, samples)):
        fn()
    times = []
    for _ in range(samples):
        t = time.perf_counter()
        fn()
        times.append((time.perf_counter() - t) * 1000)
    times.sort()
    return statistics.median(times), times[min(len(times) - 1, int(len(times) * 0.95))]


def run(queries: list[str], samples: int, explain: bool, log=print) -> list[dict]:
    _setup_django()
    from django.db import connection

    from servicedesk import search
    from servicedesk.tickets.models import OPEN_STATUSES, Ticket

    total = Ticket.objects.count()
    log(f"{connection.vendor}, {connection.settings_dict['NAME']}: {total:,} tickets")
    open_tickets = Ticket.objects.filter(status__in=OPEN_STATUSES)
    columns = ("id", "number", "title", "status", "updated_at")

    def page(base, text):
        return lambda: list(search.search(base, text).order_by("-updated_at", "-id").values(*columns)[:50])

    rows = []
    for text in queries:
        matches = search.search(Ticket.objects.all(), text).count()
        result = {"query": text, "matches": matches}
        for name, fn in (
            ("open", page(open_tickets, text)),
            ("all", page(Ticket.objects.all(), text)),
            ("ranked", lambda text=text: search.ranked(Ticket.objects.all(), text, limit=20)),
        ):
            result[name] = _timed(fn, samples)
        rows.append(result)
        if explain:
            for name, base in (("open", open_tickets), ("all", Ticket.objects.all())):
                qs = search.search(base, text).order_by("-updated_at", "-id").values(*columns)[:50]
                log(f"--- {text!r} {name}\n{qs.explain(analyze=connection.vendor == 'postgresql')}")
    return rows


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--samples", type=int, default=200)
    parser.add_argument("--query", action="append", help="a query to time (repeatable); default: a fixed set")
    parser.add_argument("--explain", action="store_true", help="print the query plans")
    args = parser.parse_args(argv)
    rows = run(args.query or QUERIES, args.samples, args.explain, log=lambda m: print(m, file=sys.stderr))
    print("| query | matches | open, first 50 by update | all, first 50 by update | ranked top 20 |")
    print("| --- | ---: | ---: | ---: | ---: |")
    for r in rows:
        cells = " | ".join(f"{r[k][0]:.1f} / {r[k][1]:.1f}" for k in ("open", "all", "ranked"))
        print(f"| {r['query']} | {r['matches']:,} | {cells} |")


if __name__ == "__main__":
    main()
