"""What administrators keep for changes: the pre-approved standard changes, the change freezes and which approval
policy normal and emergency changes go through. Changes themselves are shown here and changed only through the
actions (the console and the API)."""

from django.contrib import admin

from servicedesk.core.admin import AuditedAdmin, ReadOnlyAdmin

from .models import ApprovalRoute, ChangeRecord, FreezeWindow, StandardChange


@admin.register(StandardChange)
class StandardChangeAdmin(AuditedAdmin):
    list_display = ("name", "name_zh", "risk", "impact", "is_active")
    list_filter = ("is_active",)
    search_fields = ("name", "name_zh")
    filter_horizontal = ("services",)
    fields = ("name", "name_zh", "description", "risk", "impact", "services", "implementation", "backout", "review",
              "is_active")


@admin.register(FreezeWindow)
class FreezeWindowAdmin(AuditedAdmin):
    list_display = ("reason", "reason_zh", "starts_at", "ends_at")
    fields = ("reason", "reason_zh", "starts_at", "ends_at")


@admin.register(ApprovalRoute)
class ApprovalRouteAdmin(AuditedAdmin):
    list_display = ("kind", "policy")


@admin.register(ChangeRecord)
class ChangeRecordAdmin(ReadOnlyAdmin):
    list_display = ("ticket", "kind", "state", "planned_start", "planned_end")
    list_filter = ("kind", "state")
