"""The dynamic FAQ and the deflection figures (seed 002: a self-service portal works only if its answers
are the ones people use).

Deflection: a customer who opened a suggested article while writing a request and then did not send it
was helped without a contact. `count_deflections` (periodic) turns each request draft whose suggested
opens are older than DEFLECTION_WINDOW and never became a ticket into one `deflection` event, credited to
the last article opened from it; "This solved my problem" (a `solved` event) counts at once, and a draft
with one is not counted twice. `deflections(since, until)` gives the figures per article and in all.

Popularity (`refresh_popularity`, hourly): over the last `window_days`, per live article,

    WEIGHTS["view"] × views + WEIGHTS["vote"] × (helpful − unhelpful votes)
    + WEIGHTS["deflection"] × (deflections + solved) + WEIGHTS["link"] × links from tickets

A deflection or a link from a ticket is a problem solved, worth more than a read; a vote says more than a
read, less than a solved problem. The FAQ lists live articles by popularity, within the reader's audience.
"""

from __future__ import annotations

import datetime
from collections import Counter

from django.db import connection, transaction
from django.db.models import Count, Max, Q
from django.utils import timezone
from django.utils.translation import get_language

from servicedesk import search

from . import visibility
from .actions import reading
from .models import Article, ArticleEvent, EventKind, Feedback, Language, TicketArticle

DEFLECTION_WINDOW = datetime.timedelta(minutes=30)
# How far back the job looks for unsent drafts: it runs every few minutes, so a week covers any pause.
LOOK_BACK = datetime.timedelta(days=7)
DEFLECTION_LOCK = 14_0001  # the PostgreSQL advisory lock the deflection job holds
WEIGHTS = {"view": 1.0, "vote": 3.0, "deflection": 5.0, "link": 4.0}
FAQ_SIZE = 10
# Suggestions under a request being written: from the summary and the start of the details, a few articles.
SUGGEST_MAX_QUERY = 300
SUGGESTIONS = 5


def reader_language() -> str:
    """The active language as articles name it ("en" or "zh-hans")."""
    return Language.ZH if (get_language() or "").lower().startswith("zh") else Language.EN


def suggestions(text: str, user) -> list:
    """The articles `user` may read that match what they are typing (search.ArticleHit): one search, never
    recorded as a search gap (half-typed words are no gap)."""
    text = " ".join((text or "").split())[:SUGGEST_MAX_QUERY]
    if len(text) < 2:
        return []
    return search.find_articles(text, user=user, language=reader_language(), limit=SUGGESTIONS)


@transaction.atomic
def count_deflections(now: datetime.datetime | None = None, window: datetime.timedelta = DEFLECTION_WINDOW) -> int:
    """Record a deflection for each request draft left unsent: its suggested opens all older than `window`
    before `now`, none tied to a ticket, no deflection or solved event for it yet. Idempotent: run again,
    it records nothing new. Returns the number recorded."""
    now = now or timezone.now()
    if connection.vendor == "postgresql":
        # Two schedulers at once: the second waits and then finds the first's deflections.
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [DEFLECTION_LOCK])
    recent = ArticleEvent.objects.filter(created_at__gte=now - window - LOOK_BACK).exclude(draft="")
    drafts = (recent.filter(kind=EventKind.SUGGESTED)
              .values("draft")
              .annotate(last=Max("created_at"), sent=Count("pk", filter=Q(ticket__isnull=False)))
              .filter(last__lte=now - window, sent=0))
    done = recent.filter(kind__in=[EventKind.DEFLECTION, EventKind.SOLVED])
    drafts = drafts.exclude(draft__in=done.values("draft"))
    keys = [row["draft"] for row in drafts]
    if not keys:
        return 0
    last: dict[str, ArticleEvent] = {}
    for event in (ArticleEvent.objects.filter(kind=EventKind.SUGGESTED, draft__in=keys)
                  .order_by("draft", "created_at", "pk")):
        last[event.draft] = event
    return reading.record_deflections(list(last.values()))


