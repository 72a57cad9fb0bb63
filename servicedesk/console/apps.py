from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ConsoleConfig(AppConfig):
    name = "servicedesk.console"
    label = "console"
    verbose_name = _("Agent console")

    def ready(self):
        from django.db.models.signals import post_delete, post_save

        from servicedesk.accounts.models import Group, Organisation, User
        from servicedesk.tickets.models import Category

        from .queues import filter_options_changed

        for model in (Group, Organisation, User, Category):
            post_save.connect(filter_options_changed, sender=model, dispatch_uid=f"console-filters-{model.__name__}")
            post_delete.connect(filter_options_changed, sender=model,
                                dispatch_uid=f"console-filters-del-{model.__name__}")
