from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DirectoryConfig(AppConfig):
    name = "servicedesk.directory"
    label = "directory"
    verbose_name = _("Directory (LDAP)")

    def ready(self) -> None:
        from . import receivers  # noqa: F401  (the session's sign-in method)
