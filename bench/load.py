"""The desk under a working day's load, on 1, 2 and 3 web processes: `python -m bench.load`.

DATABASE_URL names the server; the database (`--db`, default sd_bench) is measured as it is: load it first
with `python -m bench.generate --tickets 1000000` and `migrate` it. For each process count, that many
`gunicorn -w 1` processes start on free loopback ports and `--clients` concurrent clients (agents and
customers mixed, each request to the next process in turn) work for `--seconds`:

- agents (bearer token of agent1, whose 1st-line queue holds ~29,000 open tickets at 1M): the queue's first
  page, a ticket, a reply, a routing to a colleague, a lifecycle action — with the version they read;
- customers (tokens of the generated customers): open a ticket, list their requests, reply to one.

Printed per process count and operation: requests, throughput, p50/p95/p99 in milliseconds, and the goal
check (p95 of every agent action under 100 ms). Results also go to bench/results/load-<time>.json.
"""

from __future__ import annotations

import argparse
import itertools
import json
import os
import random
import subprocess
import threading
import time
from collections import defaultdict

import httpx

from bench.run import PYTHON, ROOT, Server, engine_env, percentile

AGENT_ACTIONS = ("queue", "ticket", "reply (agent)", "route", "transition")
CUSTOMER_ACTIONS = ("open ticket", "my requests", "reply (customer)")
GOAL_MS = 100.0

SETUP = """
import json, os, django
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "servicedesk.settings")
django.setup()
from servicedesk.accounts.models import ApiToken, Group, Role, User
from servicedesk.tickets.models import OPEN_STATUSES, Ticket
agent = User.objects.get(username="agent1")
group = Group.objects.filter(members=agent, tier=1).order_by("name").first()
colleagues = list(group.members.values_list("id", flat=True))
open_tickets = Ticket.objects.filter(group=group, status__in=OPEN_STATUSES).order_by("-id")
queue = list(open_tickets.values_list("id", flat=True)[:2000])
recent = set(Ticket.objects.order_by("-id").values_list("requester_id", flat=True)[:2000])
customers = []
for user in User.objects.filter(pk__in=recent, role=Role.CUSTOMER, is_active=True)[:40]:
    mine = list(Ticket.objects.filter(requester=user, status__in=OPEN_STATUSES).values_list("id", flat=True)[:20])
    customers.append({"token": ApiToken.issue(user, name="load bench")[1], "tickets": mine})
print(json.dumps({"agent": ApiToken.issue(agent, name="load bench")[1], "group": group.pk,
                  "colleagues": colleagues, "queue": queue, "customers": customers}))
"""


class Run:
    def __init__(self, bases: list[str], info: dict, seed: int):
        self.bases = itertools.cycle(bases)
        self.info = info
        self.samples: dict[str, list[float]] = defaultdict(list)
        self.failures: dict[str, dict[int, int]] = defaultdict(lambda: defaultdict(int))
        self.lock = threading.Lock()
        self.rng = random.Random(seed)

    def call(self, client: httpx.Client, op: str, method: str, path: str, **kwargs):
        with self.lock:
            base = next(self.bases)
        started = time.perf_counter()
        response = client.request(method, base + path, **kwargs)
        elapsed = (time.perf_counter() - started) * 1000
        with self.lock:
            # A 409 is a colleague's change read first (optimistic locking): an answer, not a failure.
            if response.status_code < 300 or response.status_code == 409:
                self.samples[op].append(elapsed)
            else:
                self.failures[op][response.status_code] += 1
        return response

    def agent(self, stop: float, rng: random.Random) -> None:
        client = httpx.Client(headers={"Authorization": f"Bearer {self.info['agent']}"}, timeout=30)
        queue = f"/api/v1/tickets?status=open&group={self.info['group']}&limit=50"
        while time.monotonic() < stop:
            action = rng.choice(AGENT_ACTIONS)
            if action == "queue":
                self.call(client, "queue", "GET", queue)
                continue
            pk = rng.choice(self.info["queue"])
            read = self.call(client, "ticket", "GET", f"/api/v1/tickets/{pk}")
            if read.status_code != 200 or action == "ticket":
                continue
            body = read.json()
            if action == "reply (agent)":
                self.call(client, action, "POST", f"/api/v1/tickets/{pk}/comments",
                          json={"body": "Checking the logs now.", "version": body["version"]})
            elif action == "route":
                self.call(client, action, "PATCH", f"/api/v1/tickets/{pk}", json={
                    "version": body["version"], "group": self.info["group"],
                    "assignee": rng.choice(self.info["colleagues"])})
            else:
                offered = sorted({"acknowledge", "start", "pend", "resume"} & set(body["actions"]))
                if offered:
                    move = rng.choice(offered)
                    payload = {"version": body["version"], "action": move}
                    if move == "pend":
                        payload["pending_reason"] = "customer"
                    self.call(client, action, "POST", f"/api/v1/tickets/{pk}/transitions", json=payload)

    def customer(self, stop: float, rng: random.Random) -> None:
        person = rng.choice(self.info["customers"])
        client = httpx.Client(headers={"Authorization": f"Bearer {person['token']}"}, timeout=30)
        while time.monotonic() < stop:
            action = rng.choice(CUSTOMER_ACTIONS)
            if action == "open ticket":
                made = self.call(client, action, "POST", "/api/v1/tickets", json={
                    "title": "打印机卡纸 printer jams", "description": "Floor 3, since this morning."})
                if made.status_code == 201:
                    person["tickets"].append(made.json()["id"])
            elif action == "my requests":
                self.call(client, action, "GET", "/api/v1/tickets?limit=20")
            elif person["tickets"]:
                self.call(client, action, "POST", f"/api/v1/tickets/{rng.choice(person['tickets'])}/comments",
                          json={"body": "Any news?"})

    def go(self, clients: int, seconds: float) -> float:
        stop = time.monotonic() + seconds
        threads = [threading.Thread(target=self.agent if n % 2 == 0 else self.customer,
                                    args=(stop, random.Random(self.rng.random()))) for n in range(clients)]
        started = time.monotonic()
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        return time.monotonic() - started


