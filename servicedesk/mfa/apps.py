from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class MfaConfig(AppConfig):
    name = "servicedesk.mfa"
    label = "mfa"
    verbose_name = _("Two-factor and passkeys")

    def ready(self):
        from servicedesk.people.registry import register_personal_data

        from . import actions, signals  # noqa: F401  (signals connects the sign-in receiver)

        register_personal_data("second_factors", export=actions.personal_data,
                               erase=actions.erase_personal_data, title=self.verbose_name)
