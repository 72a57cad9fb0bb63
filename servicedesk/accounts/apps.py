from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AccountsConfig(AppConfig):
    name = "servicedesk.accounts"
    label = "accounts"
    verbose_name = _("People and groups")

    def ready(self):
        from django.contrib import admin
        from django.db.models.signals import post_migrate

        from servicedesk.core import refdata

        from . import identity, signin
        from .models import Desk, Group, Organisation, User

        admin.site.login_form = signin.AdminSignInForm
        post_migrate.connect(identity.forget, sender=self, dispatch_uid="accounts.system_identity")
        refdata.watch(Group, Organisation, User, Desk, Group.members.through)
