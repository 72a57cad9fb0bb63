"""The CMDB's impact query over 100k items and 500k relations, and the import rate of a 50k-row spreadsheet:
`python -m bench.cmdb_speed [--only sqlite|postgresql] [--items 100000] [--relations 500000] [--rows 50000]`.

Per database a fresh desk (PostgreSQL: the database `--db`, dropped and made again; SQLite: `--sqlite-dir`,
WAL on disk as the embedded desk runs): migrate, `demo --no-tickets`, then an estate loaded as rows (COPY on
PostgreSQL, executemany on SQLite; no audit rows: the walk reads none), in layers as a real one stands:
network devices (1 %), servers (20 %) each depending on two of them, applications (20 %) each running on
three servers and depending on two other applications (which makes cycles), services (2 %) each depending on
ten applications, and end-user devices (the rest) each depending on services and applications, up to
`--relations` in all. Then, one sequential client in-process, `--samples` (300) calls each after a warm-up:

- **walk**: `cmdb.impact.affected_levels(item, 5)` — five levels deep on the process's copy of the graph
  (`cmdb.graph`), after its one-statement version check; the copy's build (seconds) and size (tracemalloc)
  are measured first;
- **impact**: `cmdb.impact.impact(item, depth=5)` — the walk plus the affected items, the services among
  them, the people and the graph's edges (what the console's impact page and the API answer with);

for items drawn from each layer (a network device takes down most of the estate within five levels; an
end-user device nothing). Then the import: a 50k-row workbook (.xlsx, half new items, half changes to existing
ones, 1 % refused) through `cmdb.importing.run_import` — a thousand rows at a time, checked as the actions
check, each item with its audit entries — as a dry run and as an apply; rows per second by the clock.

Prints a table per database and checks the goal: walk p95 under 100 ms at every layer.
"""

from __future__ import annotations

import argparse
import io
import json
import os
import random
import statistics
import time
import tracemalloc

from bench.run import RESULTS, engine_env, log, manage, percentile

GOAL_MS = 100.0
LAYERS = [("network", 0.01), ("server", 0.20), ("application", 0.20), ("service", 0.02), ("device", 0.57)]


def _estate(n_items: int, n_relations: int, rng: random.Random) -> tuple[dict, list, list]:
    """Items as (layer, name) by id range, and relations (source, target, kind) as id pairs (ids from 1)."""
    bounds, start = {}, 1
    for layer, share in LAYERS:
        count = max(1, int(n_items * share)) if layer != "device" else n_items - start + 1
        bounds[layer] = (start, start + count - 1)
        start += count
    items = [(pk, layer) for layer, (low, high) in bounds.items() for pk in range(low, high + 1)]
    relations = set()

    def pick(layer):
        low, high = bounds[layer]
        return rng.randint(low, high)

    def add(source, target, kind):
        if source != target:
            relations.add((source, target, kind))

    for pk in range(bounds["server"][0], bounds["server"][1] + 1):
        for _ in range(2):
            add(pk, pick("network"), "depends_on")
    for pk in range(bounds["application"][0], bounds["application"][1] + 1):
        for _ in range(3):
            add(pk, pick("server"), "runs_on")
        for _ in range(2):
            add(pk, pick("application"), "depends_on")
    for pk in range(bounds["service"][0], bounds["service"][1] + 1):
        for _ in range(10):
            add(pk, pick("application"), "depends_on")
    devices = range(bounds["device"][0], bounds["device"][1] + 1)
    while len(relations) < n_relations:
        device = rng.choice(devices)
        add(device, pick("service" if rng.random() < 0.5 else "application"), "depends_on")
    return bounds, items, sorted(relations)


