"""Articles: write, version, review, publish, unpublish, restore, delete.

Each function runs in one transaction, locks the article row, checks who may (knowledge.visibility) and
the version the caller loaded (`expected_version`, optimistic concurrency), writes, records the audit
trail (core.audit) and announces `article_changed` after commit. Every save of the working copy is a new
ArticleVersion; publishing copies the working copy to the live copy readers see.
"""

from __future__ import annotations

import dataclasses
import datetime
import logging

from django.db import transaction
from django.dispatch import Signal
from django.utils import timezone
from django.utils.translation import gettext as _

from servicedesk.accounts.models import Organisation, User
from servicedesk.core import audit
from servicedesk.core.errors import ActionError, Conflict, NotAllowed, NotFound
from servicedesk.tickets.models import Category, Service

from .. import visibility
from ..models import Article, ArticleVersion, Audience, Language, State

log = logging.getLogger(__name__)

# Sent after commit: article (as saved), actor, event ("created", "edited", "submitted", "published",
# "unpublished", "restored", "deleted").
article_changed = Signal()

MAX_TITLE = 255
MAX_BODY = 200_000
MAX_TAGS = 20

audit.register_events([
    ("submitted", _("submitted for review")),
    ("published", _("published")),
    ("unpublished", _("unpublished")),
    ("restored", _("restored a version")),
])


@dataclasses.dataclass
class ArticleInput:
    """The working copy's fields a caller sets; None leaves a field as it is (on create: its default)."""

    title: str | None = None
    summary: str | None = None
    body: str | None = None
    language: str | None = None
    audience: str | None = None
    service: Service | None | type(...) = ...
    category: Category | None | type(...) = ...
    tags: list[str] | None = None
    organisations: list[Organisation] | None = None
    owner: User | None = None
    review_by: datetime.date | None | type(...) = ...
    translation_of: Article | None | type(...) = ...


def _announce(article: Article, actor: User, event: str) -> None:
    def send() -> None:
        log.info("Article %s %s by %s", article.pk, event, actor.username)
        article_changed.send(sender=Article, article=article, actor=actor, event=event)

    transaction.on_commit(send)


def lock_article(article: Article | int, actor: User, expected_version: int | None = None) -> Article:
    """The article's row, locked for this transaction, after checking the actor may write and that the
    article is still at the version the caller loaded."""
    if not visibility.may_write(actor):
        raise NotAllowed(_("Only desk staff may change knowledge articles."))
    pk = article.pk if isinstance(article, Article) else article
    found = Article.objects.select_for_update().filter(pk=pk).first()
    if found is None:
        raise NotFound(_("No such article."))
    if expected_version is not None and expected_version != found.version:
        raise Conflict(_("Someone else changed this article since you loaded it (now version %(v)s); "
                         "reload it and make your change again.") % {"v": found.version})
    return found


def _clean_tags(tags: list[str]) -> list[str]:
    out: list[str] = []
    for tag in tags:
        tag = " ".join(str(tag).split())[:50]
        if tag and tag.lower() not in {t.lower() for t in out}:
            out.append(tag)
    if len(out) > MAX_TAGS:
        raise ActionError(_("An article takes up to %(n)s tags.") % {"n": MAX_TAGS})
    return out


def _apply(article: Article, data: ArticleInput) -> bool:
    """Set the given fields on the working copy after checking them; returns whether the content changed."""
    before = (article.title, article.summary, article.body, article.audience, article.service_id,
              article.category_id, list(article.tags), article.language)
    if data.title is not None:
        title = " ".join(data.title.split())
        if not title:
            raise ActionError(_("An article needs a title."))
        if len(title) > MAX_TITLE:
            raise ActionError(_("The title is too long (at most %(n)s characters).") % {"n": MAX_TITLE})
        article.title = title
    if data.summary is not None:
        article.summary = " ".join(data.summary.split())[:500]
    if data.body is not None:
        if len(data.body) > MAX_BODY:
            raise ActionError(_("The text is too long (at most %(n)s characters).") % {"n": MAX_BODY})
        article.body = data.body
    if data.language is not None:
        if data.language not in Language.values:
            raise ActionError(_("Unknown language: %(v)s") % {"v": data.language})
        article.language = data.language
    if data.audience is not None:
        if data.audience not in Audience.values:
            raise ActionError(_("Unknown audience: %(v)s") % {"v": data.audience})
        article.audience = data.audience
    if data.service is not ...:
        article.service = data.service
    if data.category is not ...:
        if data.category is not None and article.service_id and data.category.service_id != article.service_id:
            raise ActionError(_("The category belongs to another service."))
        article.category = data.category
        if data.category is not None and not article.service_id:
            article.service_id = data.category.service_id
    if data.tags is not None:
        article.tags = _clean_tags(data.tags)
    if data.owner is not None:
        if not data.owner.is_desk_staff or not data.owner.is_active:
            raise ActionError(_("An article's owner must be an active member of the desk staff."))
        article.owner = data.owner
    if data.review_by is not ...:
        article.review_by = data.review_by
    if data.translation_of is not ...:
        _set_translation(article, data.translation_of)
    after = (article.title, article.summary, article.body, article.audience, article.service_id,
             article.category_id, list(article.tags), article.language)
    return before != after


