"""How well article search ranks: `python -m bench.knowledge_relevance [--only sqlite|postgresql]`.

Loads bench/knowledge/articles.json (153 articles, Chinese and English) into a fresh SQLite and a fresh
PostgreSQL database — migrate, `servicedesk demo --no-tickets`, then every article written by agent1
and published by lead1 through knowledge.actions, so the search index is kept as the app keeps it —
and runs every query of bench/knowledge/queries.json through `search.find_articles` as customer1 (a
customer of Organisation A), in the query's language. Per database it prints:

- precision@5 (relevant — `first` or `also` — among the top 5, over min(5, number relevant): 1.0 when
  every labelled article is in the top 5), MRR (1 / rank of the first `first` article, 0 beyond
  `--limit`), hit@1 and hit@2, overall and per kind of query;
- the two-character Chinese queries (网络, 密码 …) with the rank of their article, since the goal is
  each found first or second;
- every query whose expected article is not first, with what came first instead;
- staff-only articles returned to the customer (must be none).

PostgreSQL: DATABASE_URL names the server; the database `--db` (default sd_h2) is dropped and made
again. Without DATABASE_URL only SQLite runs. Exit status 1 when MRR < `--min-mrr` (0.8) on a database,
or a staff-only article reached the customer; so the command can gate CI.
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

from bench.run import ROOT, bench_url, log, manage, recreate_postgres

KINDS = ["short2", "sentence", "mixed", "synonym", "inflection", "typo", "en"]


# ---------------------------------------------------------------------------------------------
# Inside the database's environment (`--child`): load, search, print JSON.


def child(limit: int) -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "servicedesk.settings")
    import django

    django.setup()
    from django.db import connection

    from bench import knowledge_corpus as corpus
    from servicedesk import search
    from servicedesk.accounts.models import User
    from servicedesk.knowledge.models import Audience

    people = {u.username: u for u in User.objects.filter(username__in=["agent1", "lead1", "customer1"])}
    start = time.monotonic()
    items = corpus.articles()
    pks = corpus.publish_corpus(people["agent1"], people["lead1"], items)
    loaded = time.monotonic() - start
    ids = {pk: key for key, pk in pks.items()}
    staff_only = {pks[a["id"]] for a in items if a["audience"] == Audience.STAFF}
    results = []
    for query in corpus.queries():
        t = time.perf_counter()
        hits = search.find_articles(query["q"], user=people["customer1"], language=query["language"], limit=limit)
        ms = (time.perf_counter() - t) * 1000
        got = [hit.article.pk for hit in hits]
        results.append({**query, "got": [ids.get(pk, str(pk)) for pk in got], "ms": ms,
                        "leaked": [ids[pk] for pk in got if pk in staff_only]})
    print(json.dumps({"vendor": connection.vendor, "articles": len(pks), "load_seconds": round(loaded, 1),
                      "results": results}, ensure_ascii=False))


# ---------------------------------------------------------------------------------------------
# Scoring and tables


def score(result: dict) -> dict:
    got, first = result["got"], set(result["first"])
    relevant = first | set(result["also"])
    rank = next((i for i, key in enumerate(got, 1) if key in first), None)
    return {
        "p5": len([k for k in got[:5] if k in relevant]) / min(5, len(relevant)),
        "rr": 1 / rank if rank else 0.0,
        "hit1": rank == 1,
        "hit2": rank is not None and rank <= 2,
        "rank": rank,
    }


def summary(scored: list[tuple[dict, dict]]) -> dict:
    s = [x for _, x in scored]
    return {
        "n": len(s),
        "p5": statistics.fmean(x["p5"] for x in s),
        "mrr": statistics.fmean(x["rr"] for x in s),
        "hit1": statistics.fmean(x["hit1"] for x in s),
        "hit2": statistics.fmean(x["hit2"] for x in s),
    }


def report(run: dict, limit: int) -> tuple[str, dict]:
    scored = [(r, score(r)) for r in run["results"]]
    overall = summary(scored)
    lines = [
        f"### {run['vendor']}: {run['articles']} articles (loaded through knowledge.actions in "
        f"{run['load_seconds']} s), {len(scored)} queries, as customer1",
        "",
        "| queries | n | precision@5 | MRR | hit@1 | hit@2 |",
        "| --- | ---: | ---: | ---: | ---: | ---: |",
    ]

    def row(name: str, s: dict) -> str:
        return f"| {name} | {s['n']} | {s['p5']:.3f} | {s['mrr']:.3f} | {s['hit1']:.3f} | {s['hit2']:.3f} |"

    lines.append(row("**all**", overall))
    for kind in KINDS:
        part = [x for x in scored if x[0]["kind"] == kind]
        if part:
            lines.append(row(kind, summary(part)))
    lines.append(row("Chinese (zh-hans)", summary([x for x in scored if x[0]["language"] == "zh-hans"])))
    lines.append(row("English (en)", summary([x for x in scored if x[0]["language"] == "en"])))
    times = sorted(r["ms"] for r in run["results"])
    lines += ["", f"Search time per query (in-process, one client): median {statistics.median(times):.1f} ms, "
              f"max {times[-1]:.1f} ms.", ""]

    short = [x for x in scored if x[0]["kind"] == "short2"]
    lines.append("Two-character Chinese queries, rank of the expected article (— : not in the top "
                  f"{limit}): " + ", ".join(f"{r['q']} {s['rank'] or '—'}" for r, s in short))
    beyond = [r["q"] for r, s in short if not s["hit2"]]
    lines.append(f"Not first or second: {', '.join(beyond) if beyond else 'none'}.")
    lines += ["", "Queries whose expected article is not first (rank; expected; first three found):", ""]
    for r, s in scored:
        if not s["hit1"]:
            lines.append(f"- `{r['q']}` ({r['kind']}): rank {s['rank'] or '—'}; expected "
                         f"{' / '.join(r['first'])}; got {', '.join(r['got'][:3]) or 'nothing'}")
    leaked = sorted({k for r in run["results"] for k in r["leaked"]})
    lines += ["", f"Staff-only articles returned to the customer: {', '.join(leaked) if leaked else 'none'}."]
    overall["leaked"] = leaked
    return "\n".join(lines), overall


# ---------------------------------------------------------------------------------------------
# Driving a fresh database per engine


def run_engine(engine: str, args) -> dict:
    env = dict(os.environ)
    env.update({
        "SERVICEDESK_SECRET_KEY": "bench-not-secret",
        "SERVICEDESK_LOG_LEVEL": "ERROR",
        "SERVICEDESK_FAST_HASHER": "1",  # the demo's people are made, never signed in
        "PYTHONPATH": os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")])),
    })
    data = None
    if engine == "postgresql":
        recreate_postgres(args.server, args.db)
        env["DATABASE_URL"] = bench_url(args.server, args.db)
    else:
        env.pop("DATABASE_URL", None)
        data = tempfile.mkdtemp(prefix="kb-relevance-")
        env["SERVICEDESK_DATA_DIR"] = data
    try:
        log(f"{engine}: migrate, demo people and catalogue, {args.limit} results a query")
        manage(env, "servicedesk", "migrate", "--noinput", "-v0")
        manage(env, "servicedesk", "demo", "--no-tickets", capture=True)
        out = manage(env, "bench.knowledge_relevance", "--child", "--limit", str(args.limit), capture=True)
        return json.loads(out.strip().splitlines()[-1])
    finally:
        if data:
            shutil.rmtree(data, ignore_errors=True)


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0], epilog=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--only", choices=["sqlite", "postgresql"], help="one database instead of both")
    parser.add_argument("--db", default="sd_h2", help="PostgreSQL database to (re)create (dropped!)")
    parser.add_argument("--limit", type=int, default=10, help="results asked per query")
    parser.add_argument("--min-mrr", type=float, default=0.8, help="exit 1 below this MRR")
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        child(args.limit)
        return
    args.server = os.environ.get("DATABASE_URL", "")
    engines = [args.only] if args.only else ["sqlite", "postgresql"]
    if "postgresql" in engines and not args.server.startswith("postgres"):
        if args.only:
            raise SystemExit("Set DATABASE_URL to a PostgreSQL URL (its server hosts the bench database).")
        log("DATABASE_URL names no PostgreSQL server: SQLite only")
        engines = ["sqlite"]
    failed = []
    for engine in engines:
        text, overall = report(run_engine(engine, args), args.limit)
        print(text + "\n", flush=True)
        if overall["mrr"] < args.min_mrr:
            failed.append(f"{engine}: MRR {overall['mrr']:.3f} < {args.min_mrr}")
        if overall["leaked"]:
            failed.append(f"{engine}: staff-only articles reached a customer")
    verdict = "; ".join(failed) if failed else "met on " + " and ".join(engines)
    print(f"Goal (MRR ≥ {args.min_mrr:.2f}, nothing staff-only to customers): {verdict}")
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
