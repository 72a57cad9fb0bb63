"""Saved views: a queue with its filters and ordering, saved under a name by one agent for themselves."""

from urllib.parse import parse_qsl, urlencode

from django.contrib import messages
from django.http import Http404
from django.shortcuts import redirect
from django.urls import path, reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from servicedesk.core.errors import ActionError

from . import actions
from .models import SavedView
from .queues import FILTER_PARAMS, ORDERINGS, get_queue, saved_view_url, staff_required


def clean_query(raw: str) -> str:
    """Keep only the filter parameters and the ordering; drop cursors and anything else."""
    allowed = set(FILTER_PARAMS) | {"ordering"}
    pairs = [(k, v) for k, v in parse_qsl(raw or "", keep_blank_values=False) if k in allowed and v.strip()]
    pairs = [(k, v) for k, v in pairs if k != "ordering" or v in ORDERINGS]
    return urlencode(pairs)[:2000]


@require_POST
@staff_required
def save_view(request):
    user = request.user
    queue = get_queue(user, request.POST.get("queue", ""))
    back = reverse("console:queue", args=[queue.slug])
    query = clean_query(request.POST.get("query", ""))
    name = " ".join((request.POST.get("name") or "").split())[:100]
    if not name:
        messages.error(request, _("Give the view a name."))
        return redirect(f"{back}?{query}" if query else back)
    try:
        view, created = actions.save_view(actor=user, name=name, queue=queue.slug, query=query)
    except ActionError as exc:
        messages.error(request, exc.message)
        return redirect(f"{back}?{query}" if query else back)
    if created:
        messages.success(request, _("The view “%(name)s” is saved.") % {"name": name})
    else:
        messages.success(request, _("The view “%(name)s” is updated.") % {"name": name})
    return redirect(saved_view_url(view))


@require_POST
@staff_required
def delete_view(request, pk: int):
    view = SavedView.objects.filter(pk=pk, user=request.user).first()
    if view is None:
        raise Http404(_("No such view."))
    slug = view.queue
    actions.delete_view(view, actor=request.user)
    messages.success(request, _("The view “%(name)s” is deleted.") % {"name": view.name})
    try:
        get_queue(request.user, slug)
    except Http404:
        return redirect("console:home")
    return redirect("console:queue", slug=slug)


urlpatterns = [
    path("views/save/", save_view, name="save_view"),
    path("views/<id:pk>/delete/", delete_view, name="delete_view"),
]
