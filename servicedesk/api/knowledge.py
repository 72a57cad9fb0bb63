"""/api/v1/knowledge: articles, thin routes over `servicedesk.knowledge.actions` and its scoping rule
(`knowledge.visibility`).

Readers (customers, anonymous callers are not served: the API needs a sign-in) get the live articles of
their audience, as readers see them: `title`, `summary` and `body_html` are the **live copy**. Desk staff
read every article's **working copy** there (drafts and reviews; `?working=true` on the list), with the
live copy beside it in `live_*`. An article a caller may not read is a 404, as one that does not exist.
"""

from __future__ import annotations

import datetime
from typing import Annotated

from django.db.models import Q
from django.utils.translation import gettext as _
from ninja import Query, Router, Schema
from ninja import Status as Reply
from pydantic import Field, WithJsonSchema

from servicedesk import search
from servicedesk.accounts.models import Organisation, User
from servicedesk.core import audit
from servicedesk.core.errors import ActionError, NotAllowed, NotFound
from servicedesk.core.inputs import Id
from servicedesk.core.pagination import paginate
from servicedesk.knowledge import actions, visibility
from servicedesk.knowledge import render as markdown
from servicedesk.knowledge.models import Article, ArticleVersion, Audience, Language, State
from servicedesk.knowledge.versions import diff_lines
from servicedesk.tickets.filters import FilterError
from servicedesk.tickets.models import Category, Service

from .schemas import Input, Message, Out

router = Router(tags=["knowledge"])
ERRORS = {400: Message, 403: Message, 404: Message, 409: Message, 413: Message, 422: Message}
CHANNEL = audit.Channel.API
SEARCH_LIMIT = 50


def _choice(values, description: str):
    """A text documented as one of `values`; the action checks it, so a wrong one gets the desk's message
    ("Unknown audience: …", 400) in the caller's language rather than a generic validation error."""
    return Annotated[str, WithJsonSchema({"type": "string", "enum": list(values), "description": description})]


LanguageName = _choice(Language.values, "`en` or `zh-hans`.")
AudienceName = _choice(Audience.values, "`public` (anyone), `customers` (signed-in; `organisations` narrows "
                                        "it), `staff` (desk staff only).")


# ---------------------------------------------------------------------------------------------
# Shapes


class ArticleRef(Out):
    id: int
    language: str
    title: str


class ArticleOut(Out):
    id: int
    language: str
    translation_of: int | None = Field(None, description="The first article of its family of translations.")
    title: str = Field(description="Staff: the working copy's title; readers: the live copy's.")
    summary: str
    audience: str
    service: int | None
    category: int | None
    tags: list[str]
    is_live: bool
    published_at: datetime.datetime | None
    live_version: int | None
    live_title: str | None = Field(None, description="Staff only: the live copy's title (what readers see).")
    state: str | None = Field(None, description="Staff only: draft, review or published.")
    version: int | None = Field(None, description="Staff only: send it back with a change (optimistic concurrency).")
    current_version: int | None = Field(None, description="Staff only: the working copy's version number.")
    owner: int | None = None
    reviewer: int | None = None
    review_by: datetime.date | None = None
    updated_at: datetime.datetime | None = None
    title_html: str | None = Field(None, description="With `q`: the title, escaped, matches in <mark>.")
    snippet_html: str | None = Field(None, description="With `q`: a passage, escaped, matches in <mark>.")


class ArticleDetail(ArticleOut):
    body_html: str = Field(description="Staff: the working copy's text; readers: the live copy's (sanitised HTML).")
    body: str | None = Field(None, description="Staff only: the working copy's Markdown.")
    live_body_html: str | None = Field(None, description="Staff only: the live copy's text.")
    organisations: list[int] | None = Field(None, description="Staff only: the organisations it is limited to.")
    translations: list[ArticleRef]


class ArticlePage(Out):
    items: list[ArticleOut]
    next_cursor: str | None = Field(None, description="Pass as `cursor` to get the next page; null on the last.")


class VersionOut(Out):
    number: int
    title: str
    edited_by: str
    created_at: datetime.datetime
    note: str


