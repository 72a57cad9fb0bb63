from axes.admin import AccessAttemptAdmin, AccessFailureLogAdmin, AccessLogAdmin
from axes.models import AccessAttempt, AccessFailureLog, AccessLog
from django.contrib import admin, messages
from django.contrib.admin.utils import unquote
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.db import transaction
from django.utils.translation import gettext as gettext_now
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from servicedesk.core import audit
from servicedesk.core.admin import AuditedAdmin

from . import actions
from .models import ApiToken, Desk, Group, Organisation, User


@admin.register(User)
class UserAdmin(AuditedAdmin, BaseUserAdmin):
    list_display = ("username", "email", "first_name", "last_name", "role", "organisation", "is_active", "is_away")
    list_filter = ("role", "organisation", "is_active", "is_away")
    search_fields = ("username", "email", "first_name", "last_name")
    # Rights come from the role (administrators are superusers): Django's groups and per-model
    # permissions are left out, so "groups" here means only the desk's resolver groups.
    fieldsets = (
        *(
            (title, {**options, "fields": ("is_active", "is_staff", "is_superuser")})
            if "groups" in options["fields"] else (title, options)
            for title, options in BaseUserAdmin.fieldsets
        ),
        (_("Service desk"), {"fields": ("role", "organisation", "phone", "department", "language", "time_zone",
                                        "is_away", "manager")}),
    )
    autocomplete_fields = ("manager",)
    add_fieldsets = (
        *BaseUserAdmin.add_fieldsets,
        (_("Service desk"), {"fields": ("role", "organisation", "email")}),
    )
    actions = ["unlock_sign_in"]

    def user_change_password(self, request, id, form_url=""):
        """A password set or reset here is recorded in the person's trail (never the password) and revokes
        their API tokens (in the same transaction): whoever knew the old password may have made one."""
        with transaction.atomic():
            response = super().user_change_password(request, id, form_url)
            if request.method == "POST" and response.status_code == 302:
                user = self.get_object(request, unquote(id))
                count = actions.password_set(user, actor=request.user, channel=audit.Channel.ADMIN)
                if count:
                    self.message_user(request, ngettext(
                        "%(count)d API token of %(user)s was revoked.",
                        "%(count)d API tokens of %(user)s were revoked.", count,
                    ) % {"count": count, "user": user.username}, messages.WARNING)
        return response

    @admin.action(description=_("Unlock sign-in (clear failed sign-ins)"), permissions=["change"])
    def unlock_sign_in(self, request, queryset):
        for user in queryset:
            actions.unlock_sign_in(user, actor=request.user, channel=audit.Channel.ADMIN)
        self.message_user(request, gettext_now("Sign-in unlocked for %(users)s.")
                          % {"users": ", ".join(u.username for u in queryset)})


@admin.register(Organisation)
class OrganisationAdmin(AuditedAdmin):
    list_display = ("name", "customers_see_organisation_tickets", "created_at")
    search_fields = ("name",)


@admin.register(Desk)
class DeskAdmin(AuditedAdmin):
    list_display = ("name", "site", "prefix", "time_zone", "language", "is_default")


@admin.register(Group)
class GroupAdmin(AuditedAdmin):
    list_display = ("name", "name_zh", "kind", "tier", "lead", "desk", "is_active")
    list_filter = ("kind", "tier", "is_active")
    search_fields = ("name", "name_zh")
    filter_horizontal = ("members",)
    autocomplete_fields = ("lead", "head")


@admin.register(ApiToken)
class ApiTokenAdmin(AuditedAdmin):
    list_display = ("prefix", "user", "name", "created_at", "last_used_at", "expires_at", "revoked")
    list_filter = ("revoked",)
    fields = ("user", "name", "prefix", "created_at", "last_used_at", "expires_at", "revoked")
    readonly_fields = ("user", "prefix", "created_at", "last_used_at", "expires_at", "revoked")
    search_fields = ("user__username", "name", "prefix")
    actions = ["revoke"]

    def has_add_permission(self, request):
        # Issued by their owners (preferences, API) or `servicedesk issue-token`: the raw token is shown once.
        return False

    @admin.action(description=_("Revoke the selected API tokens"), permissions=["change"])
    def revoke(self, request, queryset):
        for token in queryset.select_related("user"):
            actions.revoke_token(token, actor=request.user, channel=audit.Channel.ADMIN)
        self.message_user(request, gettext_now("The selected API tokens are revoked."))


# Sign-in lockouts (axes): removing an attempt or a log row is recorded like any other admin delete.
for _model, _base in ((AccessAttempt, AccessAttemptAdmin), (AccessLog, AccessLogAdmin),
                      (AccessFailureLog, AccessFailureLogAdmin)):
    if admin.site.is_registered(_model):
        admin.site.unregister(_model)
    admin.site.register(_model, type(_base.__name__, (AuditedAdmin, _base), {}))
