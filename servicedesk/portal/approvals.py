"""The portal's approvals (/portal/approvals/): a customer who manages people, heads a department or stands in
for someone decides their requests here, with a comment, and hands over their own while away
(servicedesk.approvals.screens)."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.urls import path, reverse
from django.views.decorators.http import require_POST

from servicedesk.approvals import screens
from servicedesk.core.audit import Channel

TEMPLATE = "portal/approvals.html"


@login_required
def inbox(request):
    return screens.inbox(request, TEMPLATE)


@login_required
@require_POST
def decide(request, pk: int):
    return screens.decide(request, pk, channel=Channel.PORTAL, back=reverse("portal:approvals"))


@login_required
@require_POST
def delegate(request):
    return screens.delegate(request, TEMPLATE, channel=Channel.PORTAL, back=reverse("portal:approvals"))


@login_required
@require_POST
def end_delegation(request, pk: int):
    return screens.end_delegation(request, pk, channel=Channel.PORTAL, back=reverse("portal:approvals"))


urlpatterns = [
    path("approvals/", inbox, name="approvals"),
    path("approvals/<id:pk>/decide/", decide, name="approval_decide"),
    path("approvals/delegations/", delegate, name="approval_delegate"),
    path("approvals/delegations/<id:pk>/end/", end_delegation, name="approval_delegation_end"),
]