class DiffLine(Out):
    kind: str = Field(description="`add`, `del`, `hunk` or empty (unchanged).")
    text: str


class DiffOut(Out):
    from_version: int
    to_version: int
    lines: list[DiffLine]


class ArticleFields(Input):
    summary: str | None = Field(None, max_length=500)
    body: str | None = Field(None, description="Markdown; rendered and sanitised for readers.")
    language: LanguageName | None = None
    audience: AudienceName | None = None
    service: Id | None = None
    category: Id | None = None
    tags: list[str] | None = None
    organisations: list[Id] | None = None
    owner: Id | None = Field(None, description="A member of the desk staff; the caller when not given.")
    review_by: datetime.date | None = None
    note: str = Field("", max_length=255, description="What changed, for the version list.")


class ArticleIn(ArticleFields):
    title: str
    translation_of: Id | None = Field(None, description="The article this one translates.")


class ArticlePatch(ArticleFields):
    title: str | None = None
    version: int = Field(description="The `version` you read; a stale one is a 409 and changes nothing.")


class VersionIn(Input):
    version: int
    note: str = Field("", max_length=255)


class SubmitIn(VersionIn):
    reviewer: Id = Field(description="A group lead, desk manager or administrator other than the caller.")


class RestoreIn(Input):
    number: int = Field(ge=1, description="The version to make the working copy again.")
    version: int


class ArticleFilters(Schema):
    q: str | None = Field(None, max_length=200, description="Words: the live articles the caller may read, best "
                                                            "first (with `working=true`: words of the title).")
    service: Id | None = None
    language: LanguageName | None = None
    working: bool = Field(False, description="Staff: every article's working copy (drafts and reviews too).")
    state: _choice(State.values, "With `working=true`.") | None = None
    audience: AudienceName | None = Field(None, description="With `working=true`.")
    owner: Id | None = Field(None, description="With `working=true`.")
    cursor: str | None = Field(None, description="`next_cursor` of the page before; a cursor the desk did not "
                                                 "make is a 400.")
    limit: int = Field(50, ge=1, le=200)


# ---------------------------------------------------------------------------------------------
# Reading


def _get(request, article_id: int) -> Article:
    """The article, if the caller may read it (staff: any); else the 404 of one that does not exist. Writes
    start here too: a reader who may read it gets the action's 403, anyone else this 404."""
    scope = Article.objects.all() if visibility.sees_working_copies(request.user) else visibility.readable(request.user)
    article = scope.filter(pk=article_id).first()
    if article is None:
        raise NotFound(_("No such article."))
    return article


def _staff_only(request, article_id: int) -> Article:
    """For versions and writes: the article, a 404 to who may not read it, a 403 to readers who may."""
    article = _get(request, article_id)
    if not visibility.may_write(request.user):
        raise NotAllowed(_("Only desk staff may see or change an article's versions."))
    return article


def _out(article: Article, staff: bool) -> dict:
    out = {
        "id": article.pk, "language": article.language, "translation_of": article.translation_of_id,
        "audience": article.audience, "service": article.service_id, "category": article.category_id,
        "tags": article.tags, "is_live": article.is_live, "published_at": article.published_at,
        "live_version": article.live_version,
    }
    if staff:
        return out | {
            "title": article.title, "summary": article.summary, "live_title": article.live_title or None,
            "state": article.state, "version": article.version, "current_version": article.current_version,
            "owner": article.owner_id, "reviewer": article.reviewer_id, "review_by": article.review_by,
            "updated_at": article.updated_at,
        }
    return out | {"title": article.live_title, "summary": article.live_summary}