def _load(bounds, items, relations) -> None:
    from django.db import connection
    from django.utils import timezone

    from servicedesk.cmdb import actions
    from servicedesk.cmdb.models import CiType, ConfigItem, Relation

    types = {layer: CiType.objects.create(key=layer, name=layer.title(), is_service=layer == "service").pk
             for layer, _share in LAYERS}
    now = timezone.now()
    item_rows = [(pk, types[layer], f"{layer}-{pk:06d}", "in_use", False, f"SN{pk:08d}", "{}", 1, now, now)
                 for pk, layer in items]
    relation_rows = [(n, s, t, k, now) for n, (s, t, k) in enumerate(relations, start=1)]
    item_columns = ("id", "type_id", "name", "status", "critical", "serial", "attributes", "version", "created_at",
                    "updated_at")
    blank = ("location", "supplier", "contract")
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            with cursor.copy(f"COPY {ConfigItem._meta.db_table} ({', '.join(item_columns + blank)}) FROM STDIN") as c:
                for row in item_rows:
                    c.write_row(row + ("", "", ""))
            with cursor.copy(f"COPY {Relation._meta.db_table} (id, source_id, target_id, kind, created_at) "
                             "FROM STDIN") as c:
                for row in relation_rows:
                    c.write_row(row)
            for table in (ConfigItem._meta.db_table, Relation._meta.db_table):
                cursor.execute(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), (SELECT MAX(id) FROM {table}))")
        else:
            marks = ", ".join(["%s"] * (len(item_columns) + len(blank)))
            cursor.executemany(f"INSERT INTO {ConfigItem._meta.db_table} ({', '.join(item_columns + blank)}) "
                               f"VALUES ({marks})", [row + ("", "", "") for row in item_rows])
            cursor.executemany(f"INSERT INTO {Relation._meta.db_table} (id, source_id, target_id, kind, created_at) "
                               "VALUES (%s, %s, %s, %s, %s)", relation_rows)
    actions.relations_replaced()
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")


