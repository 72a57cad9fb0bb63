"""What an article owner has to look after: articles readers find unhelpful, articles past their
review-by date, articles waiting for the user's review, and the knowledge gap (searches that found
nothing, most frequent first). Read by the console's upkeep page and `GET /api/v1/knowledge/upkeep`;
a constant number of queries whatever the sizes (each list is capped at LIMIT)."""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field

from django.conf import settings
from django.db.models import Count, F, Q
from django.utils import timezone

from .models import Article, Feedback, SearchGap, State

LIMIT = 50
COMMENTS_PER_ARTICLE = 3


@dataclass
class PoorArticle:
    article: Article
    votes: int
    helpful: int
    comments: list[Feedback] = field(default_factory=list)

    @property
    def ratio(self) -> float:
        return self.helpful / self.votes if self.votes else 0.0


@dataclass
class Upkeep:
    poor: list[PoorArticle]
    overdue: list[Article]
    waiting: list[Article]
    gaps: list[SearchGap]
    threshold: float
    min_votes: int


def _articles(user, mine: bool):
    articles = Article.objects.select_related("owner")
    return articles.filter(owner=user) if mine else articles


def poor_feedback(user, *, mine: bool) -> list[PoorArticle]:
    """Articles whose share of "helpful" answers is under SERVICEDESK_KB_POOR_RATIO with at least
    SERVICEDESK_KB_POOR_MIN_VOTES answers, least helpful first, with their latest comments."""
    threshold, min_votes = settings.SERVICEDESK_KB_POOR_RATIO, settings.SERVICEDESK_KB_POOR_MIN_VOTES
    rows = list(
        _articles(user, mine)
        .annotate(votes=Count("feedback"), helpful=Count("feedback", filter=Q(feedback__helpful=True)))
        .filter(votes__gte=min_votes, helpful__lt=F("votes") * threshold)
        .order_by(F("helpful") * 1.0 / F("votes"), "-votes", "id")[:LIMIT]
    )
    found = {a.pk: PoorArticle(a, a.votes, a.helpful) for a in rows}
    # Read newest first, a few per article kept: one query for the whole list.
    comments = (Feedback.objects.filter(article_id__in=found).exclude(comment="")
                .order_by("-created_at", "-id")[:LIMIT * COMMENTS_PER_ARTICLE * 4])
    for feedback in comments:
        kept = found[feedback.article_id].comments
        if len(kept) < COMMENTS_PER_ARTICLE:
            kept.append(feedback)
    return list(found.values())


def upkeep(user, *, mine: bool, today: datetime.date | None = None) -> Upkeep:
    today = today or timezone.localdate()
    overdue = list(_articles(user, mine).filter(review_by__lt=today).order_by("review_by", "id")[:LIMIT])
    waiting = list(Article.objects.select_related("owner").filter(state=State.REVIEW, reviewer=user)
                   .order_by("updated_at", "id")[:LIMIT])
    gaps = list(SearchGap.objects.filter(resolved=False).order_by("-count", "-last_at", "id")[:LIMIT])
    return Upkeep(poor=poor_feedback(user, mine=mine), overdue=overdue, waiting=waiting, gaps=gaps,
                  threshold=settings.SERVICEDESK_KB_POOR_RATIO, min_votes=settings.SERVICEDESK_KB_POOR_MIN_VOTES)