def measure(env: dict, processes: int, info: dict, args) -> dict:
    servers = [Server(env, 1) for _ in range(processes)]
    try:
        with httpx.Client(timeout=10) as client:
            for server in servers:
                server.wait(client, info["agent"])
        warm = Run([s.base for s in servers], info, args.seed)
        warm.go(args.clients, args.warmup)
        run = Run([s.base for s in servers], info, args.seed)
        elapsed = run.go(args.clients, args.seconds)
    finally:
        for server in servers:
            server.stop()
    total = sum(len(v) for v in run.samples.values())
    ops = {op: {"n": len(v), "per_s": round(len(v) / elapsed, 1), "p50": round(percentile(v, 50), 1),
                "p95": round(percentile(v, 95), 1), "p99": round(percentile(v, 99), 1),
                "failed": dict(run.failures[op])}
           for op, v in sorted(run.samples.items())}
    return {"processes": processes, "requests_per_s": round(total / elapsed, 1), "operations": ops,
            "load_average": os.getloadavg()[0]}


def table(results: list[dict]) -> str:
    lines = ["| processes | operation | requests | per s | p50 ms | p95 ms | p99 ms | failed |",
             "| --- | --- | --- | --- | --- | --- | --- | --- |"]
    for result in results:
        lines.append(f"| {result['processes']} | **all** | | **{result['requests_per_s']}** | | | | "
                     f"load avg {result['load_average']:.1f} |")
        for op, d in result["operations"].items():
            lines.append(f"| {result['processes']} | {op} | {d['n']} | {d['per_s']} | {d['p50']} | {d['p95']} | "
                         f"{d['p99']} | {d['failed'] or ''} |")
    lines.append("")
    for result in results:
        slow = {op: d["p95"] for op, d in result["operations"].items() if op in AGENT_ACTIONS and d["p95"] >= GOAL_MS}
        lines.append(f"{result['processes']} process(es): p95 of every agent action < {GOAL_MS:.0f} ms: "
                     + ("yes" if not slow else f"no, {slow}"))
    return "\n".join(lines)


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--db", default="sd_bench")
    parser.add_argument("--processes", default="1,2,3")
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--seconds", type=float, default=30)
    parser.add_argument("--warmup", type=float, default=5)
    parser.add_argument("--seed", type=int, default=2026)
    args = parser.parse_args(argv)
    server = os.environ.get("DATABASE_URL", "")
    if not server.startswith("postgres"):
        raise SystemExit("DATABASE_URL must name the PostgreSQL server (the database is --db)")
    env = engine_env("postgresql", server, args.db, "", fresh=False, SERVICEDESK_NOTIFY_ENABLED="0")
    info = _setup(env)
    results = [measure(env, int(n), info, args) for n in args.processes.split(",")]
    print(table(results))
    folder = ROOT / "bench" / "results"
    folder.mkdir(exist_ok=True)
    (folder / f"load-{time.strftime('%Y%m%d-%H%M%S')}.json").write_text(json.dumps(results, indent=1))


def _setup(env: dict) -> dict:
    """Tokens and tickets the clients use, from the bench database (a child process on it)."""
    out = subprocess.run([PYTHON, "-c", SETUP], cwd=ROOT, env=env, capture_output=True, text=True)
    if out.returncode:
        raise SystemExit(out.stderr[-2000:])
    return json.loads(out.stdout.splitlines()[-1])


if __name__ == "__main__":
    main()
