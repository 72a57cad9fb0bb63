"""`servicedesk backup` and `servicedesk restore` at size, on SQLite and PostgreSQL.

    .venv/bin/python -m bench.backup_speed [--only sqlite|postgresql] [--tickets 100000] \
        [--db sd_backup_bench] [--restore-db sd_backup_bench_restore]

Per database: a fresh desk (migrate, `bench.generate --tickets N`: comments, history, clocks and facts
with them), `servicedesk backup` of it, then a second fresh desk (migrate) and `servicedesk restore` of the
archive into it (search index rebuilt included). Prints the rows, the archive's size and rows/s of each.

PostgreSQL: DATABASE_URL names the server; the bench drops and re-creates its own two databases.
"""

from __future__ import annotations

import argparse
import os
import re
import subprocess
import time
from pathlib import Path

from .run import PYTHON, RESULTS, ROOT, engine_env, log, manage

ROWS = re.compile(r"^database: (\d+) rows in ([\d.]+) s", re.MULTILINE)
INDEX = re.compile(r"^search index: (\d+) documents in ([\d.]+) s", re.MULTILINE)


def timed(env: dict, *args: str) -> tuple[float, str]:
    started = time.monotonic()
    result = subprocess.run([PYTHON, "-m", "servicedesk", *args], cwd=ROOT, env=env, check=True, text=True,
                            capture_output=True)
    return time.monotonic() - started, result.stderr


def run_engine(engine: str, args) -> dict:
    archive = Path(args.sqlite_dir).resolve().parent / f"backup-{engine}.tar"
    source = engine_env(engine, args.server, args.db, args.sqlite_dir)
    log(f"{engine}: migrate, {args.tickets} tickets")
    manage(source, "servicedesk", "migrate", "--noinput", "-v0")
    manage(source, "bench.generate", "--tickets", str(args.tickets), capture=True)
    log(f"{engine}: backup")
    backup_seconds, backup_out = timed(source, "backup", str(archive))
    target = engine_env(engine, args.server, args.restore_db, f"{args.sqlite_dir}-restore")
    manage(target, "servicedesk", "migrate", "--noinput", "-v0")
    log(f"{engine}: restore")
    restore_seconds, restore_out = timed(target, "restore", str(archive))
    rows, dump_seconds = ROWS.search(backup_out).groups()
    _, load_seconds = ROWS.search(restore_out).groups()
    documents, index_seconds = INDEX.search(restore_out).groups()
    return {"engine": engine, "tickets": args.tickets, "rows": int(rows), "mb": archive.stat().st_size / 1e6,
            "backup_s": backup_seconds, "dump_rows_s": int(rows) / float(dump_seconds),
            "restore_s": restore_seconds, "load_rows_s": int(rows) / float(load_seconds),
            "index_docs_s": int(documents) / float(index_seconds)}


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0], epilog=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--only", choices=["sqlite", "postgresql"], help="one database instead of both")
    parser.add_argument("--tickets", type=int, default=100_000)
    parser.add_argument("--db", default="sd_backup_bench", help="PostgreSQL source (dropped and re-created!)")
    parser.add_argument("--restore-db", default="sd_backup_bench_restore",
                        help="PostgreSQL target (dropped and re-created!)")
    parser.add_argument("--sqlite-dir", default=str(RESULTS / "backup-sqlite"))
    args = parser.parse_args(argv)
    args.server = os.environ.get("DATABASE_URL", "")
    engines = [args.only] if args.only else ["sqlite", "postgresql"]
    if "postgresql" in engines and not args.server.startswith("postgres"):
        raise SystemExit("Set DATABASE_URL to a PostgreSQL URL (its server hosts the bench databases), "
                         "or pass --only sqlite.")
    results = [run_engine(engine, args) for engine in engines]
    print("| database | tickets | rows | archive MB | backup s | dump rows/s | restore s | load rows/s "
          "| index docs/s | load avg |")
    print("| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |")
    for r in results:
        print(f"| {r['engine']} | {r['tickets']:,} | {r['rows']:,} | {r['mb']:,.0f} | {r['backup_s']:.0f} | "
              f"{r['dump_rows_s']:,.0f} | {r['restore_s']:.0f} | {r['load_rows_s']:,.0f} | "
              f"{r['index_docs_s']:,.0f} | {os.getloadavg()[0]:.1f} |")


if __name__ == "__main__":
    main()
