from django.contrib import admin

from servicedesk.core.admin import AuditedAdmin

from .models import CannedResponse


@admin.register(CannedResponse)
class CannedResponseAdmin(AuditedAdmin):
    list_display = (
        "name",
        "group",
        "owner",
        "internal",
        "set_status",
        "set_group",
        "set_priority",
        "updated_at",
    )
    list_filter = ("group", "internal")
    search_fields = ("name", "body")
    raw_id_fields = ("owner", "created_by")
