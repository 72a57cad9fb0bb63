"""Due-time computations per second on the China business calendar (pure clock maths, one core).

    .venv/bin/python -m bench.sla_clock [--n 20000] [--seed 1]

Calendar: Asia/Shanghai, Monday–Friday 09:00–12:00 and 13:00–18:00 (8 working hours a day), the
official 2025–2026 holidays and 调休 working days (the chinesecalendar package). Start
instants: N random instants (to the second) spread over 2025–2026, any time of day or week, so
many fall outside working time, before holidays or on adjusted days. For each target the table
shows computations per second with the calendar's per-date cache warm (one calendar instance
reused, the normal case) and cold (cache emptied before every computation: the worst case, e.g. a
calendar rebuilt for every request).
"""

from __future__ import annotations

import argparse
import random
import time
from datetime import UTC, datetime, timedelta

from servicedesk.sla import BusinessCalendar, load_official_days

TARGETS = [
    ("60 min (1 working hour)", 60),
    ("480 min (1 working day)", 480),
    ("1440 min (3 working days of 8 h)", 1440),
    ("14400 min (30 working days)", 14400),
]


def china_calendar() -> BusinessCalendar:
    holidays, adjusted = load_official_days("CN", years=[2025, 2026])
    spans = [("09:00", "12:00"), ("13:00", "18:00")]
    return BusinessCalendar("Asia/Shanghai", {d: spans for d in range(5)}, holidays, adjusted)


def measure(cal: BusinessCalendar, starts, minutes: int, cold: bool) -> float:
    add = cal.add_business_minutes
    clear = cal._cache.clear
    began = time.perf_counter()
    if cold:
        for t in starts:
            clear()
            add(t, minutes)
    else:
        for t in starts:
            add(t, minutes)
    return len(starts) / (time.perf_counter() - began)


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=20_000, help="computations per figure")
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args(argv)
    rng = random.Random(args.seed)
    base = datetime(2025, 1, 1, tzinfo=UTC)
    span = int((datetime(2026, 12, 1, tzinfo=UTC) - base).total_seconds())
    starts = [base + timedelta(seconds=rng.randrange(span)) for _ in range(args.n)]
    cal = china_calendar()
    for t in starts[:2000]:  # warm the per-date cache over the whole range
        cal.add_business_minutes(t, 14400)
    print(f"Due-time computations per second, China calendar, {args.n:,} random starts in 2025–2026\n")
    print("| target | warm cache /s | cold cache /s |")
    print("| --- | ---: | ---: |")
    for label, minutes in TARGETS:
        warm = measure(cal, starts, minutes, cold=False)
        cold = measure(cal, starts[: max(1, args.n // 4)], minutes, cold=True)
        print(f"| {label} | {warm:,.0f} | {cold:,.0f} |")


if __name__ == "__main__":
    main()
