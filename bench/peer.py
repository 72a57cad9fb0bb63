"""Side by side with django-helpdesk 2.6.1, the Python peer, on the peer's own workload:
`python -m bench.peer` (or `make bench-peer`).

    .venv/bin/python -m bench.peer --n 20000 --rounds 2

1. The peer: a virtualenv of its own under --home ($DHBENCH_HOME, else var/peer/) installed from the
   pinned requirements of its harness (--peer, the shared `peer-django-helpdesk/`); kept, and installed
   again only when the requirements change, so a second run starts at once. Its database is made fresh
   with the harness's own `fresh_db` and `seed` (N tickets, 2 follow-ups each, the harness's words).
2. Our desk: SQLite in --home/ours (migrate, `demo --no-tickets`, `bench.generate --shape peer`: the
   same words, the rare word in 1 % of the descriptions, 2 comments a ticket, 80 % open), served by
   `gunicorn servicedesk.wsgi -w 2` on a free loopback port.
3. Rounds, alternating: the peer's reads (its `bench.py --reads-only --repeats 1`), ours; the peer's
   creates (`--creates-only`), ours. One sequential client throughout; the load average after each.

Operations (ours ↔ the peer's phase; reads compare p50 latency, creates the rate):

| operation | ours | peer |
| --- | --- | --- |
| agent's queue | console "My groups" page as agent1 | c1 + c2: the list page and its data (JSON) |
| agent's API queue | GET /api/v1/tickets?status=open&limit=25 as agent1 (bearer) | c2 |
| REST list | the same as the manager (the whole desk) | c3: GET /helpdesk/api/tickets/?status=1,2 |
| search through the API | GET /api/v1/tickets?status=open&q=WORD&limit=25 as agent1 | d2: the search's data |
| search in the console | /console/search/?q=WORD as agent1, as the manager | d1 + d2 |
| ticket page | /console/tickets/<number>/ as agent1, random visible tickets | e |
| create through the API | POST /api/v1/tickets as agent1 (bearer), one after another | b1 (session + CSRF) |
| create through the portal | POST /portal/new/ as customer1, 302 not followed | b2: the public form |

WORD is the peer's rare word (`zeppelin`, 1 %) and its common one (`network`). The portal's submit
limit (5 a minute per customer) is raised for the run: the peer's form has none.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import random
import re
import shutil
import subprocess
import sys
import time
from pathlib import Path

from bench.generate import PEER_COMMON_WORD, PEER_RARE_WORD, PEER_WORDS
from bench.run import ROOT, Server, Session, engine_env, log, manage

PEER = Path(os.environ.get("SERVICEDESK_PEER_BENCH", ROOT.parent.parent / "shared/peer-bench/peer-django-helpdesk"))
HOME = Path(os.environ.get("DHBENCH_HOME") or ROOT / "var" / "peer")
WORDS = {"rare": PEER_RARE_WORD, "common": PEER_COMMON_WORD}
PAGE = 25  # the peer's page


# ---------------------------------------------------------------------------------------------
# Measuring (the peer's percentile: nearest rank)


def pct(values: list[float], p: float) -> float:
    s = sorted(values)
    k = max(0, min(len(s) - 1, int(round(p / 100.0 * len(s) + 0.5)) - 1))
    return s[k]


def summary(ms: list[float]) -> dict:
    return {"n": len(ms), "p50_ms": round(pct(ms, 50), 2), "p95_ms": round(pct(ms, 95), 2)}


def timed(get, urls: list[str], warmup: int = 3) -> dict:
    for url in urls[:warmup]:
        get(url)
    samples = []
    for url in urls:
        start = time.perf_counter()
        response = get(url)
        samples.append((time.perf_counter() - start) * 1000)
        if response.status_code != 200:
            raise SystemExit(f"GET {url} -> {response.status_code}: {response.text[:300]}")
    return summary(samples)


# ---------------------------------------------------------------------------------------------
# The peer


def peer_python(home: Path, peer: Path) -> str:
    """The peer's virtualenv, made and installed only when its pinned requirements changed."""
    venv = home / "venv"
    requirements = peer / "requirements.txt"
    stamp = venv / ".requirements.sha256"
    digest = hashlib.sha256(requirements.read_bytes()).hexdigest()
    python = venv / "bin" / "python"
    if not python.exists() or not stamp.exists() or stamp.read_text() != digest:
        log(f"installing the peer into {venv}")
        shutil.rmtree(venv, ignore_errors=True)
        subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
        subprocess.run([str(python), "-m", "pip", "install", "-q", "-r", str(requirements)], check=True)
        stamp.write_text(digest)
    return str(python)


