"""Hourly rates are configuration: administrators set them here (audited); every report reads them at once."""

from django.contrib import admin

from servicedesk.core.admin import AuditedAdmin

from .models import CostRate


@admin.register(CostRate)
class CostRateAdmin(AuditedAdmin):
    list_display = ("__str__", "group", "role", "hourly_rate", "currency")
    fields = ("group", "role", "hourly_rate", "currency")
    autocomplete_fields = ("group",)
