from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.utils.translation import gettext_lazy as _

from .models import ApiToken, Desk, Group, Organisation, User


@admin.register(User)
class UserAdmin(BaseUserAdmin):
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
        (_("Service desk"), {"fields": ("role", "organisation", "phone", "language", "time_zone", "is_away")}),
    )
    add_fieldsets = (
        *BaseUserAdmin.add_fieldsets,
        (_("Service desk"), {"fields": ("role", "organisation", "email")}),
    )


@admin.register(Organisation)
class OrganisationAdmin(admin.ModelAdmin):
    list_display = ("name", "customers_see_organisation_tickets", "created_at")
    search_fields = ("name",)


@admin.register(Desk)
class DeskAdmin(admin.ModelAdmin):
    list_display = ("name", "site", "prefix", "time_zone", "language", "is_default")


@admin.register(Group)
class GroupAdmin(admin.ModelAdmin):
    list_display = ("name", "name_zh", "kind", "tier", "lead", "desk", "is_active")
    list_filter = ("kind", "tier", "is_active")
    search_fields = ("name", "name_zh")
    filter_horizontal = ("members",)
    autocomplete_fields = ("lead",)


@admin.register(ApiToken)
class ApiTokenAdmin(admin.ModelAdmin):
    list_display = ("prefix", "user", "name", "created_at", "last_used_at", "revoked")
    list_filter = ("revoked",)
    readonly_fields = ("key_hash", "prefix", "created_at", "last_used_at")
    search_fields = ("user__username", "name")
