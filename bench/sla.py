"""Service-level watching: due-time computations per second, and the evaluator's time per pass.

    DATABASE_URL=postgresql://servicedesk:servicedesk@127.0.0.1:5433/servicedesk \\
        .venv/bin/python -m bench.sla [--open 100000,1000000] [--near 0,1000,10000] [--db servicedesk_sla_bench]

DATABASE_URL only names the PostgreSQL server: the bench drops and re-creates its own database
(``--db``, default ``servicedesk_sla_bench``), migrates it and loads the demo people and groups.

1. Due times per second (one core):
   * the pure clock (``BusinessCalendar.add_business_minutes``, China office hours with the official
     holidays and 调休 days, warm per-date cache), for a 1-hour and a 5-day target;
   * a ticket's full derivation (``tracking.derive``: policy, history query, response, resolution and
     OLA clocks and their threshold instants) on tickets made through the desk's actions, which is
     what ``ticket_changed`` costs per change.
2. The evaluator's pass (``tracking.evaluate``) over N open tickets, each with its two SLA clock rows
   and its four thresholds still to come (75 % and 100 % of response and resolution) loaded with
   COPY. K of those tickets have both response thresholds due ("near a threshold", 2K events per
   pass); the others' thresholds are hours to weeks ahead. A pass claims the due rows, records the
   events, runs the escalation rules (the seeded defaults: notify assignee, owner, lead, managers)
   and sends ``threshold_reached`` (no receivers here). Each (N, K) is measured on fresh rows, three
   passes, the median shown, plus the idle pass that follows (nothing due).
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import sys
import time
from datetime import UTC, datetime, timedelta
from urllib.parse import urlsplit, urlunsplit

DEFAULT_DB = "servicedesk_sla_bench"


def log(message: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


def setup(server_url: str, name: str) -> None:
    import psycopg

    if name in {"servicedesk", "postgres"} or name.startswith("test_"):
        raise SystemExit(f"Refusing to drop database {name!r}; pick a dedicated name with --db.")
    parts = urlsplit(server_url)
    with psycopg.connect(urlunsplit(parts._replace(path="/postgres")), autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')
    os.environ["DATABASE_URL"] = urlunsplit(parts._replace(path=f"/{name}"))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "servicedesk.settings")
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    call_command("demo", no_tickets=True, stdout=open(os.devnull, "w"))


# -- 1. due times ------------------------------------------------------------------------------------


def clock_rate(n: int) -> list[tuple[str, float]]:
    from bench.sla_clock import china_calendar

    cal = china_calendar()
    rng = random.Random(1)
    base = datetime(2025, 1, 1, tzinfo=UTC)
    starts = [base + timedelta(seconds=rng.randrange(60 * 86400 * 11)) for _ in range(n)]
    rows = []
    for label, minutes in (("clock: add 60 business minutes", 60), ("clock: add 2400 business minutes", 2400)):
        began = time.perf_counter()
        for t in starts:
            cal.add_business_minutes(t, minutes)
        rows.append((label, n / (time.perf_counter() - began)))
    return rows


def derive_rate(n: int) -> list[tuple[str, float]]:
    from servicedesk.accounts.models import Group, User
    from servicedesk.sla import tracking
    from servicedesk.sla.models import OlaTarget
    from servicedesk.tickets import actions
    from servicedesk.tickets.models import Ticket

    agent, customer = User.objects.get(username="agent1"), User.objects.get(username="customer1")
    groups = list(Group.objects.filter(kind__in=["team", "department"]).order_by("tier"))
    for group in groups:
        OlaTarget.objects.get_or_create(group=group, defaults={"minutes": 480})
    ids = []
    for i in range(n):
        ticket = actions.create_ticket(actor=agent, title=f"Bench {i}", requester=customer, priority=1 + i % 5,
                                       group=groups[0])
        actions.assign(ticket, actor=agent, group=groups[1 + i % (len(groups) - 1)])
        actions.transition(ticket, "pend", actor=agent, pending_reason="customer")
        actions.transition(ticket, "resume", actor=agent)
        ids.append(ticket.pk)
    config = tracking.Config.load()
    tickets = list(Ticket.objects.filter(pk__in=ids).select_related("group", "category"))
    for ticket in tickets[:20]:  # warm the calendar caches
        tracking.recompute_ticket(ticket.pk, config)
    began = time.perf_counter()
    for ticket in tickets:
        tracking.recompute_ticket(ticket.pk, config)
    one = len(tickets) / (time.perf_counter() - began)
    began = time.perf_counter()
    count = tracking.rebuild()
    rebuilt = count / (time.perf_counter() - began)
    return [("ticket: recompute its clock rows from history, one ticket (what a change costs)", one),
            ("rebuild: tickets per second (`recompute-sla`, 500 a batch, rows written)", rebuilt)]


# -- 2. the evaluator ----------------------------------------------------------------------------------


def load_open_tickets(count: int) -> None:
    """``count`` open tickets with COPY (numbers B-…; spread over the demo people and groups)."""
    from django.db import connection

    from servicedesk.accounts.models import Desk, Group, User
    from servicedesk.tickets.models import Ticket

    desk = Desk.objects.get(is_default=True)
    agents = list(User.objects.filter(role__in=["agent", "lead"]).values_list("pk", flat=True))
    customers = list(User.objects.filter(role="customer").values_list("pk", flat=True))
    groups = list(Group.objects.values_list("pk", flat=True))
    have = Ticket.objects.filter(number__startswith="B-").count()
    now = datetime.now(UTC)
    columns = ["desk_id", "number", "type", "title", "description", "status", "pending_reason", "impact",
               "urgency", "priority", "priority_overridden", "requester_id", "channel", "owner_id", "group_id",
               "assignee_id", "created_at", "updated_at", "version"]
    rng = random.Random(have)
    with connection.cursor() as cursor:
        with cursor.cursor.copy(f"COPY tickets_ticket ({', '.join(columns)}) FROM STDIN") as copy:
            for i in range(have, count):
                created = now - timedelta(minutes=rng.randrange(60, 60 * 24 * 20))
                copy.write_row([desk.pk, f"B-{i:08d}", "incident", f"Bench ticket {i}", "", "assigned", "", 2, 2,
                                1 + i % 5, False, rng.choice(customers), "email", rng.choice(agents),
                                rng.choice(groups), rng.choice(agents), created, created, 2])
        cursor.execute("ANALYZE tickets_ticket")


def load_clock_rows(near: int) -> int:
    """Replace every clock row: 2 SlaTarget rows and 4 PendingThreshold rows per bench ticket; ``near``
    tickets have both response thresholds due now, the others' come later. Returns the rows due."""
    from django.db import connection

    from servicedesk.sla.models import PendingThreshold, SlaEvent, SlaTarget

    now = datetime.now(UTC)
    with connection.cursor() as cursor:
        cursor.execute("TRUNCATE sla_pendingthreshold, sla_slatarget, sla_slaevent")
        cursor.execute("SELECT id, created_at FROM tickets_ticket WHERE number LIKE 'B-%%' ORDER BY id")
        tickets = cursor.fetchall()
        rng = random.Random(near)
        near_ids = set(rng.sample([pk for pk, _ in tickets], near)) if near else set()
        with cursor.cursor.copy(
                "COPY sla_slatarget (ticket_id, key, kind, started_at, target_minutes, state, due_at, breached) "
                "FROM STDIN") as copy:
            for pk, created in tickets:
                copy.write_row([pk, "response", "response", created, 60, "running", now + timedelta(hours=1), False])
                copy.write_row([pk, "resolution", "resolution", created, 480, "running", now + timedelta(days=3),
                                False])
        with cursor.cursor.copy(
                "COPY sla_pendingthreshold (ticket_id, key, kind, started_at, percent, at, due_at, target_minutes) "
                "FROM STDIN") as copy:
            for pk, created in tickets:
                if pk in near_ids:
                    response = (now - timedelta(minutes=20), now - timedelta(seconds=30))
                else:
                    ahead = timedelta(minutes=rng.randrange(5, 60 * 24 * 14))
                    response = (now + ahead, now + ahead + timedelta(minutes=15))
                resolution = (now + timedelta(days=2), now + timedelta(days=3))
                copy.write_row([pk, "response", "response", created, 75, response[0], response[1], 60])
                copy.write_row([pk, "response", "response", created, 100, response[1], response[1], 60])
                copy.write_row([pk, "resolution", "resolution", created, 75, resolution[0], resolution[1], 480])
                copy.write_row([pk, "resolution", "resolution", created, 100, resolution[1], resolution[1], 480])
        cursor.execute("ANALYZE sla_pendingthreshold")
        cursor.execute("ANALYZE sla_slatarget")
    assert not SlaEvent.objects.exists() and SlaTarget.objects.exists()
    return PendingThreshold.objects.filter(at__lte=now).count()