def _set_translation(article: Article, other: Article | None) -> None:
    if other is None:
        article.translation_of = None
        return
    root = other.translation_of or other
    if article.pk and root.pk == article.pk:
        raise ActionError(_("An article cannot be a translation of itself."))
    if article.pk and Article.objects.filter(translation_of=article.pk).exists():
        raise ActionError(_("Other articles are translations of this one; link them to it instead."))
    article.translation_of = root


def _check_translation_language(article: Article) -> None:
    if article.translation_of_id is None:
        return
    family = Article.objects.filter(translation_of=article.translation_of_id) | Article.objects.filter(
        pk=article.translation_of_id)
    if family.exclude(pk=article.pk).filter(language=article.language).exists():
        raise ActionError(_("This article already has a version in that language."))


def _new_version(article: Article, actor: User, note: str = "") -> ArticleVersion:
    number = (ArticleVersion.objects.filter(article=article).order_by("-number")
              .values_list("number", flat=True).first() or 0) + 1
    article.current_version = number
    return ArticleVersion.objects.create(
        article=article, number=number, title=article.title, summary=article.summary, body=article.body,
        audience=article.audience, service_id=article.service_id, category_id=article.category_id,
        tags=list(article.tags), edited_by=actor, note=note[:255],
    )


@transaction.atomic
def create_article(data: ArticleInput, *, actor: User, channel: str, note: str = "") -> Article:
    """A new draft, owned by `data.owner` or the actor, as its version 1."""
    if not visibility.may_write(actor):
        raise NotAllowed(_("Only desk staff may write knowledge articles."))
    if not data.title or not data.title.strip():
        raise ActionError(_("An article needs a title."))
    now = timezone.now()
    article = Article(owner=data.owner or actor, created_by=actor, created_at=now, updated_at=now)
    _apply(article, data)
    _check_translation_language(article)
    article.save()
    if data.organisations:
        article.organisations.set(data.organisations)
    _new_version(article, actor, note)
    article.save(update_fields=["current_version"])
    audit.record_created(article, actor=actor, channel=channel, note=note,
                         fields=["title", "language", "audience", "service", "category", "owner", "state"])
    _announce(article, actor, "created")
    return article


def _save(article: Article, fields: list[str]) -> None:
    article.version += 1
    article.updated_at = timezone.now()
    article.save(update_fields=[*fields, "version", "updated_at"])


@transaction.atomic
def update_article(article: Article | int, data: ArticleInput, *, actor: User, channel: str,
                   expected_version: int | None = None, note: str = "") -> Article:
    """Save the working copy: a new version when its content changed. A published article becomes a
    draft again (readers keep the live copy until it is published again); one in review stays in review."""
    article = lock_article(article, actor, expected_version)
    before = audit.snapshot(article)
    organisations_before = set(article.organisations.values_list("pk", flat=True))
    changed = _apply(article, data)
    _check_translation_language(article)
    fields = ["title", "summary", "body", "language", "audience", "service", "category", "tags", "owner",
              "review_by", "translation_of"]
    if changed:
        _new_version(article, actor, note)
        fields.append("current_version")
        if article.state == State.PUBLISHED:
            article.state = State.DRAFT
            fields.append("state")
    _save(article, fields)
    if data.organisations is not None and {o.pk for o in data.organisations} != organisations_before:
        article.organisations.set(data.organisations)
        audit.record_event(article, "changed", actor=actor, channel=channel, changes={
            "organisations": (", ".join(sorted(Organisation.objects.filter(pk__in=organisations_before)
                                               .values_list("name", flat=True))),
                              ", ".join(sorted(o.name for o in data.organisations)))})
    audit.record_change(article, before, actor=actor, channel=channel, note=note)
    _announce(article, actor, "edited")
    return article


@transaction.atomic
def submit_for_review(article: Article | int, *, reviewer: User, actor: User, channel: str,
                      expected_version: int | None = None, note: str = "") -> Article:
    """Ask `reviewer` (a lead, manager or administrator, not the actor) to review the working copy."""
    article = lock_article(article, actor, expected_version)
    if not visibility.may_publish(reviewer):
        raise ActionError(_("The reviewer must be a group lead, desk manager or administrator."))
    if reviewer.pk == actor.pk:
        raise ActionError(_("Name someone else as the reviewer: nobody reviews their own change."))
    if article.state == State.PUBLISHED:
        raise ActionError(_("This article is published as it stands; edit it first."))
    before = audit.snapshot(article)
    article.state, article.reviewer = State.REVIEW, reviewer
    _save(article, ["state", "reviewer"])
    audit.record_event(article, "submitted", actor=actor, channel=channel, note=note,
                       changes=audit.diff(before, audit.snapshot(article, before.keys())))
    _announce(article, actor, "submitted")
    return article


