from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SurveysConfig(AppConfig):
    name = "servicedesk.surveys"
    label = "surveys"
    verbose_name = _("Satisfaction surveys")

    def ready(self) -> None:
        from . import call_kpis, kpis, receivers, self_service_kpis  # noqa: F401 (receivers: connects itself)

        # The reports engine's figures of customer satisfaction, the phone and self-service (issue 16).
        kpis.register_all()
        call_kpis.register_all()
        self_service_kpis.register_all()
