"""/api/v1/tickets/{id}/articles, /draft-article and /api/v1/knowledge/upkeep: the articles that answered a
ticket or were written from it, and the article owners' upkeep list (knowledge.actions.links,
from_ticket, knowledge.upkeep)."""

import datetime

from django.utils.translation import gettext as _
from ninja import Router
from ninja import Status as Reply

from servicedesk.core.errors import NotAllowed, NotFound
from servicedesk.core.inputs import Id, IdOrZero
from servicedesk.knowledge import upkeep, visibility
from servicedesk.knowledge.actions import from_ticket, links
from servicedesk.knowledge.models import Article, LinkKind, TicketArticle
from servicedesk.tickets.models import Channel

from .schemas import ConflictOut, Input, Message, Out, UserRef
from .serialize import user_ref
from .tickets import _get_ticket

router = Router(tags=["knowledge"])

ERRORS = {400: Message, 403: Message, 404: Message, 409: ConflictOut, 422: Message}


class ArticleStateOut(Out):
    id: int
    title: str
    language: str
    audience: str
    state: str
    is_live: bool
    url: str


class TicketArticleOut(Out):
    article: ArticleStateOut
    kind: str
    linked_by: UserRef | None
    created_at: datetime.datetime


class TicketArticleIn(Input):
    article: Id
    version: IdOrZero | None = None


class PoorOut(Out):
    article: ArticleStateOut
    votes: int
    helpful: int
    comments: list[str]


class GapOut(Out):
    id: int
    query: str
    language: str
    count: int
    last_at: datetime.datetime


class UpkeepOut(Out):
    poor_feedback: list[PoorOut]
    past_review_date: list[ArticleStateOut]
    waiting_for_my_review: list[ArticleStateOut]
    knowledge_gap: list[GapOut]


def _article(article: Article, user) -> dict:
    # Staff see the working copy's title; readers only ever get live articles, by their live title.
    staff = visibility.sees_working_copies(user)
    return {"id": article.pk, "title": article.title if staff else article.live_title,
            "language": article.language, "audience": article.audience, "state": article.state,
            "is_live": article.is_live, "url": links.public_path(article)}


def _link_out(link: TicketArticle, user) -> dict:
    return {"article": _article(link.article, user), "kind": link.kind, "linked_by": user_ref(link.linked_by),
            "created_at": link.created_at}


@router.get("/tickets/{int:ticket_id}/articles", response={200: list[TicketArticleOut], 404: Message},
            summary="Articles linked to a ticket")
def list_ticket_articles(request, ticket_id: Id):
    """The articles that answered the ticket (`kind` "answered") and, for desk staff, those written from it
    ("source"). A customer sees only the live articles they may read."""
    ticket = _get_ticket(request, ticket_id)
    found = TicketArticle.objects.filter(ticket=ticket).select_related("article", "linked_by")
    if not visibility.sees_working_copies(request.user):
        found = found.filter(kind=LinkKind.ANSWERED, article__in=visibility.readable(request.user))
    return [_link_out(link, request.user) for link in found]


@router.post("/tickets/{int:ticket_id}/articles", response={200: TicketArticleOut, 201: TicketArticleOut, **ERRORS},
             summary="Link an article that answers a ticket")
def link_ticket_article(request, ticket_id: Id, payload: TicketArticleIn):
    """Desk staff: record that a live article answered this ticket (201; 200 when it was linked already).
    `version` the version you read of the ticket: a stale one gets 409 and links nothing."""
    ticket = _get_ticket(request, ticket_id)
    if not visibility.may_write(request.user):
        raise NotAllowed(_("Only desk staff may link articles to tickets."))
    article = Article.objects.filter(pk=payload.article).first()
    if article is None:
        raise NotFound(_("No such article."))
    link, new = links.link_article(ticket, article, actor=request.user, channel=Channel.API,
                                   expected_version=payload.version)
    return Reply(201 if new else 200, _link_out(link, request.user))


@router.delete("/tickets/{int:ticket_id}/articles/{int:article_id}", response={204: None, **ERRORS},
               summary="Remove an article's link")
def unlink_ticket_article(request, ticket_id: Id, article_id: Id, version: IdOrZero | None = None):
    """Desk staff: the article did not answer this ticket after all. `?version=` as for the ticket's links."""
    ticket = _get_ticket(request, ticket_id)
    if not visibility.may_write(request.user):
        raise NotAllowed(_("Only desk staff may link articles to tickets."))
    article = Article.objects.filter(pk=article_id).first()
    if article is None:
        raise NotFound(_("This article is not linked to the ticket."))
    links.unlink_article(ticket, article, actor=request.user, channel=Channel.API, expected_version=version)
    return Reply(204, None)


@router.post("/tickets/{int:ticket_id}/draft-article", response={201: ArticleStateOut, **ERRORS},
             summary="Turn a resolved ticket into a draft article")
def draft_article(request, ticket_id: Id):
    """Desk staff: a draft article from this resolved or closed ticket (its question and public answer, no
    internal notes, personal data taken out), owned by the caller, linked to the ticket as its source."""
    ticket = _get_ticket(request, ticket_id)
    article = from_ticket.draft_from_ticket(ticket, actor=request.user, channel=Channel.API)
    return Reply(201, _article(article, request.user))


@router.get("/knowledge/upkeep", response={200: UpkeepOut, 403: Message}, summary="Knowledge upkeep")
def knowledge_upkeep(request, mine: bool = False):
    """Desk staff: articles readers find unhelpful (with their latest comments), past their review-by date
    and waiting for the caller's review, and the searches that found nothing, most frequent first.
    `mine=true`: only the caller's articles."""
    user = request.user
    if not visibility.may_write(user):
        raise NotAllowed(_("Only desk staff may look after the knowledge base."))
    found = upkeep.upkeep(user, mine=mine)
    return {
        "poor_feedback": [{"article": _article(p.article, user), "votes": p.votes, "helpful": p.helpful,
                           "comments": [f.comment for f in p.comments]} for p in found.poor],
        "past_review_date": [_article(a, user) for a in found.overdue],
        "waiting_for_my_review": [_article(a, user) for a in found.waiting],
        "knowledge_gap": [{"id": g.pk, "query": g.query, "language": g.language, "count": g.count,
                           "last_at": g.last_at} for g in found.gaps],
    }
