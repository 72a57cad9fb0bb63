from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class NotifyConfig(AppConfig):
    name = "servicedesk.notify"
    label = "notify"
    verbose_name = _("Notifications")

    def ready(self):
        from . import receivers  # noqa: F401  (connects the signal receivers)
