from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class MfaConfig(AppConfig):
    name = "servicedesk.mfa"
    label = "mfa"
    verbose_name = _("Two-factor and passkeys")

    def ready(self):
        from . import signals  # noqa: F401  (connects the sign-in receiver)
