"""How long the reports take: the dashboard's full compute (every KPI, with the previous period) and each
breakdown, for a month and for a year, on the database the app is configured with.

    # SQLite (a fresh data folder), 10,000 tickets:
    SERVICEDESK_DATA_DIR=/tmp/kpi-10k .venv/bin/python -m bench.kpi_speed --generate 10000
    # PostgreSQL (a database of your own; it is filled, not dropped):
    DATABASE_URL=postgres://servicedesk:servicedesk@127.0.0.1:5433/<own db> \\
        .venv/bin/python -m bench.kpi_speed --generate 1000000

`--generate N` migrates, loads the demo people and catalogue, runs bench.generate for N tickets and adds what
the generator does not make and the KPIs read, set-based in SQL: a time entry on every resolved ticket with an
assignee, the response and resolution clock rows of every ticket (targets of 1 h and 3 days of wall time,
breached when missed), an OLA clock for the assigned group, and a breach event for each breached clock, then
rebuilds the report facts and their hourly rollup (`servicedesk rebuild-report-facts`). Without it the tool
times what the database holds. Times are the best of `--repeat` runs (default 3) as `--viewer` (default the
manager: the whole desk, the widest scope; `--viewer lead1`: a group lead's two groups and own tickets, read
from the rollup of their groups and the facts of their own tickets elsewhere) in Asia/Shanghai; the month is
the last whole month before the newest ticket, the year the twelve months up to it (`--dashboard-only`: no
breakdowns). The machine is shared: the load average is printed with the figures.
"""

from __future__ import annotations

import argparse
import os
import sys
import time


def _setup() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "servicedesk.settings")
    import django

    django.setup()


def report_inputs(log) -> None:
    """Time entries, clock rows and breach events for the generated tickets (one statement each)."""
    from django.db import connection

    pg = connection.vendor == "postgresql"
    day = "resolved_at::date" if pg else "substr(resolved_at, 1, 10)"
    minutes = ("EXTRACT(EPOCH FROM ({end} - created_at)) / 60" if pg
               else "(julianday({end}) - julianday(created_at)) * 1440")
    statements = [
        ("time entries",
         f"INSERT INTO tickets_timeentry (ticket_id, agent_id, minutes, note, spent_on, created_at) "
         f"SELECT id, assignee_id, 10 + id % 110, '', {day}, resolved_at FROM tickets_ticket "
         f"WHERE resolved_at IS NOT NULL AND assignee_id IS NOT NULL"),
        ("response clocks",
         "INSERT INTO sla_slatarget (ticket_id, key, kind, started_at, target_minutes, state, due_at, stopped_at, "
         "used_minutes, breached) SELECT id, 'response', 'response', created_at, 60, "
         "CASE WHEN first_response_at IS NULL THEN 'running' ELSE 'stopped' END, created_at, first_response_at, "
         f"NULL, COALESCE({minutes.format(end='first_response_at')} > 60, TRUE) FROM tickets_ticket"),
        ("resolution clocks",
         "INSERT INTO sla_slatarget (ticket_id, key, kind, started_at, target_minutes, state, due_at, stopped_at, "
         "used_minutes, breached) SELECT id, 'resolution', 'resolution', created_at, 4320, "
         "CASE WHEN resolved_at IS NULL THEN 'running' ELSE 'stopped' END, created_at, resolved_at, "
         f"NULL, COALESCE({minutes.format(end='resolved_at')} > 4320, FALSE) FROM tickets_ticket"),
        ("OLA clocks",
         "INSERT INTO sla_slatarget (ticket_id, key, kind, group_id, started_at, target_minutes, state, due_at, "
         "stopped_at, used_minutes, breached) SELECT id, 'ola:' || group_id, 'ola', group_id, created_at, 2880, "
         "'stopped', created_at, resolved_at, NULL, "
         f"{minutes.format(end='resolved_at')} > 2880 FROM tickets_ticket "
         "WHERE group_id IS NOT NULL AND resolved_at IS NOT NULL"),
        # The generator writes each ticket's status lines; the actions also write a line per changed field, and
        # the reopen rate counts the resolved_at ones.
        ("resolution history lines",
         "INSERT INTO tickets_historyentry (ticket_id, actor_id, at, channel, event, field, old_value, new_value, "
         f"note, internal, version) SELECT id, assignee_id, resolved_at, 'console', 'resolve', 'resolved_at', '', "
         f"{'resolved_at::text' if pg else 'resolved_at'}, '', FALSE, 0 FROM tickets_ticket "
         "WHERE resolved_at IS NOT NULL"),
        ("breach events",
         "INSERT INTO sla_slaevent (ticket_id, key, kind, group_id, started_at, percent, due_at, reached_at, "
         "recorded_at, cause, escalation) SELECT ticket_id, key, kind, group_id, started_at, 100, due_at, "
         "COALESCE(stopped_at, started_at), COALESCE(stopped_at, started_at), '', '' FROM sla_slatarget "
         "WHERE breached"),
    ]
    with connection.cursor() as cursor:
        for name, sql in statements:
            started = time.monotonic()
            cursor.execute(sql)
            log(f"{name}: {cursor.rowcount:,} rows in {time.monotonic() - started:.1f}s")
        cursor.execute("ANALYZE")


