"""Notification templates (overrides of the shipped defaults) and the outbox: what was sent, what
failed and why, and sending a failed notification again."""

from django import forms
from django.contrib import admin, messages
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from servicedesk.core.admin import AuditedAdmin

from . import sending
from .context import __doc__ as CONTEXT_HELP
from .models import NotificationTemplate, OutboundMessage, Robot, State, robot_event_choices
from .rendering import sources_for


class NotificationTemplateForm(forms.ModelForm):
    class Meta:
        model = NotificationTemplate
        fields = ["event", "language", "is_active", "subject", "body_text", "body_html"]
        widgets = {
            "subject": forms.TextInput(attrs={"size": 100}),
            "body_text": forms.Textarea(attrs={"rows": 16, "cols": 100}),
            "body_html": forms.Textarea(attrs={"rows": 16, "cols": 100}),
        }


@admin.register(NotificationTemplate)
class NotificationTemplateAdmin(AuditedAdmin):
    form = NotificationTemplateForm
    list_display = ("event", "language", "subject", "is_active", "updated_at")
    list_filter = ("event", "language", "is_active")
    search_fields = ("subject", "body_text")
    readonly_fields = ("variables",)

    class Media:
        css = {"all": ["notify/admin.css"]}

    def get_fields(self, request, obj=None):
        return ["event", "language", "is_active", "subject", "body_text", "body_html", "variables"]

    @admin.display(description=_("variables"))
    def variables(self, obj):
        return format_html("<pre class='notify-variables'>{}</pre>", CONTEXT_HELP.strip())

    def get_changeform_initial_data(self, request):
        """A new override starts from the shipped default of the event and language asked for."""
        initial = super().get_changeform_initial_data(request)
        event, language = initial.get("event"), initial.get("language")
        if event and language:
            try:
                initial["subject"], initial["body_text"], initial["body_html"] = sources_for(event, language)
            except Exception:
                pass
        return initial


class RobotAdminForm(forms.ModelForm):
    events = forms.MultipleChoiceField(
        label=_("events"), widget=forms.CheckboxSelectMultiple,
        choices=lambda: robot_event_choices(for_group=False),
        help_text=_("A group's robot is told of the group's tickets only: new in its queue, SLA warnings and "
                    "breaches; a person's robot of what that person is mailed."))

    class Meta:
        model = Robot
        fields = ["name", "platform", "webhook_url", "secret", "language", "group", "user", "events", "is_active"]
        widgets = {"webhook_url": forms.TextInput(attrs={"size": 100}),
                   "secret": forms.PasswordInput(render_value=True)}


@admin.register(Robot)
class RobotAdmin(AuditedAdmin):
    form = RobotAdminForm
    list_display = ("name", "platform", "group", "user", "language", "is_active", "updated_at")
    list_filter = ("platform", "language", "is_active")
    search_fields = ("name", "group__name", "user__username")
    list_select_related = ("group", "user")
    raw_id_fields = ("user",)

    def save_model(self, request, obj, form, change):
        if change:
            obj.version += 1
        super().save_model(request, obj, form, change)


@admin.register(OutboundMessage)
class OutboundMessageAdmin(AuditedAdmin):
    list_display = ("created_at", "state", "channel", "event", "address", "ticket", "subject", "attempts",
                    "short_error", "sent_at")
    list_filter = ("state", "channel", "event", "language")
    search_fields = ("address", "subject", "message_id", "ticket__number", "last_error")
    date_hierarchy = "created_at"
    list_select_related = ("ticket",)
    actions = ["send_again"]
    readonly_fields = [f.name for f in OutboundMessage._meta.fields]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    @admin.display(description=_("last error"))
    def short_error(self, obj):
        return obj.last_error[:120]

    @admin.action(description=_("Send the selected failed notifications again"))
    def send_again(self, request, queryset):
        from .tasks import send_notification

        ids = list(queryset.filter(state=State.FAILED).exclude(body_text="").values_list("pk", flat=True))
        count = sending.requeue(OutboundMessage.objects.filter(pk__in=ids))
        for pk in ids:
            send_notification.delay(pk)
        self.message_user(request, ngettext("%(count)s notification queued again.",
                                            "%(count)s notifications queued again.", count) % {"count": count},
                          messages.SUCCESS)
