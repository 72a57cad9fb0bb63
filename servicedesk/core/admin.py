"""The admin site under the desk's own name.

Django's auth groups are not registered: the desk's people are given rights by their role, and its
groups are the resolver groups (accounts.Group); two entries both called "Groups" misled administrators.
"""

from django.conf import settings
from django.contrib import admin
from django.contrib.auth.models import Group as AuthGroup
from django.db import transaction
from django.utils.encoding import force_str
from django.utils.functional import lazy
from django.utils.translation import gettext

from . import audit


def _title() -> str:
    return gettext("%(desk)s administration") % {"desk": settings.SERVICEDESK_NAME or gettext("Service Desk")}


# The desk's work in its order, the same in every language (Django sorts sections by translated name);
# sign-in lockouts (axes) beside the people.
APP_ORDER = ["accounts", "axes", "tickets", "routing", "sla", "intake", "notify", "console"]
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
    desk that can change something inherits it."""

    def save_model(self, request, obj, form, change):
        # The stored row, not the form's instance (already carrying the new values).
        stored = type(obj)._default_manager.filter(pk=obj.pk).first() if change and obj.pk is not None else None
        obj._audit_before = audit.snapshot(stored) if stored is not None else None
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
