"""Articles and what happens around them.

An article has a **working copy** (title, summary, body, …: what its editors see and change) and a
**live copy** (`live_*`: what readers see), so that editing a published article does not change what
customers read until the change is reviewed and published again. Every save of the working copy is an
`ArticleVersion`; publishing copies the working copy to the live fields.

- `state` is the working copy's place in the workflow: draft → in review (with a named reviewer) →
  published (working copy and live copy are the same). Editing a published article makes the working
  copy a draft again; the live copy stays until the next publish.
- `is_live` says whether readers see the article at all; unpublishing clears it.
- `audience` says who may read it once live: anyone (public), signed-in customers (optionally only
  those of some organisations), or desk staff only. Drafts are for staff only, always.
- One article in Chinese and one in English are linked as translations through `translation_of`
  (both point at the same first article, which points at nothing).
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from servicedesk.accounts.models import Organisation
from servicedesk.tickets.models import Category, Service, Ticket


class State(models.TextChoices):
    DRAFT = "draft", _("Draft")
    REVIEW = "review", _("In review")
    PUBLISHED = "published", _("Published")


class Audience(models.TextChoices):
    PUBLIC = "public", _("Everyone (public)")
    CUSTOMERS = "customers", _("Signed-in customers")
    STAFF = "staff", _("Desk staff only")


class Language(models.TextChoices):
    EN = "en", _("English")
    ZH = "zh-hans", _("Simplified Chinese")


class Article(models.Model):
    language = models.CharField(_("language"), max_length=10, choices=Language.choices, default=Language.EN)
    translation_of = models.ForeignKey(
        "self", verbose_name=_("translation of"), null=True, blank=True, on_delete=models.SET_NULL,
        related_name="translations",
    )
    # The working copy.
    title = models.CharField(_("title"), max_length=255)
    summary = models.CharField(_("summary"), max_length=500, blank=True)
    body = models.TextField(_("body (Markdown)"), blank=True)
    audience = models.CharField(_("audience"), max_length=16, choices=Audience.choices, default=Audience.CUSTOMERS)
    organisations = models.ManyToManyField(
        Organisation, verbose_name=_("only for organisations"), blank=True, related_name="+",
        help_text=_("Leave empty for every customer; otherwise only these organisations' customers read it."),
    )
    service = models.ForeignKey(Service, verbose_name=_("service"), null=True, blank=True,
                                on_delete=models.SET_NULL, related_name="articles")
    category = models.ForeignKey(Category, verbose_name=_("category"), null=True, blank=True,
                                 on_delete=models.SET_NULL, related_name="articles")
    tags = models.JSONField(_("tags"), default=list, blank=True)
    state = models.CharField(_("state"), max_length=16, choices=State.choices, default=State.DRAFT)
    # Who answers for it, who is asked to review it, and when it must be checked again.
    owner = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("owner"), on_delete=models.PROTECT,
                              related_name="owned_articles")
    reviewer = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("reviewer"), null=True, blank=True,
                                 on_delete=models.SET_NULL, related_name="articles_to_review")
    review_by = models.DateField(_("review by"), null=True, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("created by"),
                                   on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(_("created"), default=timezone.now)
    updated_at = models.DateTimeField(_("updated"), default=timezone.now)
    # The working copy's latest ArticleVersion number; `version` is the row's optimistic-concurrency counter.
    current_version = models.PositiveIntegerField(_("current version"), default=1)
    version = models.PositiveIntegerField(_("version"), default=1)
    # The live copy, what readers see (copied from the working copy at publish).
    is_live = models.BooleanField(_("live"), default=False)
    live_version = models.PositiveIntegerField(_("live version"), null=True, blank=True)
    live_title = models.CharField(_("published title"), max_length=255, blank=True)
    live_summary = models.CharField(_("published summary"), max_length=500, blank=True)
    live_body = models.TextField(_("published body (Markdown)"), blank=True)
    published_at = models.DateTimeField(_("published"), null=True, blank=True)
    published_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("published by"), null=True,
                                     blank=True, on_delete=models.SET_NULL, related_name="+")
    # How useful readers find it over the recent window (views, votes, deflections, ticket links),
    # recomputed by the ranking job; orders the FAQ and lifts search results.
    popularity = models.FloatField(_("popularity"), default=0.0)

    class Meta:
        verbose_name = _("article")
        verbose_name_plural = _("articles")
        ordering = ["-updated_at", "-id"]
        indexes = [
            models.Index(fields=["is_live", "audience", "-popularity"], name="knowledge_live_popular"),
            models.Index(fields=["state", "-updated_at"], name="knowledge_state_updated"),
            models.Index(fields=["review_by"], name="knowledge_review_by"),
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def family_id(self) -> int:
        """The id shared by an article and its translations: the first article's."""
        return self.translation_of_id or self.pk


