"""Email parsing throughput: the intake corpus (tests/intake/corpus) parsed over and over.

    .venv/bin/python -m bench.email_parse [--seconds 5] [--corpus tests/intake/corpus]

Prints messages/second for the mixed corpus and per message kind (pure parsing: no database, no I/O).
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

from servicedesk.intake.email_parse import clear_header_cache, parse_message, strip_quoted

LIMITS = {"max_attachment_bytes": 10 * 1024 * 1024, "max_attachments": 20}


def rate(messages: list[bytes], seconds: float, *, strip: bool = True, cold: bool = False) -> tuple[float, int]:
    """Messages per second over at least `seconds`, in whole passes over `messages`.

    cold: the parser's header cache is emptied before each message, as if no header value ever repeated.
    """
    count = 0
    start = time.perf_counter()
    while True:
        for raw in messages:
            if cold:
                clear_header_cache()
            parsed = parse_message(raw, **LIMITS)
            if strip:
                strip_quoted(parsed.body_for_ticket)
        count += len(messages)
        elapsed = time.perf_counter() - start
        if elapsed >= seconds:
            return count / elapsed, count


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=5.0, help="time for the mixed run (default 5)")
    parser.add_argument("--corpus", type=Path, default=Path(__file__).parent.parent / "tests/intake/corpus")
    parser.add_argument("--per-file", action="store_true", help="also measure each message on its own")
    args = parser.parse_args()

    files = sorted(args.corpus.glob("*.eml"))
    if not files:
        parser.error(f"no .eml files in {args.corpus}")
    messages = [path.read_bytes() for path in files]
    rate(messages, 0.5)  # warm-up: imports, regex and codec caches
    per_second, count = rate(messages, args.seconds)
    size = sum(map(len, messages)) / len(messages)
    print(f"mixed corpus: {len(messages)} messages, mean {size:,.0f} bytes")
    print(f"parse_message + strip_quoted: {per_second:,.0f} messages/s ({count:,} parsed)")
    per_second, count = rate(messages, args.seconds, strip=False)
    print(f"parse_message alone:          {per_second:,.0f} messages/s ({count:,} parsed)")
    per_second, count = rate(messages, args.seconds, cold=True)
    print(f"parse + strip, cold cache:    {per_second:,.0f} messages/s ({count:,} parsed)")
    if args.per_file:
        for path, raw in zip(files, messages, strict=True):
            per_second, _ = rate([raw], max(0.2, args.seconds / len(files)))
            print(f"  {path.name:<34} {per_second:>9,.0f}/s")


if __name__ == "__main__":
    main()
