"""The admin site under the desk's own name.

Django's auth groups are not registered: the desk's people are given rights by their role, and its
groups are the resolver groups (accounts.Group); two entries both called "Groups" misled administrators.
"""

from django.conf import settings
from django.contrib import admin
from django.contrib.admin.utils import unquote
from django.contrib.admin.views.main import PAGE_VAR
from django.contrib.auth.models import Group as AuthGroup
from django.contrib.contenttypes.models import ContentType
from django.db import transaction
from django.utils.encoding import force_str
from django.utils.functional import lazy
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from . import audit
from .models import AuditEntry


def _title() -> str:
    return gettext("%(desk)s administration") % {"desk": settings.SERVICEDESK_NAME or gettext("Service Desk")}


# The desk's work in its order, the same in every language (Django sorts sections by translated name);
# sign-in lockouts (axes) beside the people; the audit trail (core) of all of it last.
APP_ORDER = ["accounts", "axes", "tickets", "routing", "sla", "intake", "monitoring", "notify", "webhooks", "knowledge",
             "search", "console", "telephony", "major", "approvals", "cmdb", "problems", "changes", "reports",
             "surveys", "directory", "sso", "core"]
_django_app_list = admin.site.get_app_list


def _app_list(request, app_label=None):
    apps = _django_app_list(request, app_label)
    return sorted(apps, key=lambda app: (APP_ORDER.index(app["app_label"]) if app["app_label"] in APP_ORDER
                                         else len(APP_ORDER)))


admin.site.get_app_list = _app_list
admin.site.site_header = lazy(_title, str)()
admin.site.site_title = lazy(_title, str)()
admin.site.index_title = lazy(gettext, str)("Desk configuration")
admin.site.unregister(AuthGroup)


class AuditedAdmin(admin.ModelAdmin):
    """A ModelAdmin whose adds, changes and deletes — inline rows included — go to the audit trail
    (core.audit) with the administrator as the actor and "admin" as the channel. Every ModelAdmin of the
    desk that can change something inherits it. Its History page shows the object's audit entries."""

    object_history_template = "admin/audited_object_history.html"

    def remember(self, obj, change: bool) -> None:
        """Keep the object as stored before it is saved (an admin overriding save_model calls this)."""
        # The stored row, not the form's instance (already carrying the new values).
        stored = type(obj)._default_manager.filter(pk=obj.pk).first() if change and obj.pk is not None else None
        obj._audit_before = audit.snapshot(stored) if stored is not None else None

    def save_model(self, request, obj, form, change):
        self.remember(obj, change)
        super().save_model(request, obj, form, change)

    def save_related(self, request, form, formsets, change):
        # Inline rows as stored, before the formsets write them (their forms' instances hold the new values).
        stored = [{row.pk: audit.snapshot(row) for row in formset.model._default_manager.filter(
            pk__in=[f.instance.pk for f in formset.initial_forms if f.instance.pk is not None])}
            for formset in formsets]
        for formset in formsets:  # recorded before the delete, which forgets the rows' ids
            for deleted in formset.deleted_forms:
                if deleted.instance.pk is not None:
                    audit.record_deleted(deleted.instance, actor=request.user, channel=audit.Channel.ADMIN,
                                         note=force_str(form.instance))
        super().save_related(request, form, formsets, change)
        obj = form.instance
        before = getattr(obj, "_audit_before", None)
        if before is None:
            audit.record_created(obj, actor=request.user, channel=audit.Channel.ADMIN)
        else:
            audit.record_change(obj, before, actor=request.user, channel=audit.Channel.ADMIN)
        for formset, rows_before in zip(formsets, stored, strict=True):
            self._audit_inline(request, obj, formset, rows_before)

    def _audit_inline(self, request, parent, formset, rows_before: dict) -> None:
        note = force_str(parent)
        for row in getattr(formset, "new_objects", ()):
            audit.record_created(row, actor=request.user, channel=audit.Channel.ADMIN, note=note)
        for row, _changed in getattr(formset, "changed_objects", ()):
            audit.record_change(row, rows_before.get(row.pk, {}), actor=request.user, channel=audit.Channel.ADMIN,
                                note=note)

    def delete_model(self, request, obj):
        with transaction.atomic():
            audit.record_deleted(obj, actor=request.user, channel=audit.Channel.ADMIN)
            super().delete_model(request, obj)

    def delete_queryset(self, request, queryset):
        with transaction.atomic():
            for obj in queryset:
                audit.record_deleted(obj, actor=request.user, channel=audit.Channel.ADMIN)
            super().delete_queryset(request, queryset)

    def history_view(self, request, object_id, extra_context=None):
        obj = self.get_object(request, unquote(object_id))
        if obj is None or not may_read_trail(request.user):
            # Django's own page: its "does not exist" answer, or the admin log for staff who are not administrators.
            return super().history_view(request, object_id, extra_context)
        paginator = self.get_paginator(request, audit.trail(obj).select_related("content_type"), 100)
        page = paginator.get_page(request.GET.get(PAGE_VAR, 1))
        for entry in page:
            entry.action_label, entry.field_label = audit.action_label(entry.action), audit.field_label(entry)
        return super().history_view(request, object_id, {
            "show_trail": True, "audit_entries": page, "audit_page_range": paginator.get_elided_page_range(page.number),
            **(extra_context or {}),
        })


