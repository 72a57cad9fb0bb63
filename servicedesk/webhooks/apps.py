from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class WebhooksConfig(AppConfig):
    name = "servicedesk.webhooks"
    label = "webhooks"
    verbose_name = _("Outgoing webhooks")

    def ready(self):
        from servicedesk.core import audit

        from . import receivers  # noqa: F401  (connect the signal receivers)

        audit.register_events([("redelivered", _("Delivery queued again")),
                               ("test_event", _("Test event sent")),
                               ("deactivated", _("Webhook deactivated after failures"))])
