"""What readers do with articles: read them, vote, say one solved their problem, open one the portal
suggested while they wrote a request — and the figures the ranking job derives from that.

Readers are told apart by `Reader`: a signed-in person by their account, an anonymous one by their
session (votes) or, for view counting only, their address. Every function checks that the reader may
read the article (knowledge.visibility) and refuses with "not found" otherwise, so that an answer never
tells an article exists. Counting is cheap on purpose: a view is one INSERT at most once per reader,
article and day (the once is kept in the cache, not asked of the database), so reading costs no query
beyond the page's own.
"""

from __future__ import annotations

import dataclasses
import re

from django.core.cache import cache
from django.db import IntegrityError, connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from servicedesk.core import rows
from servicedesk.core.errors import ActionError, NotFound
from servicedesk.tickets.models import Ticket

from .. import visibility
from ..models import Article, ArticleEvent, EventKind, Feedback

MAX_COMMENT = 2000
# A request draft's key as the portal's form makes it (secrets.token_urlsafe(18)); anything else is ignored.
DRAFT_KEY = re.compile(r"[A-Za-z0-9_-]{16,64}")
# How long the cache remembers that a reader's view or suggested open was counted.
COUNTED_FOR = 24 * 3600


@dataclasses.dataclass(frozen=True)
class Reader:
    """Who reads: `user` (None when anonymous), the session key (anonymous votes) and the address (anonymous
    views, when there is no session)."""

    user: object | None = None
    session_key: str = ""
    address: str = ""

    @property
    def signed_in(self) -> bool:
        return self.user is not None and getattr(self.user, "is_authenticated", False)

    @property
    def key(self) -> str:
        if self.signed_in:
            return f"u{self.user.pk}"
        return f"s{self.session_key}" if self.session_key else f"a{self.address}"

    @property
    def user_id(self) -> int | None:
        return self.user.pk if self.signed_in else None


def valid_draft(value: str | None) -> str:
    """The draft key if it is one the portal could have made, else "" (never an error: it is only counted)."""
    value = value or ""
    return value if DRAFT_KEY.fullmatch(value) else ""


def readable_article(reader: Reader, article: Article | int) -> Article:
    """The live article `reader` may read, or NotFound (the same whether it is missing or not theirs)."""
    pk = article.pk if isinstance(article, Article) else article
    found = visibility.readable(reader.user if reader.signed_in else None).filter(pk=pk).first()
    if found is None:
        raise NotFound(_("Not found."))
    return found


def _event(article_id: int, kind: str, reader: Reader, *, draft: str = "", when=None) -> ArticleEvent:
    return ArticleEvent(article_id=article_id, kind=kind, user_id=reader.user_id,
                        session_key=reader.session_key[:64], draft=draft, created_at=when or timezone.now())


def _first_time(key: str) -> bool:
    # cache.add is atomic (Redis SET NX): of two requests at once one counts.
    return cache.add(f"kb-counted:{key}", 1, timeout=COUNTED_FOR)


def record_view(article: Article, reader: Reader, *, now=None) -> bool:
    """Count a read of `article` (the caller has checked the reader may read it): once per reader, article
    and day. Returns whether it was counted."""
    now = now or timezone.now()
    if not _first_time(f"view:{article.pk}:{reader.key}:{now.date().isoformat()}"):
        return False
    rows.insert(_event(article.pk, EventKind.VIEW, reader, when=now))
    return True


def record_suggestion_open(article: Article, reader: Reader, draft: str, *, now=None) -> bool:
    """Count an article opened from the suggestions shown under a request being written (`draft`, the
    form's key): once per draft and article. Returns whether it was counted."""
    draft = valid_draft(draft)
    if not draft or not _first_time(f"suggested:{article.pk}:{draft}"):
        return False
    rows.insert(_event(article.pk, EventKind.SUGGESTED, reader, draft=draft, when=now))
    return True