def _workbook(rows: int, bounds, rng: random.Random) -> bytes:
    import openpyxl

    book = openpyxl.Workbook(write_only=True)
    sheet = book.create_sheet()
    sheet.append(["type", "name", "serial", "status", "location", "supplier"])
    low, high = bounds["device"]
    for n in range(rows):
        if n % 100 == 99:
            sheet.append(["teapot", f"bad-{n}", "", "", "", ""])  # refused: no such type
        elif n % 2:
            pk = rng.randint(low, high)
            sheet.append(["device", f"device-{pk:06d}", f"SN{pk:08d}", "maintenance", f"Floor {n % 30}", "Lenovo"])
        else:
            sheet.append(["device", f"new-device-{n:06d}", f"NEW{n:08d}", "in_use", "Shanghai office", "Dell"])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def child(args) -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "servicedesk.settings")
    import django

    django.setup()
    from django.db import connection

    from servicedesk.accounts.models import User
    from servicedesk.cmdb import graph
    from servicedesk.cmdb.impact import affected_levels, impact
    from servicedesk.cmdb.importing import run_import

    rng = random.Random(args.seed)
    started = time.perf_counter()
    bounds, items, relations = _estate(args.items, args.relations, rng)
    _load(bounds, items, relations)
    loaded = time.perf_counter() - started
    result = {"vendor": connection.vendor, "items": len(items), "relations": len(relations),
              "load_seconds": loaded, "layers": [], "load_average": os.getloadavg()[0]}
    with connection.cursor() as cursor:
        t0 = time.perf_counter()
        graph.build(cursor)
        built = time.perf_counter() - t0
        tracemalloc.start()
        copy = graph.build(cursor)
        size = tracemalloc.get_traced_memory()[0]
        tracemalloc.stop()
    result["copy"] = {"build_seconds": built, "megabytes": size / 1e6,
                      "relations": sum(map(len, copy.sources.values())), "load_average": os.getloadavg()[0]}
    log(f"{connection.vendor} copy of the graph: {result['copy']}")
    for layer, _share in LAYERS:
        low, high = bounds[layer]
        picks = [rng.randint(low, high) for _ in range(args.samples)]
        for pk in picks[:10]:
            affected_levels(pk, 5)
        walk, whole, reached = [], [], []
        for pk in picks:
            t0 = time.perf_counter()
            found = affected_levels(pk, 5)
            walk.append((time.perf_counter() - t0) * 1000)
            reached.append(len(found))
        for pk in picks[: max(20, args.samples // 5)]:
            t0 = time.perf_counter()
            impact(pk, depth=5)
            whole.append((time.perf_counter() - t0) * 1000)
        result["layers"].append({"layer": layer, "affected_median": statistics.median(reached),
                                 "affected_max": max(reached),
                                 "walk_p50": percentile(walk, 50), "walk_p95": percentile(walk, 95),
                                 "impact_p50": percentile(whole, 50), "impact_p95": percentile(whole, 95)})
        log(f"{connection.vendor} {layer}: {result['layers'][-1]}")
    data = _workbook(args.rows, bounds, rng)
    manager = User.objects.get(username="manager")
    for apply in (False, True):
        t0 = time.perf_counter()
        report = run_import("estate.xlsx", data, actor=manager, channel="command", apply=apply)
        seconds = time.perf_counter() - t0
        result["apply" if apply else "dry_run"] = {"seconds": seconds, "rows_per_second": args.rows / seconds,
                                                   "counts": report.counts}
        log(f"{connection.vendor} import apply={apply}: {args.rows / seconds:.0f} rows/s {report.counts}")
    print(json.dumps(result))


def run_engine(engine: str, args) -> dict:
    env = engine_env(engine, args.server, args.db, args.sqlite_dir)
    log(f"{engine}: migrate, demo people, {args.items:,} items and {args.relations:,} relations")
    manage(env, "servicedesk", "migrate", "--noinput", "-v0")
    manage(env, "servicedesk", "demo", "--no-tickets", capture=True)
    out = manage(env, "bench.cmdb_speed", "--child", "--items", str(args.items), "--relations", str(args.relations),
                 "--rows", str(args.rows), "--samples", str(args.samples), "--seed", str(args.seed), capture=True)
    return json.loads(out.strip().splitlines()[-1])


def report(results: list[dict]) -> tuple[str, list[str]]:
    lines = ["| database | failing item | affected (median / max) | walk ms p50 / p95 | impact() ms p50 / p95 |",
             "| --- | --- | ---: | ---: | ---: |"]
    missed = []
    for r in results:
        for one in r["layers"]:
            lines.append(f"| {r['vendor']} | {one['layer']} | {one['affected_median']:,.0f} / "
                         f"{one['affected_max']:,} | {one['walk_p50']:.1f} / {one['walk_p95']:.1f} | "
                         f"{one['impact_p50']:.1f} / {one['impact_p95']:.1f} |")
            if one["walk_p95"] > GOAL_MS:
                missed.append(f"{r['vendor']} {one['layer']}: walk p95 {one['walk_p95']:.0f} ms")
    lines += ["", "| database | import | rows | seconds | rows/s | created / changed / unchanged / refused |",
              "| --- | --- | ---: | ---: | ---: | --- |"]
    for r in results:
        for key in ("dry_run", "apply"):
            one, c = r[key], r[key]["counts"]
            lines.append(f"| {r['vendor']} | {key.replace('_', ' ')} | {sum(c.values()):,} | {one['seconds']:.1f} | "
                         f"{one['rows_per_second']:.0f} | {c['create']:,} / {c['change']:,} / {c['unchanged']:,} / "
                         f"{c['refused']:,} |")
    lines.append("")
    for r in results:
        c = r["copy"]
        lines.append(f"{r['vendor']}: the copy of the graph ({c['relations']:,} impact relations) built in "
                     f"{c['build_seconds']:.2f} s, {c['megabytes']:.1f} MB (load {c['load_average']:.1f})")
    lines.append("Load average at the end: " + ", ".join(f"{r['vendor']} {r['load_average']:.1f}" for r in results))
    return "\n".join(lines), missed


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0], epilog=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--only", choices=["sqlite", "postgresql"], help="one database instead of both")
    parser.add_argument("--db", default="sd_bench_cmdb", help="PostgreSQL bench database (dropped and made again!)")
    parser.add_argument("--sqlite-dir", default=str(RESULTS / "cmdb-sqlite"), help="SQLite data directory")
    parser.add_argument("--items", type=int, default=100_000)
    parser.add_argument("--relations", type=int, default=500_000)
    parser.add_argument("--rows", type=int, default=50_000, help="rows of the imported workbook")
    parser.add_argument("--samples", type=int, default=300, help="impact walks per layer")
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        child(args)
        return
    args.server = os.environ.get("DATABASE_URL", "")
    engines = [args.only] if args.only else ["sqlite", "postgresql"]
    if "postgresql" in engines and not args.server.startswith("postgres"):
        raise SystemExit("Set DATABASE_URL to a PostgreSQL URL (its server hosts the bench database), "
                         "or pass --only sqlite.")
    results = [run_engine(engine, args) for engine in engines]
    text, missed = report(results)
    print(text)
    print(f"\nGoal (impact walk p95 < {GOAL_MS:.0f} ms, five levels, every layer): "
          + ("; ".join(missed) if missed else "met"))


if __name__ == "__main__":
    main()
