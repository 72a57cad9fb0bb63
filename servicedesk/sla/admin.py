"""Calendars, SLA policies, OLA targets and escalation rules are configuration: administrators edit them
here. Tickets' SLA state is derived from their history, so an edit here takes effect on every ticket at
once (the clock rows are recomputed after the edit). Warnings and breaches (SLA events) and digests sent
are records: read-only."""

from django import forms
from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from servicedesk.core.admin import AuditedAdmin, ReadOnlyAdmin

from .models import Calendar, CalendarDay, DaySource, EscalationRule, FollowUpDigest, OlaTarget, SlaEvent, SlaPolicy


class CalendarDayForm(forms.ModelForm):
    def save(self, commit=True):
        # A day changed here is the administrator's: load-holidays leaves it as it is from now on.
        if self.has_changed():
            self.instance.source = DaySource.MANUAL
        return super().save(commit)


class CalendarDayInline(admin.TabularInline):
    model = CalendarDay
    form = CalendarDayForm
    extra = 0
    fields = ("date", "kind", "works_as", "name", "source")
    readonly_fields = ("source",)
    ordering = ("-date",)


@admin.register(Calendar)
class CalendarAdmin(AuditedAdmin):
    list_display = ("name", "time_zone", "is_default", "updated_at")
    fields = ("name", "time_zone", "is_default", "weekly")
    readonly_fields = ("updated_at",)
    search_fields = ("name",)
    inlines = [CalendarDayInline]


@admin.register(SlaPolicy)
class SlaPolicyAdmin(AuditedAdmin):
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
        (_("Clocks"), {"fields": ("pause_statuses", "pause_reasons", "restart_on_reopen", "thresholds")}),
    )


@admin.register(OlaTarget)
class OlaTargetAdmin(AuditedAdmin):
    list_display = ("group", "minutes", "calendar", "thresholds", "is_active")
    list_editable = ("minutes", "is_active")
    list_filter = ("is_active",)
    autocomplete_fields = ("calendar",)
    fields = ("group", "minutes", "calendar", "thresholds", "is_active")


@admin.register(EscalationRule)
class EscalationRuleAdmin(AuditedAdmin):
    list_display = ("name", "order", "is_active", "target", "threshold", "escalate_to", "to_group",
                    "notify_assignee", "notify_owner", "notify_group_lead", "notify_managers")
    list_display_links = ("name",)
    list_editable = ("order", "is_active")
    list_filter = ("is_active", "target", "threshold", "escalate_to")
    filter_horizontal = ("groups", "notify_users")
    fieldsets = (
        (None, {"fields": ("name", "order", "is_active")}),
        (_("When"), {"fields": ("target", "threshold", "priorities", "ticket_types", "groups")}),
        (_("Functional escalation"), {"fields": ("escalate_to", "to_group")}),
        (_("Hierarchical escalation"), {"fields": ("notify_assignee", "notify_owner", "notify_group_lead",
                                                   "notify_managers", "notify_users")}),
    )


@admin.register(SlaEvent)
class SlaEventAdmin(ReadOnlyAdmin):
    list_display = ("ticket", "kind", "group", "percent", "due_at", "reached_at", "cause", "escalation")
    list_filter = ("kind", "percent")
    list_select_related = ("ticket", "group")
    search_fields = ("ticket__number",)
    date_hierarchy = "reached_at"


@admin.register(FollowUpDigest)
class FollowUpDigestAdmin(ReadOnlyAdmin):
    list_display = ("recipient", "day", "as_lead", "ticket_count", "sent_at")
    list_filter = ("as_lead", "day")
    list_select_related = ("recipient",)
