"""Approval policies (their steps and approvers), the catalogue items that need approval, and delegations in the
admin; approval requests and their decisions are shown, changed only through the actions (console, portal, API,
mail links)."""

from django.contrib import admin

from servicedesk.core.admin import AuditedAdmin, ReadOnlyAdmin

from .models import ApprovalPolicy, ApprovalRequest, ApprovalStep, CatalogueApproval, Decision, Delegation, StepApprover


class StepApproverInline(admin.TabularInline):
    model = StepApprover
    extra = 1
    autocomplete_fields = ("user", "group")


@admin.register(ApprovalStep)
class ApprovalStepAdmin(AuditedAdmin):
    list_display = ("policy", "order", "mode")
    list_filter = ("policy",)
    inlines = [StepApproverInline]


class ApprovalStepInline(admin.TabularInline):
    model = ApprovalStep
    extra = 1
    show_change_link = True


@admin.register(ApprovalPolicy)
class ApprovalPolicyAdmin(AuditedAdmin):
    list_display = ("name", "name_zh", "pause_clock", "deadline_hours", "remind_before_hours", "is_active")
    search_fields = ("name", "name_zh")
    inlines = [ApprovalStepInline]


@admin.register(CatalogueApproval)
class CatalogueApprovalAdmin(AuditedAdmin):
    list_display = ("category", "policy")
    autocomplete_fields = ("category",)


@admin.register(Delegation)
class DelegationAdmin(AuditedAdmin):
    list_display = ("user", "delegate", "starts", "ends")
    autocomplete_fields = ("user", "delegate")


class DecisionInline(admin.TabularInline):
    model = Decision
    extra = 0
    can_delete = False
    fields = ("step", "approver", "on_behalf_of", "outcome", "comment", "at", "channel")
    readonly_fields = fields

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(ApprovalRequest)
class ApprovalRequestAdmin(ReadOnlyAdmin):
    list_display = ("ticket", "policy", "state", "step", "requested_at", "deadline", "decided_at")
    list_filter = ("state", "policy")
    inlines = [DecisionInline]
