"""The banner of current notices on every portal and console page, kept cheap: the notices not ended yet
are read once per reference-data version (core.refdata: any change of a notice makes it stale in every
process) and filtered here by the clock, the reader and what they dismissed this session."""

from __future__ import annotations

import functools

from django.db.models import Q
from django.utils import timezone
from django.utils.translation import get_language

from servicedesk.core import refdata

from . import visibility
from .models import Announcement, Kind

SESSION_KEY = "announcements_dismissed"


def _open_notices() -> list[dict]:
    def build() -> list[dict]:
        rows = (Announcement.objects.filter(Q(ends_at__isnull=True) | Q(ends_at__gt=timezone.now()))
                .prefetch_related("organisations").order_by("starts_at", "id"))
        return [{"id": a.pk, "kind": a.kind, "title": a.title, "title_zh": a.title_zh, "starts_at": a.starts_at,
                 "ends_at": a.ends_at, "organisations": tuple(o.pk for o in a.organisations.all())} for a in rows]

    return refdata.cached("announcements:open", build)


def current_for(user, dismissed=()) -> list[dict]:
    """The current notices `user` is shown (staff: all; customers: theirs), less the dismissed ones."""
    if not visibility.is_staff(user) and not getattr(user, "is_authenticated", False):
        return []
    now = timezone.now()
    chinese = (get_language() or "").startswith("zh")
    labels = dict(Kind.choices)
    shown = []
    for row in _open_notices():
        if row["starts_at"] > now or (row["ends_at"] is not None and row["ends_at"] <= now):
            continue
        if row["id"] in dismissed or not visibility.affects(user, row["organisations"]):
            continue
        shown.append({"id": row["id"], "kind": row["kind"], "kind_label": labels.get(row["kind"], row["kind"]),
                      "title": row["title_zh"] if chinese and row["title_zh"] else row["title"],
                      "ends_at": row["ends_at"]})
    return shown


def dismissed(request) -> set[int]:
    return set(request.session.get(SESSION_KEY, ()))


def dismiss(request, pk: int) -> None:
    """Hide the notice from this person's banner for the rest of the session (not an action: nothing of the
    desk's records changes)."""
    request.session[SESSION_KEY] = sorted(dismissed(request) | {pk})


def context(request) -> dict:
    """Template context processor: `notice_banner`, computed only by a page that shows it."""

    @functools.cache
    def banner() -> list[dict]:
        return current_for(request.user, dismissed(request))

    return {"notice_banner": banner}
