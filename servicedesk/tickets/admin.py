"""Configuration in the admin: catalogue, priority matrix, lifecycle. Tickets are read-only here:
they change only through the desk's actions, which keep the history."""

from django.contrib import admin

from servicedesk.core.admin import AuditedAdmin, ReadOnlyAdmin

from .models import CATALOGUE_ORDER, Category, HistoryEntry, PriorityRule, Service, Ticket, Transition


class CategoryInline(admin.TabularInline):
    model = Category
    fk_name = "service"
    extra = 0
    fields = ("name", "name_zh", "parent", "default_group", "order", "is_active")

    def get_queryset(self, request):
        return super().get_queryset(request).in_catalogue_order()


@admin.register(Service)
class ServiceAdmin(AuditedAdmin):
    list_display = ("name", "name_zh", "order", "is_active")
    inlines = [CategoryInline]


@admin.register(Category)
class CategoryAdmin(AuditedAdmin):
    list_display = ("__str__", "name_zh", "default_group", "order", "is_active")
    list_filter = ("service", "is_active")
    search_fields = ("name", "name_zh")
    list_select_related = ("service", "parent__service", "default_group")
    ordering = CATALOGUE_ORDER


@admin.register(PriorityRule)
class PriorityRuleAdmin(AuditedAdmin):
    list_display = ("impact", "urgency", "priority")
    list_editable = ("priority",)


@admin.register(Transition)
class TransitionAdmin(AuditedAdmin):
    list_display = ("action", "label", "label_zh", "from_statuses", "to_status", "roles", "requester_may", "order")
    list_editable = ("order",)


class HistoryInline(admin.TabularInline):
    model = HistoryEntry
    extra = 0
    can_delete = False
    fields = ("at", "actor", "channel", "event", "field", "old_value", "new_value", "note")
    readonly_fields = fields

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Ticket)
class TicketAdmin(ReadOnlyAdmin):
    """Shown, never edited: a ticket changes only through tickets.actions, which keep its history."""

    list_display = ("number", "title", "type", "status", "priority", "group", "assignee", "updated_at")
    list_filter = ("status", "type", "priority", "channel")
    search_fields = ("number", "title")
    show_full_result_count = False
    inlines = [HistoryInline]
