"""Ticket numbers as people type them: `SD-000038`, `sd-38`, `38`, `#38` all name SD-000038."""

import re

from servicedesk.accounts import refdata as accounts_refdata

NUMBER_WIDTH = 6  # actions._next_number: PREFIX-000123
_PREFIXED = re.compile(r"([A-Za-z][A-Za-z0-9]{0,15})-0*([0-9]{1,18})")
_BARE = re.compile(r"#?0*([0-9]{1,18})")


def format_number(prefix: str, issued: int) -> str:
    return f"{prefix}-{issued:0{NUMBER_WIDTH}d}"


def number_candidates(text: str) -> list[str]:
    """The ticket numbers `text` may mean (with a prefix: that one; bare digits: each desk's), or []."""
    text = (text or "").strip()
    prefixed = _PREFIXED.fullmatch(text)
    if prefixed:
        return [format_number(prefixed.group(1).upper(), int(prefixed.group(2)))]
    bare = _BARE.fullmatch(text)
    if bare and int(bare.group(1)) > 0:
        return sorted(format_number(prefix, int(bare.group(1))) for prefix in accounts_refdata.desk_prefixes())
    return []
