from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CoreConfig(AppConfig):
    name = "servicedesk.core"
    label = "core"
    verbose_name = _("Service desk")

    def ready(self):
        from django.urls import register_converter

        from .inputs import IdConverter

        register_converter(IdConverter, "id")