def measure_pass(open_count: int, near: int, repeats: int) -> dict:
    from servicedesk.sla import tracking

    times, idle, recorded = [], [], 0
    for _ in range(repeats):
        due = load_clock_rows(near)
        began = time.perf_counter()
        result = tracking.evaluate()
        times.append(time.perf_counter() - began)
        assert result.recorded == due == 2 * near, (result, due)
        recorded = result.recorded
        began = time.perf_counter()
        assert tracking.evaluate().recorded == 0
        idle.append(time.perf_counter() - began)
    return {"open": open_count, "near": near, "events": recorded, "pass": statistics.median(times),
            "idle": statistics.median(idle)}


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--open", default="100000",
                        help="open ticket counts, comma-separated (default 100000; empty: due times only)")
    parser.add_argument("--near", default="0,1000,10000", help="tickets near a threshold per pass")
    parser.add_argument("--db", default=DEFAULT_DB)
    parser.add_argument("--clock-n", type=int, default=20000, help="clock computations per figure")
    parser.add_argument("--derive-n", type=int, default=200, help="tickets made through the actions to derive")
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args(argv)
    server = os.environ.get("DATABASE_URL", "")
    if not server.startswith("postgres"):
        raise SystemExit("Set DATABASE_URL to the PostgreSQL server (e.g. postgresql://servicedesk:…@127.0.0.1:5433/"
                         "servicedesk); the bench uses its own database on it (--db).")
    log(f"database {args.db}: create, migrate, demo people")
    setup(server, args.db)
    rates = clock_rate(args.clock_n)
    log("tickets through the actions for the derivation figure")
    rates += derive_rate(args.derive_n)
    print("\n| due-time computation | per second |\n| --- | ---: |")
    for label, rate in rates:
        print(f"| {label} | {rate:,.0f} |")
    rows = []
    for open_count in sorted(int(x) for x in args.open.split(",") if x):
        log(f"loading {open_count:,} open tickets (COPY)")
        load_open_tickets(open_count)
        for near in sorted(int(x) for x in args.near.split(",")):
            log(f"evaluator: {open_count:,} open, {near:,} near a threshold")
            rows.append(measure_pass(open_count, near, args.repeats))
            r = rows[-1]
            log(f"  pass {r['pass']:.3f} s for {r['events']:,} events, idle {1000 * r['idle']:.1f} ms")
    if not rows:
        return
    print("\n| open tickets | near a threshold | events recorded | pass (s) | ms per event | idle pass (ms) |")
    print("| ---: | ---: | ---: | ---: | ---: | ---: |")
    for r in rows:
        per = f"{1000 * r['pass'] / r['events']:.2f}" if r["events"] else "–"
        print(f"| {r['open']:,} | {r['near']:,} | {r['events']:,} | {r['pass']:.3f} | {per} | "
              f"{1000 * r['idle']:.1f} |")


if __name__ == "__main__":
    main()
