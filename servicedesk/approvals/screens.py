"""The approvals inbox, shared by the console (desk staff) and the portal (customers who approve their staff's
requests): what waits for me, approve or reject with a comment, and my delegations while away. The console's and
the portal's modules give the sign-in rule, the template and the channel; each POST calls one action."""

from __future__ import annotations

from django.contrib import messages
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

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
        "delegation_form": delegation_form or DelegationForm(),
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
    form = DelegationForm(request.POST)
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