def _detail(request, article: Article) -> dict:
    user = request.user
    staff = visibility.sees_working_copies(user)
    article = Article.objects.get(pk=article.pk)
    family_id = article.family_id
    family = Article.objects.filter(Q(pk=family_id) | Q(translation_of=family_id)).exclude(pk=article.pk)
    if not staff:
        family = visibility.readable(user, family)
    out = _out(article, staff) | {
        "translations": [{"id": t.pk, "language": t.language, "title": t.title if staff else t.live_title}
                         for t in family.order_by("language")],
    }
    if staff:
        return out | {
            "body": article.body, "body_html": markdown.to_html(article.body),
            "live_body_html": markdown.to_html(article.live_body) if article.is_live else None,
            "organisations": list(article.organisations.values_list("pk", flat=True)),
        }
    return out | {"body_html": markdown.to_html(article.live_body)}


@router.get("/articles", response={200: ArticlePage, 400: Message, 403: Message, 422: Message},
            summary="List or search articles")
def list_articles(request, filters: Query[ArticleFilters]):
    """Live articles the caller may read, last changed first, or with `q` the best matches first (one page of
    at most 50). Staff with `working=true`: every article, with its working copy and the state filters."""
    user = request.user
    staff = visibility.sees_working_copies(user)
    if filters.working and not staff:
        raise NotAllowed(_("Only desk staff see articles' working copies."))
    for name, allowed in (("language", Language.values), ("state", State.values), ("audience", Audience.values)):
        value = getattr(filters, name)
        if value and value not in allowed:
            raise FilterError(name, value, _("Filter “%(name)s”: “%(value)s” is not one of: %(choices)s.") % {
                "name": name, "value": value[:50], "choices": ", ".join(allowed)})
    if filters.q and filters.q.strip() and not filters.working:
        hits = search.find_articles(filters.q, user=user, language=filters.language, service_id=filters.service,
                                    limit=min(filters.limit, SEARCH_LIMIT), record_gap=True)
        return {"items": [_out(hit.article, staff) | {"title_html": hit.title_html, "snippet_html": hit.snippet_html}
                          for hit in hits], "next_cursor": None}
    articles = Article.objects.all() if filters.working else visibility.readable(user)
    if filters.service:
        articles = articles.filter(service_id=filters.service)
    if filters.language:
        articles = articles.filter(language=filters.language)
    if filters.working:
        # Who owns what and where it stands is the desk's business: these filters read working copies only.
        for name, value in (("state", filters.state), ("audience", filters.audience), ("owner_id", filters.owner),
                            ("title__icontains", (filters.q or "").strip())):
            if value:
                articles = articles.filter(**{name: value})
    page = paginate(articles, "updated_at", True, filters.limit, after=filters.cursor)
    return {"items": [_out(a, filters.working) for a in page.rows], "next_cursor": page.next_cursor}


@router.get("/articles/{int:article_id}", response={200: ArticleDetail, 404: Message}, summary="Read an article")
def read_article(request, article_id: Id):
    return _detail(request, _get(request, article_id))


@router.get("/articles/{int:article_id}/versions", response={200: list[VersionOut], 403: Message, 404: Message},
            summary="An article's versions")
def list_versions(request, article_id: Id):
    article = _staff_only(request, article_id)
    return [{"number": v.number, "title": v.title, "edited_by": v.edited_by.display_name, "created_at": v.created_at,
             "note": v.note}
            for v in ArticleVersion.objects.filter(article=article).select_related("edited_by").order_by("-number")]


@router.get("/articles/{int:article_id}/diff", response={200: DiffOut, 400: Message, 403: Message, 404: Message,
                                                         422: Message}, summary="Compare two versions")
def diff_versions(request, article_id: Id, from_version: int = Query(..., alias="from", ge=1),
                  to_version: int = Query(..., alias="to", ge=1)):
    article = _staff_only(request, article_id)
    found = {v.number: v for v in ArticleVersion.objects.filter(article=article, number__in=[from_version, to_version])}
    for number in (from_version, to_version):
        if number not in found:
            raise NotFound(_("This article has no version %(n)s.") % {"n": number})
    lines = diff_lines(found[from_version], found[to_version])
    return {"from_version": from_version, "to_version": to_version,
            "lines": [{"kind": kind, "text": text} for kind, text in lines]}


# ---------------------------------------------------------------------------------------------
# Writing


