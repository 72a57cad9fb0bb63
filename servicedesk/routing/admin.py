"""Routing configuration in the admin: rules (ordered), auto-assignment per group, skills, tags."""

from django import forms
from django.conf import settings
from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from servicedesk.core.admin import AuditedAdmin
from servicedesk.tickets.models import Channel, TicketType

from .models import GroupAssignment, RoutingRule, Skill, Tag, TicketTag


class RoutingRuleForm(forms.ModelForm):
    """Channels, types and languages as check boxes instead of raw JSON."""

    channels = forms.MultipleChoiceField(label=_("channels"), choices=Channel.choices, required=False,
                                         widget=forms.CheckboxSelectMultiple, help_text=_("Empty: any channel."))
    ticket_types = forms.MultipleChoiceField(label=_("ticket types"), choices=TicketType.choices, required=False,
                                             widget=forms.CheckboxSelectMultiple, help_text=_("Empty: any type."))
    languages = forms.MultipleChoiceField(
        label=_("requester languages"), choices=settings.LANGUAGES, required=False,
        widget=forms.CheckboxSelectMultiple, help_text=RoutingRule._meta.get_field("languages").help_text,
    )

    class Meta:
        model = RoutingRule
        fields = ["name", "order", "is_active", "stop", "channels", "ticket_types", "categories", "organisations",
                  "languages", "keywords", "desks", "set_group", "set_category", "set_impact", "set_urgency",
                  "set_priority", "set_owner", "add_tags"]


@admin.register(RoutingRule)
class RoutingRuleAdmin(AuditedAdmin):
    form = RoutingRuleForm
    list_display = ("order", "name", "is_active", "stop", "set_group", "set_category", "set_priority", "set_owner")
    list_display_links = ("name",)
    list_editable = ("order", "is_active", "stop")
    list_filter = ("is_active", "set_group")
    search_fields = ("name", "keywords")
    filter_horizontal = ("categories", "organisations", "desks", "add_tags")
    fieldsets = (
        (None, {"fields": ("name", "order", "is_active", "stop")}),
        (_("When all of these hold"), {"fields": ("channels", "ticket_types", "categories", "organisations",
                                                  "languages", "keywords", "desks")}),
        (_("Then"), {"fields": ("set_group", "set_category", "set_impact", "set_urgency", "set_priority",
                                "set_owner", "add_tags")}),
    )


@admin.register(GroupAssignment)
class GroupAssignmentAdmin(AuditedAdmin):
    list_display = ("group", "strategy", "last_assignee", "last_assigned_at")
    list_editable = ("strategy",)
    fields = ("group", "strategy", "last_assignee", "last_assigned_at")
    readonly_fields = ("last_assignee", "last_assigned_at")


@admin.register(Skill)
class SkillAdmin(AuditedAdmin):
    list_display = ("user", "category", "level")
    list_filter = ("level",)
    search_fields = ("user__username", "user__first_name", "user__last_name", "category__name",
                     "category__name_zh")


@admin.register(Tag)
class TagAdmin(AuditedAdmin):
    list_display = ("name",)
    search_fields = ("name",)


@admin.register(TicketTag)
class TicketTagAdmin(AuditedAdmin):
    """Tags are added by routing rules, which record it in the ticket's history; removing one here is
    recorded in the audit trail."""

    list_display = ("ticket", "tag", "rule", "created_at")
    list_filter = ("tag",)
    search_fields = ("ticket__number",)
    list_select_related = ("ticket", "tag", "rule")

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False
