"""An article's files: downloads and inline images, added and removed by desk staff, with the audit trail.

The size limit and the stored type are the ticket attachments' (tickets.actions.attachment_too_large,
core.downloads.content_type_for): one rule for every file the desk keeps.
"""

from __future__ import annotations

import os

from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from servicedesk.accounts.models import User
from servicedesk.core import audit
from servicedesk.core.downloads import content_type_for
from servicedesk.core.errors import ActionError, NotFound, TooLarge
from servicedesk.tickets.actions import attachment_too_large

from ..models import Article, ArticleAttachment
from .articles import lock_article

# Files an article may carry: enough for screenshots and a manual or two.
MAX_FILES = 50

audit.register_events([
    ("file_added", gettext_lazy("file added")),
    ("file_removed", gettext_lazy("file removed")),
])


@transaction.atomic
def add_attachment(article: Article | int, *, upload: UploadedFile, actor: User, channel: str,
                   expected_version: int | None = None) -> ArticleAttachment:
    """Store a file of the article (no new version: the body names the file, and the body is versioned)."""
    article = lock_article(article, actor, expected_version)
    refusal = attachment_too_large(upload.name, upload.size)
    if refusal:
        raise TooLarge(refusal)
    if ArticleAttachment.objects.filter(article=article).count() >= MAX_FILES:
        raise ActionError(_("An article takes up to %(n)s files.") % {"n": MAX_FILES})
    filename = os.path.basename(upload.name or "")[:255] or "file"
    attachment = ArticleAttachment(article=article, filename=filename, content_type=content_type_for(filename),
                                   size=upload.size, uploaded_by=actor, created_at=timezone.now())
    attachment.file.save(filename, upload, save=False)
    attachment.save()
    audit.record_event(article, "file_added", actor=actor, channel=channel, changes={"file": ("", filename)})
    return attachment


@transaction.atomic
def remove_attachment(attachment: ArticleAttachment | int, *, actor: User, channel: str,
                      expected_version: int | None = None) -> None:
    """Remove a file of the article; its stored content goes once the removal is committed."""
    pk = attachment.pk if isinstance(attachment, ArticleAttachment) else attachment
    found = ArticleAttachment.objects.filter(pk=pk).first()
    if found is None:
        raise NotFound(_("No such file."))
    article = lock_article(found.article_id, actor, expected_version)
    audit.record_event(article, "file_removed", actor=actor, channel=channel, changes={"file": (found.filename, "")})
    stored, name = found.file.storage, found.file.name
    found.delete()
    transaction.on_commit(lambda: stored.delete(name))
