"""The console's approvals inbox (/console/approvals/): the approvals waiting for the agent, decided with a
comment, and their delegations (servicedesk.approvals.screens); and withdrawing an approval from the ticket
page's panel."""

from django import forms
from django.contrib import messages
from django.http import Http404
from django.shortcuts import redirect
from django.urls import path
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from servicedesk.approvals import actions, screens, visibility
from servicedesk.approvals.models import ApprovalRequest
from servicedesk.core.audit import Channel
from servicedesk.core.errors import ActionError

from .ticket_access import staff_required


class CancelForm(forms.Form):
    version = forms.IntegerField(min_value=1, max_value=2**31 - 1)


@staff_required
@require_POST
def cancel(request, pk: int):
    approval = ApprovalRequest.objects.select_related("ticket").filter(pk=pk).first()
    if approval is None or not visibility.can_view(request.user, approval):
        raise Http404
    form = CancelForm(request.POST)
    try:
        if not form.is_valid():
            raise ActionError(_("The page was not read whole; nothing was changed. Reload it and try again."))
        actions.cancel(approval, actor=request.user, channel=Channel.CONSOLE,
                       expected_version=form.cleaned_data["version"])
    except ActionError as refused:
        messages.error(request, refused.message)
    else:
        messages.success(request, _("The approval was withdrawn."))
    return redirect("console:ticket", approval.ticket.number)


urlpatterns = [
    *screens.urlpatterns(staff_required, "console/approvals/inbox.html", channel=Channel.CONSOLE,
                         namespace="console"),
    path("approvals/<id:pk>/cancel/", cancel, name="approval_cancel"),
]
