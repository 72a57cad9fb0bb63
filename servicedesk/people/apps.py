from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PeopleConfig(AppConfig):
    name = "servicedesk.people"
    label = "people"
    verbose_name = _("People and personal data")

    def ready(self) -> None:
        from . import actions  # noqa: F401  (registers its audit events)
