from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SearchConfig(AppConfig):
    name = "servicedesk.search"
    label = "search"
    verbose_name = _("Search")

    def ready(self) -> None:
        from . import receivers  # noqa: F401  (connects the signals that keep the index current)