@transaction.atomic
def publish_article(article: Article | int, *, actor: User, channel: str, expected_version: int | None = None,
                    note: str = "") -> Article:
    """Publish the working copy: readers see it from now on. Takes a lead, manager or administrator; an
    article in review is published by its named reviewer (or a desk manager or administrator)."""
    article = lock_article(article, actor, expected_version)
    if not visibility.may_publish(actor):
        raise NotAllowed(_("Only a group lead, desk manager or administrator may publish articles."))
    if (article.state == State.REVIEW and article.reviewer_id and article.reviewer_id != actor.pk
            and not actor.sees_whole_desk):
        raise NotAllowed(_("This article waits for its reviewer, %(name)s.") % {"name": article.reviewer.display_name})
    if article.state == State.PUBLISHED and article.is_live:
        raise ActionError(_("This article is already published."))
    if not article.body.strip():
        raise ActionError(_("An article needs a text before it is published."))
    now = timezone.now()
    article.state, article.is_live, article.live_version = State.PUBLISHED, True, article.current_version
    article.live_title, article.live_summary, article.live_body = article.title, article.summary, article.body
    article.published_at, article.published_by = now, actor
    if article.reviewer_id is None:
        article.reviewer = actor
    _save(article, ["state", "is_live", "live_version", "live_title", "live_summary", "live_body",
                    "published_at", "published_by", "reviewer"])
    audit.record_event(article, "published", actor=actor, channel=channel, note=note,
                       changes={"version": ("", str(article.live_version))})
    _announce(article, actor, "published")
    return article


@transaction.atomic
def unpublish_article(article: Article | int, *, actor: User, channel: str, expected_version: int | None = None,
                      note: str = "") -> Article:
    """Take the article away from readers (its working copy and versions stay)."""
    article = lock_article(article, actor, expected_version)
    if not visibility.may_publish(actor):
        raise NotAllowed(_("Only a group lead, desk manager or administrator may unpublish articles."))
    if not article.is_live:
        raise ActionError(_("This article is not published."))
    article.is_live = False
    if article.state == State.PUBLISHED:
        article.state = State.DRAFT
    _save(article, ["is_live", "state"])
    audit.record_event(article, "unpublished", actor=actor, channel=channel, note=note)
    _announce(article, actor, "unpublished")
    return article


@transaction.atomic
def restore_version(article: Article | int, number: int, *, actor: User, channel: str,
                    expected_version: int | None = None) -> Article:
    """Make an earlier version the working copy again, as a new version (history is never rewritten)."""
    article = lock_article(article, actor, expected_version)
    old = ArticleVersion.objects.filter(article=article, number=number).first()
    if old is None:
        raise NotFound(_("This article has no version %(n)s.") % {"n": number})
    data = ArticleInput(title=old.title, summary=old.summary, body=old.body, audience=old.audience,
                        tags=list(old.tags),
                        service=Service.objects.filter(pk=old.service_id).first() if old.service_id else None,
                        category=Category.objects.filter(pk=old.category_id).first() if old.category_id else None)
    before = audit.snapshot(article)
    note = _("Restored version %(n)s") % {"n": number}
    if _apply(article, data):
        _new_version(article, actor, note)
        if article.state == State.PUBLISHED:
            article.state = State.DRAFT
    _save(article, ["title", "summary", "body", "audience", "service", "category", "tags", "current_version",
                    "state"])
    audit.record_event(article, "restored", actor=actor, channel=channel, note=note,
                       changes=audit.diff(before, audit.snapshot(article, before.keys())))
    _announce(article, actor, "restored")
    return article


@transaction.atomic
def delete_article(article: Article | int, *, actor: User, channel: str, expected_version: int | None = None) -> None:
    """Delete an article with its versions, feedback and links (a manager's or administrator's call; others
    unpublish). Its translations stay, unlinked from it."""
    article = lock_article(article, actor, expected_version)
    if not actor.sees_whole_desk:
        raise NotAllowed(_("Only a desk manager or administrator may delete articles; unpublish it instead."))
    translations = list(Article.objects.filter(translation_of=article).order_by("pk"))
    if translations:
        # The first translation becomes the family's root.
        root, rest = translations[0], translations[1:]
        Article.objects.filter(pk=root.pk).update(translation_of=None)
        Article.objects.filter(pk__in=[a.pk for a in rest]).update(translation_of=root)
    audit.record_deleted(article, actor=actor, channel=channel)
    pk = article.pk
    article.delete()
    article.pk = pk
    _announce(article, actor, "deleted")