def peer_env(home: Path) -> dict:
    env = {k: v for k, v in os.environ.items() if k not in ("DJANGO_SETTINGS_MODULE", "PYTHONPATH", "DATABASE_URL")}
    env.update({"DHBENCH_HOME": str(home), "DHBENCH_DB": str(home / "peer.sqlite3"), "PYTHONDONTWRITEBYTECODE": "1"})
    return env


def peer_seed(python: str, home: Path, peer: Path, n: int) -> dict:
    """The harness's own fresh database and seed (bench.py without its HTTP phases)."""
    code = (
        "import json, random, bench\n"
        "db = bench.os.environ['DHBENCH_DB']\n"
        "m = bench.fresh_db(db)\n"
        f"s = bench.seed({n}, 2, 1000, random.Random(12345))\n"
        "print(json.dumps(dict(s, migrate_s=round(m, 2))))\n"
    )
    out = subprocess.run([python, "-c", code], cwd=peer / "site", env=peer_env(home), check=True,
                         text=True, stdout=subprocess.PIPE)
    return json.loads(out.stdout.strip().splitlines()[-1])


def peer_round(python: str, home: Path, peer: Path, n: int, phase: str, args) -> dict:
    out = home / f"peer-{phase}.json"
    command = [python, "bench.py", "--n", str(n), "--repeats", "1", f"--{phase}-only", "--out", str(out),
               "--creates", str(args.creates), "--reads", str(args.reads), "--api-list-reads", str(args.api_list_reads)]
    subprocess.run(command, cwd=peer / "site", env=peer_env(home), check=True, stdout=subprocess.DEVNULL)
    return json.loads(out.read_text())["repeats"][0]


# ---------------------------------------------------------------------------------------------
# Our desk


def our_env(home: Path, fresh: bool) -> dict:
    return engine_env("sqlite", "", "", str(home / "ours"), fresh=fresh,
                      SERVICEDESK_PORTAL_SUBMITS_PER_MINUTE="1000000", SERVICEDESK_PORTAL_SUBMITS_PER_HOUR="1000000")


def probe() -> None:
    """Run inside our desk's environment (`--probe`): tokens, visible tickets and the customer, as JSON."""
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "servicedesk.settings")
    import django

    django.setup()
    from servicedesk.accounts.demo import PASSWORD
    from servicedesk.accounts.models import ApiToken, User
    from servicedesk.tickets.models import Ticket
    from servicedesk.tickets.permissions import visible_tickets

    agent, manager = User.objects.get(username="agent1"), User.objects.get(username="manager")
    rng = random.Random(7)
    high = Ticket.objects.order_by("-id").values_list("id", flat=True).first() or 0
    numbers = list(visible_tickets(agent).filter(pk__in={rng.randint(1, high) for _ in range(3000)})
                   .values_list("number", flat=True)[:500])
    print(json.dumps({
        "agent_token": ApiToken.issue(agent, name="bench-peer")[1],
        "manager_token": ApiToken.issue(manager, name="bench-peer")[1],
        "password": PASSWORD,
        "numbers": numbers,
        "tickets": Ticket.objects.count(),
        "agent_sees": visible_tickets(agent).count(),
    }))


def our_setup(home: Path, n: int) -> dict:
    env = our_env(home, fresh=True)
    manage(env, "servicedesk", "migrate", "--noinput", "-v0")
    manage(env, "servicedesk", "demo", "--no-tickets", capture=True)
    start = time.monotonic()
    manage(env, "bench.generate", "--tickets", str(n), "--shape", "peer")
    log(f"our desk: {n:,} tickets generated in {time.monotonic() - start:.1f}s")
    return json.loads(manage(env, "bench.peer", "--probe", capture=True).strip().splitlines()[-1])


def our_reads(base: str, info: dict, args) -> dict:
    import httpx

    out: dict = {}
    rng = random.Random(13)
    api = f"{base}/api/v1/tickets?status=open&limit={PAGE}"
    with httpx.Client(timeout=120) as client:
        for who in ("agent", "manager"):
            headers = {"Authorization": f"Bearer {info[f'{who}_token']}"}

            def get(url, headers=headers):
                return client.get(url, headers=headers)

            out[f"api_list_{who}"] = timed(get, [api] * args.reads)
            if who == "agent":
                for tag, word in WORDS.items():
                    out[f"api_search_{tag}"] = timed(get, [f"{api}&q={word}"] * args.reads)
    for who, username in (("agent", "agent1"), ("manager", "manager")):
        with httpx.Client(timeout=120) as client:  # a browser each: its own cookies
            session = Session(client, base)
            session.login(username, info["password"])
            if who == "agent":
                out["console_queue"] = timed(session.get, ["/console/queues/groups/"] * args.reads)
                urls = [f"/console/tickets/{rng.choice(info['numbers'])}/" for _ in range(args.reads)]
                out["ticket_page"] = timed(session.get, urls)
            for tag, word in WORDS.items():
                out[f"console_search_{tag}_{who}"] = timed(session.get, [f"/console/search/?q={word}"] * args.reads)
    return out