def _best(function, repeat: int) -> float:
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        function()
        times.append(time.perf_counter() - started)
    return min(times)


# The breakdowns the dashboard offers, one KPI of each kind of query (tickets by creation, by resolution,
# clock rows, history, a median, the backlog, the cost).
BREAKDOWN_KPIS = ("tickets_created", "first_response_in_time", "ola_met", "reopen_rate", "time_to_resolve_median",
                  "backlog", "cost_per_ticket")


def measure(repeat: int, log, viewer: str = "manager", breakdowns: bool = True) -> list[tuple[str, float, float]]:
    from servicedesk.accounts.models import User
    from servicedesk.reports import kpis
    from servicedesk.reports.filters import DIMENSIONS, Filters, add_months, month_end
    from servicedesk.tickets.models import Ticket

    who = User.objects.get(username=viewer)
    newest = Ticket.objects.order_by("-created_at").values_list("created_at", flat=True).first()
    first_of_month = newest.date().replace(day=1)
    month_start = add_months(first_of_month, -1)
    month = Filters(start=month_start, end=month_end(month_start), tz="Asia/Shanghai")
    year = Filters(start=add_months(first_of_month, -11), end=newest.date(), tz="Asia/Shanghai",
                   granularity="month")
    log(f"month {month.start}..{month.end}, year {year.start}..{year.end}")
    rows = [(f"dashboard of {viewer}: every KPI, with the previous period",
             _best(lambda: kpis.compute(who, month, compare=True), repeat),
             _best(lambda: kpis.compute(who, year, compare=True), repeat))]
    for key in BREAKDOWN_KPIS if breakdowns else ():
        for by in DIMENSIONS:
            rows.append((f"breakdown {key} by {by}",
                         _best(lambda k=key, b=by: kpis.breakdown(who, k, month, b), repeat),
                         _best(lambda k=key, b=by: kpis.breakdown(who, k, year, b), repeat)))
    return rows


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--generate", type=int, default=0, metavar="N", help="load N tickets first")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--viewer", default="manager", help="whose dashboard (a username: manager, lead1, ...)")
    parser.add_argument("--dashboard-only", action="store_true", help="time the dashboard, not the breakdowns")
    args = parser.parse_args(argv)

    def log(message):
        print(message, file=sys.stderr, flush=True)

    _setup()
    from django.core.management import call_command
    from django.db import connection

    if args.generate:
        from bench import generate

        call_command("migrate", verbosity=0)
        call_command("demo", no_tickets=True, stdout=open(os.devnull, "w"))
        generate.generate(args.generate, log=log)
        report_inputs(log)
        started = time.perf_counter()
        # Bulk loads bypass the receivers that keep the report facts and the rollup: build them as an upgrade does.
        call_command("rebuild-report-facts", stdout=open(os.devnull, "w"))
        log(f"report facts rebuilt in {time.perf_counter() - started:.0f} s")
    from servicedesk.tickets.models import Ticket

    tickets = Ticket.objects.count()
    results = measure(args.repeat, log, args.viewer, not args.dashboard_only)
    load = " ".join(f"{v:.2f}" for v in os.getloadavg())
    print(f"\n{connection.vendor}, {tickets:,} tickets, load average {load} ({os.cpu_count()} cores), "
          f"best of {args.repeat}, seconds\n")
    print(f"| {'scenario':<58} | {'month':>7} | {'year':>7} |")
    print(f"| {'-' * 58} | {'-' * 7}:| {'-' * 7}:|")
    for name, month, year in results:
        print(f"| {name:<58} | {month:>7.3f} | {year:>7.3f} |")


if __name__ == "__main__":
    main()