def deflections(since: datetime.datetime, until: datetime.datetime) -> dict:
    """Deflections from `since` (inclusive) to `until` (exclusive): {"total": n, "by_article": {id: n}}, the
    counted unsent drafts and the "solved" answers together."""
    counts = (ArticleEvent.objects.filter(kind__in=[EventKind.DEFLECTION, EventKind.SOLVED],
                                          created_at__gte=since, created_at__lt=until)
              .values("article_id").annotate(n=Count("pk")).order_by())
    by_article = {row["article_id"]: row["n"] for row in counts}
    return {"total": sum(by_article.values()), "by_article": by_article}


def popularity_scores(window_days: int = 30, now: datetime.datetime | None = None) -> dict[int, float]:
    """Each live article's popularity over the window (see the module's formula); 0 for the rest."""
    now = now or timezone.now()
    start = now - datetime.timedelta(days=window_days)
    scores: Counter = Counter()
    events = (ArticleEvent.objects.filter(created_at__gte=start, created_at__lte=now)
              .values("article_id", "kind").annotate(n=Count("pk")).order_by())
    weight = {EventKind.VIEW: WEIGHTS["view"], EventKind.DEFLECTION: WEIGHTS["deflection"],
              EventKind.SOLVED: WEIGHTS["deflection"]}
    for row in events:
        scores[row["article_id"]] += weight.get(row["kind"], 0.0) * row["n"]
    votes = (Feedback.objects.filter(created_at__gte=start, created_at__lte=now).values("article_id")
             .annotate(up=Count("pk", filter=Q(helpful=True)), down=Count("pk", filter=Q(helpful=False)))
             .order_by())
    for row in votes:
        scores[row["article_id"]] += WEIGHTS["vote"] * (row["up"] - row["down"])
    links = (TicketArticle.objects.filter(created_at__gte=start, created_at__lte=now).values("article_id")
             .annotate(n=Count("pk")).order_by())
    for row in links:
        scores[row["article_id"]] += WEIGHTS["link"] * row["n"]
    live = set(Article.objects.filter(is_live=True).values_list("pk", flat=True))
    stale = set(Article.objects.exclude(popularity=0).values_list("pk", flat=True))
    return {pk: (scores[pk] if pk in live else 0.0) for pk in live | stale}


def refresh_popularity(window_days: int = 30, now: datetime.datetime | None = None) -> int:
    """Recompute and store every article's popularity. Returns the number of articles written."""
    return reading.set_popularity(popularity_scores(window_days, now))


def faq(user, *, service_id: int | None = None, limit: int = FAQ_SIZE, language: str | None = None) -> list[Article]:
    """The most useful live articles `user` may read (of one service when given), one per translation
    family — the version in `language` when the family has one the reader may read."""
    queryset = visibility.readable(user).select_related("service")
    if service_id is not None:
        queryset = queryset.filter(service_id=service_id)
    # Enough rows to fill the list once translations are folded into one.
    candidates = list(queryset.order_by("-popularity", "-published_at", "-id")[: limit * 3])
    return one_per_family(candidates, language)[:limit]


def one_per_family(articles: list[Article], language: str | None) -> list[Article]:
    """`articles` in their order, each translation family once: in `language` when it is among them."""
    chosen: dict[int, Article] = {}
    for article in articles:
        family = article.family_id
        if family not in chosen or (language and article.language == language
                                    and chosen[family].language != language):
            # A dict keeps a key's first place: the family stays where its best-ranked article was.
            chosen[family] = article
    return list(chosen.values())


def faq_by_service(user, *, language: str | None = None, per_service: int = 5,
                   scan: int = 500) -> dict[int | None, list[Article]]:
    """The top articles per service (None: articles of no service) among the `scan` most popular live ones
    `user` may read: one query."""
    candidates = list(visibility.readable(user).select_related("service")
                      .order_by("-popularity", "-published_at", "-id")[:scan])
    grouped: dict[int | None, list[Article]] = {}
    for article in one_per_family(candidates, language):
        top = grouped.setdefault(article.service_id, [])
        if len(top) < per_service:
            top.append(article)
    return grouped