PORTAL_TOKEN = re.compile(r'name="csrfmiddlewaretoken"\s+value="([^"]+)"')


def our_creates(base: str, info: dict, args) -> dict:
    import httpx

    rng = random.Random(5)

    def words(k: int) -> str:
        return " ".join(rng.choice(PEER_WORDS) for _ in range(k))

    def rate(post, count: int) -> dict:
        samples = []
        start = time.perf_counter()
        for i in range(count):
            t = time.perf_counter()
            post(i)
            samples.append((time.perf_counter() - t) * 1000)
        return dict(summary(samples), tickets_per_s=round(count / (time.perf_counter() - start), 2))

    out: dict = {}
    with httpx.Client(timeout=120) as client:
        headers = {"Authorization": f"Bearer {info['agent_token']}"}

        def api(i):
            body = {"title": f"API ticket {i} {rng.choice(PEER_WORDS)}", "description": words(40), "urgency": 2}
            response = client.post(f"{base}/api/v1/tickets", json=body, headers=headers)
            if response.status_code != 201:
                raise SystemExit(f"POST /api/v1/tickets -> {response.status_code}: {response.text[:300]}")

        out["create_api"] = rate(api, args.creates)

    with httpx.Client(timeout=120) as client:
        session = Session(client, base)
        session.login("customer1", info["password"])
        form = session.get("/portal/new/")
        token = PORTAL_TOKEN.search(form.text).group(1)

        def portal(i):
            data = {"csrfmiddlewaretoken": token, "type": "incident", "category": "", "urgency": "2",
                    "title": f"Form ticket {i} {rng.choice(PEER_WORDS)}", "description": words(40)}
            response = session.request("POST", "/portal/new/", data=data, headers={"Referer": f"{base}/portal/new/"})
            if response.status_code != 302 or "/portal/requests/" not in response.headers.get("location", ""):
                raise SystemExit(f"POST /portal/new/ -> {response.status_code}: {response.text[:300]}")

        out["create_portal"] = rate(portal, args.creates)
    return out


# ---------------------------------------------------------------------------------------------
# The table

# operation → (our figure, the peer's phases whose p50s add up to what its user waits for, goal ×)
READS = [
    ("agent's queue (console page vs list page + its data)", "console_queue",
     ("c1_list_page_html", "c2_list_datatables_json"), 10),
    ("agent's API queue, 25 open (vs the list's data)", "api_list_agent", ("c2_list_datatables_json",), 10),
    ("REST list, manager (the whole desk)", "api_list_manager", ("c3_api_ticket_list_page1",), 100),
    ("REST list, agent (visibility rule)", "api_list_agent", ("c3_api_ticket_list_page1",), 100),
    ("search through the API, rare word", "api_search_rare", ("d2_search_datatables_json_rare",), 10),
    ("search through the API, common word", "api_search_common", ("d2_search_datatables_json_common",), 10),
    *[(f"search in the console, {tag} word, {who}", f"console_search_{tag}_{who}",
       (f"d1_search_page_html_{tag}", f"d2_search_datatables_json_{tag}"), 10)
      for tag in ("rare", "common") for who in ("agent", "manager")],
    ("ticket page", "ticket_page", ("e_ticket_view_html",), 3),
]
CREATES = [
    ("create through the API (tickets/s)", "create_api", "b1_api_create", 2),
    ("create through the portal vs the public form (tickets/s)", "create_portal", "b2_form_create", 2),
]


