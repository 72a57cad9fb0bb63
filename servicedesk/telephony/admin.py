"""Agents' phone extensions (edited here: the CTI names agents by them), and the call records and events to
read (they change only through the CTI's events and the quick log)."""

from django.contrib import admin

from servicedesk.core.admin import AuditedAdmin, ReadOnlyAdmin

from .models import Call, CallEvent, Extension


@admin.register(Extension)
class ExtensionAdmin(AuditedAdmin):
    list_display = ("number", "user")
    search_fields = ("number", "user__username", "user__first_name", "user__last_name")
    autocomplete_fields = ("user",)


class CallEventInline(admin.TabularInline):
    model = CallEvent
    fields = ("kind", "event_id", "at", "received_at", "payload")
    readonly_fields = fields
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Call)
class CallAdmin(ReadOnlyAdmin):
    list_display = ("offered_at", "caller_number", "person", "queue_name", "agent", "state", "wait_seconds",
                    "talk_seconds", "ticket")
    list_filter = ("state", "direction", "source")
    search_fields = ("caller_number", "external_id")
    list_select_related = ("person", "agent", "ticket")
    inlines = [CallEventInline]