def _clean_comment(comment: str) -> str:
    comment = (comment or "").strip()
    if len(comment) > MAX_COMMENT:
        raise ActionError(_("The comment is too long (at most %(n)s characters).") % {"n": MAX_COMMENT})
    return comment


def _whose(reader: Reader) -> dict | None:
    """The Feedback fields that tell the reader's answer apart (None: an anonymous reader with no session)."""
    if reader.signed_in:
        return {"user_id": reader.user_id}
    if reader.session_key:
        return {"user": None, "session_key": reader.session_key[:64]}
    return None


def feedback_of(article: Article, reader: Reader) -> Feedback | None:
    """The answer the reader gave on the article, if any."""
    mine = _whose(reader)
    return None if mine is None else Feedback.objects.filter(article=article, **mine).first()


@transaction.atomic
def give_feedback(article: Article | int, reader: Reader, *, helpful: bool, comment: str = "") -> Feedback:
    """"Was this helpful?": the reader's answer, replacing the one they gave before. An anonymous reader
    needs a session (the portal makes one)."""
    article = readable_article(reader, article)
    comment = _clean_comment(comment)
    mine = _whose(reader)
    if mine is None:
        raise ActionError(_("Your browser must accept cookies for your answer to be counted."))
    feedback = Feedback.objects.select_for_update().filter(article=article, **mine).first()
    now = timezone.now()
    if feedback is None:
        # Two first answers at once: the unique constraint lets one in; the other replaces it below.
        try:
            with transaction.atomic():
                return Feedback.objects.create(article=article, helpful=helpful, comment=comment,
                                               created_at=now, **mine)
        except IntegrityError:
            feedback = Feedback.objects.select_for_update().get(article=article, **mine)
    feedback.helpful, feedback.comment, feedback.created_at = helpful, comment, now
    feedback.save(update_fields=["helpful", "comment", "created_at"])
    return feedback


def mark_solved(article: Article | int, reader: Reader, *, draft: str = "") -> bool:
    """"This solved my problem": a deflection at once (knowledge.ranking), once per reader and article (per
    draft when it came from a suggestion). Returns whether it was counted."""
    article = readable_article(reader, article)
    draft = valid_draft(draft)
    if not _first_time(f"solved:{article.pk}:{reader.key}:{draft}"):
        return False
    rows.insert(_event(article.pk, EventKind.SOLVED, reader, draft=draft))
    return True


def record_draft_submitted(draft: str, ticket: Ticket) -> int:
    """The request written under `draft` was sent as `ticket`: the articles opened from its suggestions
    did not deflect it. Returns the number of suggested opens tied to the ticket."""
    draft = valid_draft(draft)
    if not draft:
        return 0
    return ArticleEvent.objects.filter(draft=draft, kind=EventKind.SUGGESTED, ticket__isnull=True,
                                       user_id=ticket.requester_id).update(ticket=ticket)


def record_deflections(opens: list[ArticleEvent]) -> int:
    """One `deflection` event for each given suggested open (the ranking job chose them), at the open's time."""
    made = [ArticleEvent(article_id=e.article_id, kind=EventKind.DEFLECTION, user_id=e.user_id,
                         session_key=e.session_key, draft=e.draft, created_at=e.created_at) for e in opens]
    rows.insert_many(made)
    return len(made)


def set_popularity(scores: dict[int, float], batch: int = 500) -> int:
    """Write each article's popularity, one UPDATE per `batch` articles. Returns the rows written."""
    table = connection.ops.quote_name(Article._meta.db_table)
    written = 0
    items = sorted(scores.items())
    for start in range(0, len(items), batch):
        part = items[start:start + batch]
        cases = " ".join("WHEN %s THEN %s" for _ in part)
        params: list = [v for pk, score in part for v in (pk, float(score))]
        params += [pk for pk, _ in part]
        marks = ", ".join(["%s"] * len(part))
        with connection.cursor() as cursor:
            cursor.execute(f"UPDATE {table} SET popularity = CASE id {cases} END WHERE id IN ({marks})", params)
            written += cursor.rowcount
    return written
