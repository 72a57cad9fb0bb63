"""The console's approvals inbox (/console/approvals/): the approvals waiting for the agent, decided with a
comment, and their delegations (servicedesk.approvals.screens)."""

from servicedesk.approvals import screens
from servicedesk.core.audit import Channel

from .ticket_access import staff_required

urlpatterns = screens.urlpatterns(staff_required, "console/approvals/inbox.html", channel=Channel.CONSOLE,
                                  namespace="console")
