"""Calendars and SLA policies are configuration: administrators edit them here. Tickets' SLA state is
derived from their history, so an edit here takes effect on every ticket at once."""

from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from .models import Calendar, CalendarDay, SlaPolicy


class CalendarDayInline(admin.TabularInline):
    model = CalendarDay
    extra = 0
    fields = ("date", "kind", "works_as", "name")
    ordering = ("-date",)


@admin.register(Calendar)
class CalendarAdmin(admin.ModelAdmin):
    list_display = ("name", "time_zone", "is_default", "updated_at")
    fields = ("name", "time_zone", "is_default", "weekly")
    readonly_fields = ("updated_at",)
    search_fields = ("name",)
    inlines = [CalendarDayInline]


@admin.register(SlaPolicy)
class SlaPolicyAdmin(admin.ModelAdmin):
    list_display = ("name", "order", "is_active", "calendar", "priorities", "ticket_types", "category", "organisation",
                    "first_response_minutes", "resolution_minutes", "follow_up_minutes")
    list_display_links = ("name",)
    list_editable = ("order", "is_active")
    list_filter = ("is_active", "calendar")
    autocomplete_fields = ("calendar",)
    fieldsets = (
        (None, {"fields": ("name", "order", "is_active", "calendar")}),
        (_("Matches"), {"fields": ("priorities", "ticket_types", "category", "organisation")}),
        (_("Targets in business minutes"), {"fields": ("first_response_minutes", "resolution_minutes",
                                                       "follow_up_minutes")}),
        (_("Clocks"), {"fields": ("pause_statuses", "pause_reasons", "restart_on_reopen")}),
    )
