"""Comparing two versions of an article, for the console's diff page and the API."""

from __future__ import annotations

import difflib

from .models import ArticleVersion, Audience


def _lines(version: ArticleVersion) -> list[str]:
    head = [f"# {version.title}", version.summary,
            f"[{Audience(version.audience).label}] {', '.join(version.tags)}", ""]
    return head + version.body.splitlines()


def diff_lines(old: ArticleVersion, new: ArticleVersion) -> list[tuple[str, str]]:
    """A unified diff of two versions (title, summary, audience, tags and text) as (kind, line) pairs:
    kind "add", "del", "hunk" or "" (unchanged context). Plain text: the screens escape it."""
    out = []
    for line in difflib.unified_diff(_lines(old), _lines(new), n=3, lineterm=""):
        if line.startswith(("---", "+++")):
            continue
        out.append(({"+": "add", "-": "del", "@": "hunk"}.get(line[:1], ""), line))
    return out
