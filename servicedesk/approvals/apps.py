from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ApprovalsConfig(AppConfig):
    name = "servicedesk.approvals"
    label = "approvals"
    verbose_name = _("Approvals")

    def ready(self):
        from servicedesk.tickets import actions as ticket_actions

        from . import receivers

        # A service request from a catalogue item that names a policy waits for approval from its creation.
        ticket_actions.ticket_created.connect(receivers.on_ticket_created, dispatch_uid="approvals.on_ticket_created")
