"""The article editor: Markdown with a toolbar (console/kb-editor.js), a live preview rendered here by
knowledge.render (the same sanitised HTML readers get), the category list following the service, and
the article's files (an image uploaded from the toolbar goes into the text as `![name](url)`)."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from servicedesk.core.errors import ActionError
from servicedesk.core.inputs import parse_id
from servicedesk.knowledge import actions
from servicedesk.knowledge import render as markdown
from servicedesk.knowledge.actions import files
from servicedesk.knowledge.actions.articles import MAX_BODY
from servicedesk.knowledge.models import ArticleAttachment, Language
from servicedesk.tickets.models import Category

from .access import staff_required
from .kb_forms import ArticleForm
from .kb_views import CHANNEL, get_article

MAX_PREVIEW = MAX_BODY


def file_url(attachment: ArticleAttachment) -> str:
    return reverse("knowledge:file", args=[attachment.pk, attachment.filename])


def _editor(request, form: ArticleForm, article=None, status: int = 200):
    body = form["body"].value() or ""
    context = {
        "form": form, "article": article,
        "preview_html": markdown.to_html(body),
        "files": [(f, file_url(f)) for f in article.attachments.all()] if article else [],
    }
    return render(request, "console/kb/editor.html", context, status=status)


@staff_required
def edit(request, pk: int | None = None):
    """A new draft (no pk) or the working copy of an article: every save that changes it is a version."""
    article = get_article(pk) if pk is not None else None
    if request.method != "POST":
        form = ArticleForm.for_article(article) if article else ArticleForm(initial={
            "language": Language.ZH if (request.LANGUAGE_CODE or "").startswith("zh") else Language.EN,
            "owner": request.user.pk})
        return _editor(request, form, article)
    form = ArticleForm(request.POST)
    if not form.is_valid():
        return _editor(request, form, article, status=400)
    data, note = form.to_input(), form.cleaned_data["note"]
    try:
        if article is None:
            article = actions.create_article(data, actor=request.user, channel=CHANNEL, note=note)
        else:
            actions.update_article(article, data, actor=request.user, channel=CHANNEL,
                                   expected_version=form.cleaned_data["version"], note=note)
    except ActionError as exc:
        # Nothing typed is lost: the form comes back as sent, with the reason.
        form.add_error(None, exc.message)
        return _editor(request, form, article if article and article.pk else None, status=exc.status_code)
    messages.success(request, _("Saved “%(title)s”.") % {"title": data.title})
    return redirect("console:kb_article", pk=article.pk)


@staff_required
@require_POST
def preview(request):
    """The body as readers will see it (HTMX, while the editor types)."""
    body = request.POST.get("body", "")[:MAX_PREVIEW]
    return HttpResponse(markdown.to_html(body))


@staff_required
def categories(request):
    """The category options of the chosen service (HTMX swaps them into the editor's category list)."""
    service_id = parse_id(request.GET.get("service"))
    found = (Category.objects.filter(is_active=True, service_id=service_id).select_related("parent", "service")
             if service_id else Category.objects.filter(is_active=True).select_related("parent", "service"))
    options = format_html_join("", '<option value="{}">{}</option>', ((c.pk, str(c)) for c in found))
    return HttpResponse(format_html('<option value="">{}</option>', "---------") + options)


@staff_required
@require_POST
def file_add(request, pk: int):
    """Upload a file to the article: JSON for the editor's image button, else back to the page."""
    article = get_article(pk)
    upload = request.FILES.get("file")
    wants_json = request.headers.get("Accept", "").startswith("application/json")
    try:
        if upload is None:
            raise ActionError(_("Choose a file to upload."))
        attachment = files.add_attachment(article, upload=upload, actor=request.user, channel=CHANNEL)
    except ActionError as exc:
        if wants_json:
            return JsonResponse({"message": exc.message}, status=exc.status_code)
        messages.error(request, exc.message)
        return redirect("console:kb_article", pk=pk)
    url = file_url(attachment)
    if wants_json:
        return JsonResponse({"name": attachment.filename, "url": url,
                             "image": attachment.content_type.startswith("image/")}, status=201)
    messages.success(request, _("Added %(name)s.") % {"name": attachment.filename})
    return redirect("console:kb_article", pk=pk)


@staff_required
@require_POST
def file_remove(request, pk: int, file_id: int):
    attachment = ArticleAttachment.objects.filter(pk=file_id, article=get_article(pk)).first()
    try:
        if attachment is None:
            raise ActionError(_("No such file."))
        files.remove_attachment(attachment, actor=request.user, channel=CHANNEL)
    except ActionError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("Removed %(name)s.") % {"name": attachment.filename})
    return redirect("console:kb_article", pk=pk)
