from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class IntakeConfig(AppConfig):
    name = "servicedesk.intake"
    label = "intake"
    verbose_name = _("Channels")

    def ready(self):
        from servicedesk.core import refdata

        from .models import Mailbox

        refdata.watch(Mailbox)
