from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class OpsConfig(AppConfig):
    name = "servicedesk.ops"
    label = "ops"
    verbose_name = _("Operations")

    def ready(self):
        from django.core.signals import request_finished

        from servicedesk.core import scheduler

        from . import heartbeat, logs, metrics

        # The embedded scheduler (`servicedesk serve`) records its last run as `servicedesk scheduler` does.
        scheduler.after_round.append(heartbeat.record_run)
        metrics.watch_tasks()
        request_finished.connect(logs.forget_request, dispatch_uid="servicedesk.ops.forget_request")
