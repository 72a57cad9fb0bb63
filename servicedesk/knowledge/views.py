"""Serving an article's files to whoever may read the article."""

from django.http import Http404
from django.shortcuts import get_object_or_404

from servicedesk.core.downloads import stored_download

from . import visibility
from .models import ArticleAttachment


def file_download(request, pk: int, name: str):
    """A file of an article: for desk staff (every working copy) and for readers of the live article;
    anyone else gets the 404 a missing file gets. The name in the URL is for the reader (an image's
    Markdown reads well); the stored name is what is sent."""
    attachment = get_object_or_404(ArticleAttachment.objects.select_related("article"), pk=pk)
    user = request.user
    if not (visibility.sees_working_copies(user) or visibility.can_read(user, attachment.article)):
        raise Http404
    # The ticket attachments' headers: an <img> still shows an image sent as an attachment. Never a
    # redirect to object storage: the pages' CSP loads images from the desk's own origin only.
    try:
        return stored_download(attachment.file, attachment.filename, redirect=False)
    except (FileNotFoundError, ValueError):
        raise Http404 from None
