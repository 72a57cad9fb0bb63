from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SurveysConfig(AppConfig):
    name = "servicedesk.surveys"
    label = "surveys"
    verbose_name = _("Satisfaction surveys")

    def ready(self) -> None:
        # The receiver connects itself; the KPI modules register the figures of customer satisfaction, the phone
        # and self-service with the reports engine (issue 16).
        from . import call_kpis, kpis, receivers, self_service_kpis  # noqa: F401
