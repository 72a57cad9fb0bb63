"""Every ModelAdmin that lets an administrator add, change or delete something records it in the audit trail:
a new admin that forgets AuditedAdmin fails here."""

from django.contrib import admin
from django.test import RequestFactory

from servicedesk.accounts.models import Role, User
from servicedesk.core.admin import AuditedAdmin


def test_every_admin_that_can_change_something_is_audited():
    request = RequestFactory().get("/admin/")
    request.user = User(username="root", role=Role.ADMIN, is_staff=True, is_superuser=True, is_active=True)
    unaudited = []
    for model, model_admin in admin.site._registry.items():
        may_change = (model_admin.has_add_permission(request) or model_admin.has_change_permission(request)
                      or model_admin.has_delete_permission(request))
        if may_change and not isinstance(model_admin, AuditedAdmin):
            unaudited.append(model._meta.label)
    assert unaudited == []


def test_the_trails_own_admin_changes_nothing():
    from servicedesk.core.models import AuditEntry

    request = RequestFactory().get("/admin/")
    request.user = User(username="root", role=Role.ADMIN, is_staff=True, is_superuser=True, is_active=True)
    trail = admin.site._registry[AuditEntry]
    assert not (trail.has_add_permission(request) or trail.has_change_permission(request)
                or trail.has_delete_permission(request))
    assert trail.has_view_permission(request)
