from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DirectoryConfig(AppConfig):
    name = "servicedesk.directory"
    label = "directory"
    verbose_name = _("Directory (LDAP)")

    def ready(self) -> None:
        from servicedesk.people.registry import register_personal_data

        from . import actions, checks, receivers  # noqa: F401  (checks and receivers register themselves)

        register_personal_data("directory", export=actions.export_person, erase=actions.forget_person,
                               title=self.verbose_name)
