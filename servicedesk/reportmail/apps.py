from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ReportMailConfig(AppConfig):
    name = "servicedesk.reportmail"
    label = "reportmail"
    verbose_name = _("Report subscriptions")