class ArticleVersion(models.Model):
    """One save of an article's working copy; never changed afterwards."""

    article = models.ForeignKey(Article, on_delete=models.CASCADE, related_name="versions")
    number = models.PositiveIntegerField(_("version"))
    title = models.CharField(_("title"), max_length=255)
    summary = models.CharField(_("summary"), max_length=500, blank=True)
    body = models.TextField(_("body (Markdown)"), blank=True)
    audience = models.CharField(_("audience"), max_length=16, choices=Audience.choices)
    service_id = models.IntegerField(_("service"), null=True, blank=True)
    category_id = models.IntegerField(_("category"), null=True, blank=True)
    tags = models.JSONField(_("tags"), default=list, blank=True)
    edited_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("edited by"), on_delete=models.PROTECT,
                                  related_name="+")
    created_at = models.DateTimeField(_("saved"), default=timezone.now)
    note = models.CharField(_("note"), max_length=255, blank=True)

    class Meta:
        verbose_name = _("article version")
        verbose_name_plural = _("article versions")
        ordering = ["article", "-number"]
        constraints = [models.UniqueConstraint(fields=["article", "number"], name="knowledge_version_unique")]

    def __str__(self) -> str:
        return f"{self.article_id} v{self.number}"


def article_file_path(instance: ArticleAttachment, filename: str) -> str:
    return f"knowledge/{instance.article_id}/{timezone.now():%Y%m%d%H%M%S}-{filename}"


class ArticleAttachment(models.Model):
    """A file of an article: a download, or an image shown inline (Markdown `![](url)`)."""

    article = models.ForeignKey(Article, on_delete=models.CASCADE, related_name="attachments")
    file = models.FileField(_("file"), upload_to=article_file_path, max_length=500)
    filename = models.CharField(_("file name"), max_length=255)
    content_type = models.CharField(_("content type"), max_length=150, blank=True)
    size = models.PositiveBigIntegerField(_("size"))
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("uploaded by"),
                                    on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(_("created"), default=timezone.now)

    class Meta:
        verbose_name = _("article attachment")
        verbose_name_plural = _("article attachments")
        ordering = ["article", "id"]

    def __str__(self) -> str:
        return self.filename


class Feedback(models.Model):
    """"Was this helpful?": one answer per reader (a later answer replaces theirs), with an optional comment."""

    article = models.ForeignKey(Article, on_delete=models.CASCADE, related_name="feedback")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.CASCADE,
                             related_name="+")
    # Anonymous readers of public articles are told apart by their session.
    session_key = models.CharField(max_length=64, blank=True)
    helpful = models.BooleanField(_("helpful"))
    comment = models.TextField(_("comment"), blank=True)
    created_at = models.DateTimeField(_("given"), default=timezone.now)

    class Meta:
        verbose_name = _("article feedback")
        verbose_name_plural = _("article feedback")
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["article", "-created_at"], name="knowledge_feedback_recent")]
        constraints = [
            models.UniqueConstraint(fields=["article", "user"], condition=models.Q(user__isnull=False),
                                    name="knowledge_feedback_one_per_user"),
            models.UniqueConstraint(fields=["article", "session_key"],
                                    condition=models.Q(user__isnull=True) & ~models.Q(session_key=""),
                                    name="knowledge_feedback_one_per_session"),
        ]

    def __str__(self) -> str:
        return f"{self.article_id}: {'+' if self.helpful else '-'}"


