"""The console's approvals inbox (/console/approvals/): the approvals waiting for the agent, decided with a
comment, and their delegations (servicedesk.approvals.screens)."""

from __future__ import annotations

from django.urls import path, reverse
from django.views.decorators.http import require_POST

from servicedesk.approvals import screens
from servicedesk.core.audit import Channel

from .ticket_access import staff_required

TEMPLATE = "console/approvals/inbox.html"


@staff_required
def inbox(request):
    return screens.inbox(request, TEMPLATE)


@staff_required
@require_POST
def decide(request, pk: int):
    return screens.decide(request, pk, channel=Channel.CONSOLE, back=reverse("console:approvals"))


@staff_required
@require_POST
def delegate(request):
    return screens.delegate(request, TEMPLATE, channel=Channel.CONSOLE, back=reverse("console:approvals"))


@staff_required
@require_POST
def end_delegation(request, pk: int):
    return screens.end_delegation(request, pk, channel=Channel.CONSOLE, back=reverse("console:approvals"))


urlpatterns = [
    path("approvals/", inbox, name="approvals"),
    path("approvals/<id:pk>/decide/", decide, name="approval_decide"),
    path("approvals/delegations/", delegate, name="approval_delegate"),
    path("approvals/delegations/<id:pk>/end/", end_delegation, name="approval_delegation_end"),
]
