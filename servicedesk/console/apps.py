from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ConsoleConfig(AppConfig):
    name = "servicedesk.console"
    label = "console"
    verbose_name = _("Agent console")

    def ready(self):
        from servicedesk.core import refdata

        from .models import CannedResponse

        refdata.watch(CannedResponse)