class EventKind(models.TextChoices):
    VIEW = "view", _("Read")
    SUGGESTED = "suggested", _("Opened from a suggestion")
    SOLVED = "solved", _("Solved my problem")
    DEFLECTION = "deflection", _("Deflected a request")
    LINKED = "linked", _("Linked from a ticket")


class ArticleEvent(models.Model):
    """A reader's use of an article, counted for the FAQ ranking and the deflection figures.

    A `suggested` open carries the portal form's `draft` key (the request the customer was writing); it
    becomes a `deflection` when that request is not submitted (knowledge.ranking)."""

    article = models.ForeignKey(Article, on_delete=models.CASCADE, related_name="events")
    kind = models.CharField(_("kind"), max_length=16, choices=EventKind.choices)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                             related_name="+")
    session_key = models.CharField(max_length=64, blank=True)
    draft = models.CharField(_("request draft"), max_length=64, blank=True)
    ticket = models.ForeignKey(Ticket, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(_("when"), default=timezone.now)

    class Meta:
        verbose_name = _("article event")
        verbose_name_plural = _("article events")
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["created_at", "kind"], name="knowledge_event_window"),
            models.Index(fields=["article", "kind", "created_at"], name="knowledge_event_article"),
            models.Index(fields=["draft"], name="knowledge_event_draft"),
        ]

    def __str__(self) -> str:
        return f"{self.article_id}: {self.kind}"


class LinkKind(models.TextChoices):
    ANSWERED = "answered", _("Answered by the article")   # an agent inserted or linked it in a reply
    SOURCE = "source", _("The article was written from the ticket")


class TicketArticle(models.Model):
    """A ticket and an article that answered it, or that was written from it."""

    ticket = models.ForeignKey(Ticket, on_delete=models.CASCADE, related_name="article_links")
    article = models.ForeignKey(Article, on_delete=models.CASCADE, related_name="ticket_links")
    kind = models.CharField(_("kind"), max_length=16, choices=LinkKind.choices, default=LinkKind.ANSWERED)
    linked_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("linked by"),
                                  on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(_("linked"), default=timezone.now)

    class Meta:
        verbose_name = _("ticket–article link")
        verbose_name_plural = _("ticket–article links")
        ordering = ["-created_at", "-id"]
        constraints = [models.UniqueConstraint(fields=["ticket", "article", "kind"], name="knowledge_link_unique")]
        indexes = [models.Index(fields=["article", "-created_at"], name="knowledge_link_article")]

    def __str__(self) -> str:
        return f"{self.ticket_id} → {self.article_id}"


class SearchGap(models.Model):
    """A search that found no article: the words readers look for and the knowledge base lacks.

    One row per normalised query (its tokens), counted, so a flood of one query is one row."""

    query = models.CharField(_("search"), max_length=200)
    key = models.CharField(max_length=200, unique=True)
    language = models.CharField(_("language"), max_length=10, blank=True)
    count = models.PositiveIntegerField(_("times"), default=1)
    first_at = models.DateTimeField(_("first searched"), default=timezone.now)
    last_at = models.DateTimeField(_("last searched"), default=timezone.now)
    resolved = models.BooleanField(_("dealt with"), default=False)

    class Meta:
        verbose_name = _("search without result")
        verbose_name_plural = _("searches without result")
        ordering = ["-count", "-last_at"]

    def __str__(self) -> str:
        return self.query
