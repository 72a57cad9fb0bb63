from django.contrib import admin

from servicedesk.core.admin import AuditedAdmin

from .models import Synonym


@admin.register(Synonym)
class SynonymAdmin(AuditedAdmin):
    list_display = ("terms", "updated_at")
    search_fields = ("terms",)
    readonly_fields = ("updated_at",)
