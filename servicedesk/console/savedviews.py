"""Saved views: a queue with its filters and ordering, saved under a name by one agent for themselves."""

from urllib.parse import parse_qsl, urlencode

from django.contrib import messages
from django.http import Http404, QueryDict
from django.shortcuts import redirect
from django.urls import path, reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from servicedesk.core.errors import ActionError
from servicedesk.tickets import filters as ticket_filters

from . import actions
from .access import staff_required
from .models import SavedView
from .queue_defs import get_queue
from .sidebar import saved_view_url


def clean_query(raw: str) -> str:
    """Keep only the filter parameters and the ordering; drop cursors and anything else. The one ticket
    filter checks what is kept: FilterError for a filter no queue could show."""
    allowed = set(ticket_filters.PARAMS) | {"ordering"}
    pairs = [(k, v) for k, v in parse_qsl(raw or "", keep_blank_values=False) if k in allowed and v.strip()]
    query = urlencode(pairs)[:2000]
    ticket_filters.parse(QueryDict(query))
    return query


@require_POST
@staff_required
def save_view(request):
    user = request.user
    queue = get_queue(user, request.POST.get("queue", ""))
    back = reverse("console:queue", args=[queue.slug])
    try:
        query = clean_query(request.POST.get("query", ""))
    except ticket_filters.FilterError as exc:
        messages.error(request, _("The view is not saved. %(reason)s") % {"reason": exc.message})
        return redirect(back)
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
