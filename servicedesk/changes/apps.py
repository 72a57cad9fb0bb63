from django.apps import AppConfig
from django.utils.translation import pgettext_lazy


class ChangesConfig(AppConfig):
    name = "servicedesk.changes"
    label = "changes"
    verbose_name = pgettext_lazy("change", "Changes")

    def ready(self):
        from servicedesk.approvals.signals import approval_decided

        from . import actions

        def follow_approval(sender, request, outcome, **kwargs):
            actions.approval_decided(request, outcome)

        approval_decided.connect(follow_approval, weak=False, dispatch_uid="changes.follow_approval")