def _found(model, pk, label: str, queryset=None):
    if pk is None:
        return None
    found = (queryset if queryset is not None else model.objects.all()).filter(pk=pk).first()
    if found is None:
        raise ActionError(_("No %(what)s with id %(id)s.") % {"what": label, "id": pk})
    return found


def _input(payload: ArticleFields) -> tuple[actions.ArticleInput, str]:
    given = payload.model_fields_set
    data = actions.ArticleInput(title=getattr(payload, "title", None), summary=payload.summary, body=payload.body,
                                language=payload.language, audience=payload.audience, tags=payload.tags)
    if "service" in given:
        data.service = _found(Service, payload.service, _("service"))
    if "category" in given:
        data.category = _found(Category, payload.category, _("category"))
    if "review_by" in given:
        data.review_by = payload.review_by
    if payload.owner is not None:
        data.owner = _found(User, payload.owner, _("desk staff member"), User.objects.filter(is_active=True))
    if payload.organisations is not None:
        data.organisations = [_found(Organisation, pk, _("organisation")) for pk in payload.organisations]
    return data, payload.note


@router.post("/articles", response={201: ArticleDetail, **ERRORS}, summary="Write a draft")
def create_article(request, payload: ArticleIn):
    data, note = _input(payload)
    if payload.translation_of is not None:
        data.translation_of = _get(request, payload.translation_of)
    article = actions.create_article(data, actor=request.user, channel=CHANNEL, note=note)
    return Reply(201, _detail(request, article))


@router.patch("/articles/{int:article_id}", response={200: ArticleDetail, **ERRORS}, summary="Edit the working copy")
def update_article(request, article_id: Id, payload: ArticlePatch):
    """Send the fields to change with the `version` you read: a new version when the content changes; a
    published article becomes a draft again (readers keep the live copy until it is published again)."""
    article = _get(request, article_id)
    data, note = _input(payload)
    article = actions.update_article(article, data, actor=request.user, channel=CHANNEL,
                                     expected_version=payload.version, note=note)
    return _detail(request, article)


@router.post("/articles/{int:article_id}/submit", response={200: ArticleDetail, **ERRORS},
             summary="Submit for review")
def submit_article(request, article_id: Id, payload: SubmitIn):
    article = _get(request, article_id)
    if not visibility.may_write(request.user):
        raise NotAllowed(_("Only desk staff may change knowledge articles."))
    reviewer = _found(User, payload.reviewer, _("reviewer"), User.objects.filter(is_active=True))
    article = actions.submit_for_review(article, reviewer=reviewer, actor=request.user, channel=CHANNEL,
                                        expected_version=payload.version, note=payload.note)
    return _detail(request, article)


@router.post("/articles/{int:article_id}/publish", response={200: ArticleDetail, **ERRORS}, summary="Publish")
def publish_article(request, article_id: Id, payload: VersionIn):
    article = actions.publish_article(_get(request, article_id), actor=request.user, channel=CHANNEL,
                                      expected_version=payload.version, note=payload.note)
    return _detail(request, article)


@router.post("/articles/{int:article_id}/unpublish", response={200: ArticleDetail, **ERRORS}, summary="Unpublish")
def unpublish_article(request, article_id: Id, payload: VersionIn):
    article = actions.unpublish_article(_get(request, article_id), actor=request.user, channel=CHANNEL,
                                        expected_version=payload.version, note=payload.note)
    return _detail(request, article)


@router.post("/articles/{int:article_id}/restore", response={200: ArticleDetail, **ERRORS},
             summary="Restore a version")
def restore_version(request, article_id: Id, payload: RestoreIn):
    article = actions.restore_version(_get(request, article_id), payload.number, actor=request.user,
                                      channel=CHANNEL, expected_version=payload.version)
    return _detail(request, article)


@router.delete("/articles/{int:article_id}", response={204: None, **ERRORS}, summary="Delete an article")
def delete_article(request, article_id: Id, version: int = Query(..., description="The `version` you read.")):
    """Managers and administrators; others unpublish."""
    actions.delete_article(_get(request, article_id), actor=request.user, channel=CHANNEL,
                           expected_version=version)
    return Reply(204, None)
