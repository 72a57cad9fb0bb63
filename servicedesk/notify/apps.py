from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class NotifyConfig(AppConfig):
    name = "servicedesk.notify"
    label = "notify"
    verbose_name = _("Notifications")

    def ready(self):
        from . import changes, receivers  # noqa: F401  (connect the signal receivers)
