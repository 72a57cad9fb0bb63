"""The knowledge upkeep page for article owners (knowledge.upkeep): articles readers find unhelpful, past
their review-by date, waiting for my review, and the knowledge gap with its "dealt with" button."""

from __future__ import annotations

from django.contrib import messages
from django.shortcuts import redirect, render
from django.urls import path, reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from servicedesk.core import audit
from servicedesk.core.errors import ActionError
from servicedesk.knowledge import upkeep
from servicedesk.knowledge.actions.upkeep import mark_gap_dealt_with

from .access import staff_required


def _mine(request) -> bool:
    """Mine unless "all" is asked for: an owner's own list first."""
    return request.GET.get("scope", request.POST.get("scope")) != "all"


@staff_required
def upkeep_page(request):
    mine = _mine(request)
    found = upkeep.upkeep(request.user, mine=mine)
    return render(request, "console/kb/upkeep.html", {
        "mine": mine, "upkeep": found, "threshold_percent": round(found.threshold * 100),
    })


@staff_required
@require_POST
def gap_dealt_with(request, pk):
    try:
        gap = mark_gap_dealt_with(pk, actor=request.user, channel=audit.Channel.CONSOLE)
    except ActionError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("“%(query)s” is dealt with.") % {"query": gap.query})
    return redirect(reverse("console:kb_upkeep") + ("" if _mine(request) else "?scope=all") + "#gaps")


urlpatterns = [
    path("kb/upkeep/", upkeep_page, name="kb_upkeep"),
    path("kb/gaps/<id:pk>/dealt-with/", gap_dealt_with, name="kb_gap_dealt_with"),
]
