"""The portal's approvals (/portal/approvals/): a customer who manages people, heads a department or stands in
for someone decides their requests here, with a comment, and hands over their own while away
(servicedesk.approvals.screens)."""

from django.contrib.auth.decorators import login_required

from servicedesk.approvals import screens
from servicedesk.core.audit import Channel

urlpatterns = screens.urlpatterns(login_required, "portal/approvals.html", channel=Channel.PORTAL,
                                  namespace="portal")
