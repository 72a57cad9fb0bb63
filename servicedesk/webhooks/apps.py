from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class WebhooksConfig(AppConfig):
    name = "servicedesk.webhooks"
    label = "webhooks"
    verbose_name = _("Outgoing webhooks")

    def ready(self):
        from servicedesk.core import audit, refdata

        from . import receivers  # noqa: F401  (connect the signal receivers)
        from .models import Subscription

        refdata.watch(Subscription)  # events.active_subscriptions

        # Event codes share one table of labels: "deactivated" is accounts' (a person's or a webhook's; the
        # webhook's note says it was after failures).
        audit.register_events([("redelivered", _("Delivery queued again")),
                               ("test_event", _("Test event sent"))])
