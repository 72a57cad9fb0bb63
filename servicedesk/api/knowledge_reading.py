"""/api/v1/knowledge: self-service for readers — suggestions, the FAQ, feedback, "solved" — and the deflection
figures for managers. Readers get only the articles of their audience (knowledge.visibility); any other
article is a 404. Writes go through knowledge.actions.reading."""

import datetime

from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import Query, Router, Schema
from pydantic import Field

from servicedesk.core.errors import ActionError, NotAllowed
from servicedesk.core.inputs import Id
from servicedesk.knowledge import ranking
from servicedesk.knowledge.actions import reading

from .schemas import Input, Message, Out

router = Router(tags=["knowledge"])

FAQ_MAX = 50
DEFLECTION_SPAN = datetime.timedelta(days=366)


class ArticleSummaryOut(Out):
    id: int
    title: str
    summary: str
    language: str
    service_id: int | None
    url: str = Field(description="The article's page in the portal's help centre.")


class SuggestionOut(ArticleSummaryOut):
    title_html: str = Field(description="The title, escaped, with the matched words in <mark>.")
    snippet_html: str = Field(description="A passage of the text, escaped, with the matched words in <mark>.")


class FeedbackIn(Input):
    helpful: bool
    comment: str = Field("", max_length=reading.MAX_COMMENT)


class SolvedIn(Input):
    draft: str = Field("", max_length=64, description="The request draft's key, when the article was suggested "
                                                      "while a request was written.")


class SuggestFilters(Schema):
    q: str = Field("", max_length=ranking.SUGGEST_MAX_QUERY, description="What the customer is typing.")


class FaqFilters(Schema):
    service: Id | None = Field(None, description="Only the articles of this service.")
    limit: int = Field(ranking.FAQ_SIZE, ge=1, le=FAQ_MAX)


class DeflectionFilters(Schema):
    since: datetime.datetime | None = Field(None, description="Start (inclusive), ISO 8601; default 30 days ago.")
    until: datetime.datetime | None = Field(None, description="End (exclusive), ISO 8601; default now.")


class DeflectionsOut(Out):
    since: datetime.datetime
    until: datetime.datetime
    total: int
    by_article: dict[int, int] = Field(description="Deflections per article id.")


def _summary(article) -> dict:
    return {"id": article.pk, "title": article.live_title, "summary": article.live_summary,
            "language": article.language, "service_id": article.service_id,
            "url": reverse("help:article", args=[article.pk])}


def _reader(request) -> reading.Reader:
    return reading.Reader(user=request.user)


@router.get("/knowledge/suggest", response={200: list[SuggestionOut], 422: Message},
            summary="Articles matching a problem being described")
def suggest(request, filters: Query[SuggestFilters]):
    hits = ranking.suggestions(filters.q, request.user)
    return [{**_summary(h.article), "title_html": h.title_html, "snippet_html": h.snippet_html} for h in hits]


@router.get("/knowledge/faq", response={200: list[ArticleSummaryOut], 422: Message},
            summary="The most useful articles (the dynamic FAQ)")
def faq(request, filters: Query[FaqFilters]):
    articles = ranking.faq(request.user, service_id=filters.service, limit=filters.limit,
                           language=ranking.reader_language())
    return [_summary(a) for a in articles]


@router.post("/knowledge/articles/{int:article_id}/feedback", response={200: Message, 400: Message, 404: Message},
             summary="Was this article helpful?",
             description="One answer per reader: a later one replaces theirs.")
def give_feedback(request, article_id: Id, payload: FeedbackIn):
    reading.give_feedback(article_id, _reader(request), helpful=payload.helpful, comment=payload.comment)
    return {"message": _("Thank you for your answer.")}


@router.post("/knowledge/articles/{int:article_id}/solved", response={200: Message, 404: Message},
             summary="This article solved my problem", description="Counted once per reader (a deflection).")
def mark_solved(request, article_id: Id, payload: SolvedIn):
    reading.mark_solved(article_id, _reader(request), draft=payload.draft)
    return {"message": _("Glad it helped! You do not need to send a request for this.")}


@router.get("/knowledge/deflections", response={200: DeflectionsOut, 400: Message, 403: Message, 422: Message},
            summary="Deflections per article (managers)",
            description="Unsent requests after a suggested article was opened, and \"solved\" answers.")
def deflections(request, filters: Query[DeflectionFilters]):
    if not request.user.sees_whole_desk:
        raise NotAllowed(_("Only desk managers and administrators see the deflection figures."))
    until = filters.until or timezone.now()
    since = filters.since or until - datetime.timedelta(days=30)
    if timezone.is_naive(since) or timezone.is_naive(until):
        raise ActionError(_("Give the times with a time zone (e.g. 2026-12-01T00:00:00+08:00)."))
    if since >= until or until - since > DEFLECTION_SPAN:
        raise ActionError(_("The period must start before it ends and span at most a year."))
    figures = ranking.deflections(since, until)
    return {"since": since, "until": until, **figures}
