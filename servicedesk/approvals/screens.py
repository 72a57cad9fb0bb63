"""The approvals inbox, shared by the console (desk staff) and the portal (customers who approve their staff's
requests): what waits for me, approve or reject with a comment, and my delegations while away. The console's and
the portal's modules give the sign-in rule, the template and the channel; each POST calls one action."""

from __future__ import annotations

from django.contrib import messages
from django.shortcuts import redirect, render
from django.urls import path, reverse
from django.utils.functional import lazy
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from servicedesk.core.errors import ActionError

from . import actions
from .forms import DecideForm, DelegationForm
from .models import Delegation

INBOX_LIMIT = 100


def inbox(request, template: str, *, delegation_form: DelegationForm | None = None, status: int = 200):
    waiting = list(actions.pending_for(request.user)[:INBOX_LIMIT + 1])
    items = [{"approval": a, "form": DecideForm(initial={"version": a.version}, auto_id=f"id_a{a.pk}_%s"),
              "decisions": a.decisions.select_related("approver", "on_behalf_of").order_by("at", "id")}
             for a in waiting[:INBOX_LIMIT]]
    return render(request, template, {
        "items": items, "more": len(waiting) > INBOX_LIMIT,
        "delegations": Delegation.objects.filter(user=request.user).select_related("delegate")
        .order_by("-starts", "-id")[:20],
        "delegation_form": delegation_form or DelegationForm(viewer=request.user),
    }, status=status)


def decide(request, pk: int, *, channel: str, back: str):
    form = DecideForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("The decision could not be read; nothing was saved."))
        return redirect(back)
    try:
        decided = actions.decide(pk, actor=request.user, outcome=form.cleaned_data["outcome"],
                                 comment=form.cleaned_data["comment"], channel=channel,
                                 expected_version=form.cleaned_data["version"])
    except ActionError as refused:
        messages.error(request, refused.message)
        return redirect(back)
    done = _("Approved: %(number)s.") if form.cleaned_data["outcome"] == "approve" else _("Rejected: %(number)s.")
    messages.success(request, done % {"number": decided.ticket.number})
    return redirect(back)


def delegate(request, template: str, *, channel: str, back: str):
    form = DelegationForm(request.POST, viewer=request.user)
    if form.is_valid():
        try:
            actions.delegate(request.user, to=form.cleaned_data["delegate"], starts=form.cleaned_data["starts"],
                             ends=form.cleaned_data["ends"], actor=request.user, channel=channel)
        except ActionError as refused:
            form.add_error(None, refused.message)
        else:
            messages.success(request, _("%(name)s decides your approvals while you are away.")
                             % {"name": form.cleaned_data["delegate"].display_name})
            return redirect(back)
    return inbox(request, template, delegation_form=form, status=400)


def end_delegation(request, pk: int, *, channel: str, back: str):
    try:
        actions.end_delegation(pk, actor=request.user, channel=channel)
    except ActionError as refused:
        messages.error(request, refused.message)
    else:
        messages.success(request, _("The delegation has ended."))
    return redirect(back)


def urlpatterns(sign_in_rule, template: str, *, channel: str, namespace: str) -> list:
    """The inbox's routes for one side of the desk: `sign_in_rule` wraps each view (the console's staff rule,
    the portal's sign-in), `namespace` names where to come back to."""
    back = lazy(lambda: reverse(f"{namespace}:approvals"), str)()

    def show(request):
        return inbox(request, template)

    def decide_view(request, pk: int):
        return decide(request, pk, channel=channel, back=back)

    def delegate_view(request):
        return delegate(request, template, channel=channel, back=back)

    def end_view(request, pk: int):
        return end_delegation(request, pk, channel=channel, back=back)

    return [
        path("approvals/", sign_in_rule(show), name="approvals"),
        path("approvals/<id:pk>/decide/", sign_in_rule(require_POST(decide_view)), name="approval_decide"),
        path("approvals/delegations/", sign_in_rule(require_POST(delegate_view)), name="approval_delegate"),
        path("approvals/delegations/<id:pk>/end/", sign_in_rule(require_POST(end_view)),
             name="approval_delegation_end"),
    ]