def table(rounds: list[dict]) -> str:
    def pair(d):
        return f"{d['p50_ms']:.1f} / {d['p95_ms']:.1f}"

    lines = [
        "| operation | peer p50 / p95 ms | ours p50 / p95 ms | ratio per round | goal | verdict |",
        "| --- | ---: | ---: | ---: | ---: | --- |",
    ]
    def verdict(ratios, goal):
        return "met" if min(ratios) >= goal else "MISSED"

    for label, ours, phases, goal in READS:
        ratios, peers, mine = [], [], []
        for r in rounds:
            peer = [r["peer_reads"][p] for p in phases]
            p50, p95 = sum(p["p50_ms"] for p in peer), sum(p["p95_ms"] for p in peer)
            ratios.append(p50 / r["our_reads"][ours]["p50_ms"])
            peers.append(f"{p50:.1f} / {p95:.1f}")
            mine.append(pair(r["our_reads"][ours]))
        lines.append(f"| {label} | {'; '.join(peers)} | {'; '.join(mine)} | "
                     f"{', '.join(f'{x:.1f}×' for x in ratios)} | ≥ {goal}× | {verdict(ratios, goal)} |")
    for label, ours, phase, goal in CREATES:
        ratios, peers, mine = [], [], []
        for r in rounds:
            peer, own = r["peer_creates"][phase], r["our_creates"][ours]
            ratios.append(own["tickets_per_s"] / peer["tickets_per_s"])
            peers.append(f"{peer['tickets_per_s']:.0f}/s ({pair(peer)})")
            mine.append(f"{own['tickets_per_s']:.0f}/s ({pair(own)})")
        lines.append(f"| {label} | {'; '.join(peers)} | {'; '.join(mine)} | "
                     f"{', '.join(f'{x:.2f}×' for x in ratios)} | ≥ {goal}× | {verdict(ratios, goal)} |")
    loads = "; ".join(f"round {i + 1}: {' → '.join(str(x) for x in r['load'])}" for i, r in enumerate(rounds))
    lines += ["", f"Load average (1 min) after each step (peer reads, ours, peer creates, ours): {loads}"]
    return "\n".join(lines)


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0], epilog=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--n", type=int, default=20000, help="tickets seeded in each desk")
    parser.add_argument("--rounds", type=int, default=2, help="alternating read and create rounds")
    parser.add_argument("--reads", type=int, default=50, help="requests per read figure")
    parser.add_argument("--api-list-reads", type=int, default=10, help="the peer's REST list (seconds each)")
    parser.add_argument("--creates", type=int, default=300, help="tickets created per method per round")
    parser.add_argument("--home", default=str(HOME), help="the peer's virtualenv and both databases")
    parser.add_argument("--peer", default=str(PEER), help="the peer's harness (requirements.txt, site/)")
    parser.add_argument("--keep", action="store_true", help="measure the databases left by the last run")
    parser.add_argument("--probe", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.probe:
        probe()
        return
    home, peer = Path(args.home).resolve(), Path(args.peer).resolve()
    home.mkdir(parents=True, exist_ok=True)
    python = peer_python(home, peer)
    state = home / "state.json"
    if args.keep and state.exists():
        info = json.loads(state.read_text())
    else:
        log(f"seeding the peer with {args.n:,} tickets")
        info = {"peer_seed": peer_seed(python, home, peer, args.n)}
        log(f"peer: {info['peer_seed']}")
        info.update(our_setup(home, args.n))
        state.write_text(json.dumps(info))
    log(f"our desk: {info['tickets']:,} tickets, agent1 sees {info['agent_sees']:,}")

    import httpx

    env = our_env(home, fresh=False)
    rounds = []
    for number in range(1, args.rounds + 1):
        r: dict = {"load": []}
        log(f"round {number}: the peer's reads")
        r["peer_reads"] = peer_round(python, home, peer, args.n, "reads", args)
        r["load"].append(round(os.getloadavg()[0], 1))
        server = Server(env, 2)
        try:
            with httpx.Client(timeout=5) as client:
                server.wait(client, info["agent_token"])
            log(f"round {number}: our reads")
            r["our_reads"] = our_reads(server.base, info, args)
            r["load"].append(round(os.getloadavg()[0], 1))
            log(f"round {number}: the peer's creates")
            r["peer_creates"] = peer_round(python, home, peer, args.n, "creates", args)
            r["load"].append(round(os.getloadavg()[0], 1))
            log(f"round {number}: our creates")
            r["our_creates"] = our_creates(server.base, info, args)
            r["load"].append(round(os.getloadavg()[0], 1))
        finally:
            server.stop()
        rounds.append(r)
        log(json.dumps(r))
    report = table(rounds)
    print(f"N = {args.n:,} tickets in each desk, {args.rounds} rounds, SQLite, gunicorn -w 2, one sequential client\n")
    print(report)
    (home / "results.json").write_text(json.dumps(rounds, indent=2) + "\n")
    (home / "results.md").write_text(report + "\n")
    log(f"written to {home}/results.md/.json")


if __name__ == "__main__":
    main()
