"""CTI events per second through the webhook, on SQLite and PostgreSQL.

    .venv/bin/python -m bench.cti_speed [--only sqlite|postgresql] [--calls 500] [--db sd_cti_bench]

Per database: a fresh desk (migrate, `demo --no-tickets`, 200 customers with phone numbers, agent extensions),
then CALLS calls of four events each (offered, answered, transferred to the 2nd line, ended; one in five offered
then abandoned instead), each event its own signed `POST /api/v1/telephony/events`, sent in-process through
Django's test client (the whole request path: middleware, signature check, JSON, the actions with their locks,
audit rows and the number lookup; no HTTP server or network), one after another. Then every event again: the
replays, stored once. Prints events/s and the mean milliseconds per event.

PostgreSQL: DATABASE_URL names the server; the bench drops and re-creates its own database (`--db`).
"""

from __future__ import annotations

import argparse
import json
import os
import time

from .run import RESULTS, engine_env, log, manage

SECRET = "bench-cti-secret"
CUSTOMERS = 200


def _events(calls: int, start: float) -> list[dict]:
    events = []
    for n in range(calls):
        t = start + n * 7
        call = {"call_id": f"bench-{n}"}
        caller = f"+86 139 {n % CUSTOMERS:04d} {n % CUSTOMERS:04d}" if n % 10 else f"021-5555-{n:04d}"
        events.append({**call, "event": "offered", "event_id": f"{n}-o", "timestamp": t, "caller": caller,
                       "queue": "Service Desk (1st line)"})
        if n % 5 == 4:
            events.append({**call, "event": "abandoned", "event_id": f"{n}-a", "timestamp": t + 30})
            continue
        events += [
            {**call, "event": "answered", "event_id": f"{n}-n", "timestamp": t + 8, "agent": "8001"},
            {**call, "event": "transferred", "event_id": f"{n}-t", "timestamp": t + 60, "agent": "8001",
             "to_queue": "Network and Infrastructure (2nd line)"},
            {**call, "event": "ended", "event_id": f"{n}-e", "timestamp": t + 200},
        ]
    return events


def child(calls: int) -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "servicedesk.settings")
    import django

    django.setup()
    from django.db import connection
    from django.test import Client

    from servicedesk.accounts.models import Role, User
    from servicedesk.core import signing
    from servicedesk.telephony.models import Call, CallEvent, Extension

    User.objects.bulk_create([User(username=f"caller{n}", role=Role.CUSTOMER, phone=f"139-{n:04d}-{n:04d}")
                              for n in range(CUSTOMERS)], ignore_conflicts=True)
    Extension.objects.get_or_create(user=User.objects.get(username="agent1"), defaults={"number": "8001"})
    client = Client()
    bodies = [json.dumps(e).encode() for e in _events(calls, time.time() - 86400)]

    def send_all() -> float:
        began = time.perf_counter()
        for body in bodies:
            response = client.post("/api/v1/telephony/events", data=body, content_type="application/json",
                                   HTTP_X_SERVICEDESK_SIGNATURE=signing.header(SECRET, body))
            assert response.status_code == 200, response.content
        return time.perf_counter() - began

    first = send_all()
    replay = send_all()
    assert CallEvent.objects.count() == len(bodies) and Call.objects.count() == calls
    print(json.dumps({"vendor": connection.vendor, "events": len(bodies), "calls": calls,
                      "per_second": len(bodies) / first, "replay_per_second": len(bodies) / replay,
                      "load_average": os.getloadavg()[0]}))


def run_engine(engine: str, args) -> dict:
    env = engine_env(engine, args.server, args.db, args.sqlite_dir, SERVICEDESK_CTI_SECRETS=SECRET,
                     SERVICEDESK_NOTIFY_ENABLED="0")
    log(f"{engine}: migrate, demo people, {args.calls} calls")
    manage(env, "servicedesk", "migrate", "--noinput", "-v0")
    manage(env, "servicedesk", "demo", "--no-tickets", capture=True)
    out = manage(env, "bench.cti_speed", "--child", "--calls", str(args.calls), capture=True)
    return json.loads(out.strip().splitlines()[-1])


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0], epilog=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--only", choices=["sqlite", "postgresql"], help="one database instead of both")
    parser.add_argument("--calls", type=int, default=500)
    parser.add_argument("--db", default="sd_cti_bench", help="PostgreSQL bench database (dropped and re-created!)")
    parser.add_argument("--sqlite-dir", default=str(RESULTS / "cti-sqlite"))
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        child(args.calls)
        return
    args.server = os.environ.get("DATABASE_URL", "")
    engines = [args.only] if args.only else ["sqlite", "postgresql"]
    if "postgresql" in engines and not args.server.startswith("postgres"):
        raise SystemExit("Set DATABASE_URL to a PostgreSQL URL (its server hosts the bench database), "
                         "or pass --only sqlite.")
    results = [run_engine(engine, args) for engine in engines]
    print("| database | calls | events | events/s | ms per event | replays/s | load avg |")
    print("| --- | ---: | ---: | ---: | ---: | ---: | ---: |")
    for r in results:
        print(f"| {r['vendor']} | {r['calls']:,} | {r['events']:,} | {r['per_second']:,.0f} | "
              f"{1000 / r['per_second']:.1f} | {r['replay_per_second']:,.0f} | {r['load_average']:.1f} |")


if __name__ == "__main__":
    main()
