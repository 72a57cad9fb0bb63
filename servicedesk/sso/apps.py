from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SsoConfig(AppConfig):
    name = "servicedesk.sso"
    label = "sso"
    verbose_name = _("Single sign-on")

    def ready(self) -> None:
        from servicedesk.core import audit

        from .actions import Event

        audit.register_events(Event.choices)
