from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SsoConfig(AppConfig):
    name = "servicedesk.sso"
    label = "sso"
    verbose_name = _("Single sign-on")

    def ready(self) -> None:
        from servicedesk.core import audit
        from servicedesk.people.registry import register_personal_data

        from . import actions

        audit.register_events(actions.Event.choices)
        register_personal_data("sso", export=actions.export_person, erase=actions.forget_person,
                               title=self.verbose_name)
