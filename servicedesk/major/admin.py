"""The major-incident contact table (重大情况联系表) in the admin; major incidents and their pages are shown,
changed only through the actions (the console and the API)."""

from django.contrib import admin

from servicedesk.core.admin import AuditedAdmin, ReadOnlyAdmin

from .models import Contact, MajorIncident, Page


@admin.register(Contact)
class ContactAdmin(AuditedAdmin):
    list_display = ("scope_label", "order", "who", "channel", "respond_within", "is_active")
    list_filter = ("channel", "is_active", "service")
    autocomplete_fields = ("user", "group")
    fields = ("service", "category", "order", "user", "group", "name", "phone", "email", "channel", "respond_within",
              "is_active")


class PageInline(admin.TabularInline):
    model = Page
    extra = 0
    can_delete = False
    fields = ("name", "channel", "order", "sent_at", "due_at", "acknowledged_at", "acknowledged_by", "escalated")
    readonly_fields = fields

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(MajorIncident)
class MajorIncidentAdmin(ReadOnlyAdmin):
    list_display = ("ticket", "state", "declared_by", "declared_at", "ended_at")
    list_filter = ("state",)
    inlines = [PageInline]
