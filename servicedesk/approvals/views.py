"""The decision from the e-mail link (no sign-in: the signed token names the request and the person). The page
shows what is asked and the approve and reject buttons; only the POST decides (a mail scanner following the link
decides nothing). A forged, altered or expired link is a 404 and stores nothing."""

from __future__ import annotations

import zoneinfo

from django.http import Http404
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_http_methods

from servicedesk.core.errors import ActionError
from servicedesk.notify.context import time_zone_for

from . import actions
from .forms import DecisionForm
from .models import Outcome


@require_http_methods(["GET", "POST"])
def decide_by_link(request, token: str):
    found = actions.read_link(token)
    if found is None:
        raise Http404
    approval, user = found
    error = ""
    form = DecisionForm(initial={"outcome": request.GET.get("outcome", Outcome.APPROVE)})
    if request.method == "POST":
        form = DecisionForm(request.POST)
        if form.is_valid():
            try:
                approval = actions.decide_by_link(token, outcome=form.cleaned_data["outcome"],
                                                  comment=form.cleaned_data["comment"])
            except ActionError as refused:
                error = refused.message
            approval.refresh_from_db()
    with timezone.override(zoneinfo.ZoneInfo(time_zone_for(user, approval.ticket.desk))):
        return render(request, "approvals/link.html", {
            "approval": approval, "ticket": approval.ticket, "person": user, "form": form, "error": error,
            "may_decide": actions.may_decide(approval, user),
            "decisions": approval.decisions.select_related("approver", "on_behalf_of").order_by("at", "id"),
        }, status=400 if error else 200)