def may_read_trail(user) -> bool:
    """The trail names who changed what on every object of the desk: administrators only."""
    return bool(user.is_active and user.is_superuser)


class ReadOnlyAdmin(admin.ModelAdmin):
    """Records: shown, never added, changed or deleted here (no audit needed: nothing changes)."""

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


def _kind_name(content_type: ContentType) -> str:
    model = content_type.model_class()  # None for a model since removed
    return force_str(model._meta.verbose_name) if model else content_type.model


class ContentTypeFilter(admin.SimpleListFilter):
    title = _("kind of object")
    parameter_name = "kind"

    def lookups(self, request, model_admin):
        used = AuditEntry.objects.order_by().values_list("content_type", flat=True).distinct()
        kinds = [(str(ct.pk), _kind_name(ct)) for ct in ContentType.objects.filter(pk__in=used)]
        return sorted(kinds, key=lambda kind: kind[1].casefold())

    def queryset(self, request, queryset):
        return queryset.filter(content_type_id=self.value()) if self.value() else queryset


class ActionFilter(admin.SimpleListFilter):
    title = _("action")
    parameter_name = "action"

    def lookups(self, request, model_admin):
        return audit.action_choices()

    def queryset(self, request, queryset):
        return queryset.filter(action=self.value()) if self.value() else queryset


@admin.register(AuditEntry)
class AuditEntryAdmin(ReadOnlyAdmin):
    """The trail, read-only for everyone (entries are never changed or removed) and readable by
    administrators only."""

    list_display = ("at", "actor_name", "channel", "kind", "object_repr", "action_shown", "field_shown",
                    "old_value_short", "new_value_short")
    list_filter = ("channel", ActionFilter, ContentTypeFilter, "at")
    search_fields = ("object_repr", "actor_name", "actor__username")
    date_hierarchy = "at"
    list_select_related = ("content_type",)
    show_full_result_count = False
    fields = ("at", "actor", "actor_name", "channel", "kind", "object_id", "object_repr", "action_shown",
              "field_shown", "old_value", "new_value", "note")
    readonly_fields = fields

    def has_module_permission(self, request):
        return may_read_trail(request.user)

    def has_view_permission(self, request, obj=None):
        return may_read_trail(request.user)

    @admin.display(description=_("kind of object"), ordering="content_type")
    def kind(self, entry):
        return _kind_name(entry.content_type)

    @admin.display(description=_("action"), ordering="action")
    def action_shown(self, entry):
        return audit.action_label(entry.action)

    @admin.display(description=_("field"), ordering="field")
    def field_shown(self, entry):
        return audit.field_label(entry)

    @admin.display(description=_("old value"))
    def old_value_short(self, entry):
        return _short(entry.old_value)

    @admin.display(description=_("new value"))
    def new_value_short(self, entry):
        return _short(entry.new_value)


def _short(value: str) -> str:
    return value if len(value) <= 120 else value[:119] + "…"


class OutboxAdmin(AuditedAdmin):
    """An outbox's log (notify's mails, webhooks' deliveries): written by its sender, read here; its
    actions (send again) go through the domain."""

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    @admin.display(description=_("last error"))
    def short_error(self, obj):
        return obj.last_error[:120]
