"""Webhooks in the admin: the subscriptions, and the delivery log (filtered by state and webhook) with
"redeliver"; "send test event" on the subscriptions. Both actions go through webhooks.actions."""

from django import forms
from django.contrib import admin, messages
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from servicedesk.core.admin import AuditedAdmin, OutboxAdmin
from servicedesk.core.audit import Channel
from servicedesk.core.errors import ActionError

from . import actions
from .models import Delivery, Event, Subscription


class SubscriptionForm(forms.ModelForm):
    url = forms.URLField(label=_("target URL"), max_length=1000, assume_scheme="https",
                         widget=forms.URLInput(attrs={"size": 80}))
    events = forms.MultipleChoiceField(label=_("events"), choices=Event.choices,
                                       widget=forms.CheckboxSelectMultiple)

    class Meta:
        model = Subscription
        fields = ["name", "url", "secret", "events", "desk", "group", "ticket_type", "include_internal", "is_active"]
        widgets = {"secret": forms.TextInput(attrs={"size": 60})}


@admin.register(Subscription)
class SubscriptionAdmin(AuditedAdmin):
    form = SubscriptionForm
    list_display = ("name", "url", "is_active", "include_internal", "consecutive_failures", "created_by",
                    "created_at")
    list_filter = ("is_active",)
    search_fields = ("name", "url")
    readonly_fields = ("consecutive_failures", "created_by", "created_at")
    actions = ["send_test_event"]

    def save_model(self, request, obj, form, change):
        if not change:
            obj.created_by = request.user
        super().save_model(request, obj, form, change)

    @admin.action(description=_("Send a test event to the selected webhooks"))
    def send_test_event(self, request, queryset):
        for subscription in queryset:
            actions.send_test_event(subscription, actor=request.user, channel=Channel.ADMIN)
        self.message_user(request, ngettext("%(count)s test event sent; see the delivery log.",
                                            "%(count)s test events sent; see the delivery log.", len(queryset))
                          % {"count": len(queryset)}, messages.SUCCESS)


@admin.register(Delivery)
class DeliveryAdmin(OutboxAdmin):
    list_display = ("created_at", "subscription", "event", "ticket", "state", "attempts", "status_code",
                    "response_ms", "short_error", "delivered_at")
    list_filter = ("state", "subscription", "event")
    search_fields = ("event_id", "uuid", "ticket__number", "last_error")
    date_hierarchy = "created_at"
    list_select_related = ("subscription", "ticket")
    actions = ["redeliver"]
    readonly_fields = [f.name for f in Delivery._meta.fields]

    @admin.action(description=_("Redeliver the selected deliveries"))
    def redeliver(self, request, queryset):
        done = 0
        for delivery in queryset:
            try:
                actions.redeliver(delivery, actor=request.user, channel=Channel.ADMIN)
                done += 1
            except ActionError as refusal:
                self.message_user(request, f"{delivery}: {refusal.message}", messages.WARNING)
        self.message_user(request, ngettext("%(count)s delivery queued again.", "%(count)s deliveries queued again.",
                                            done) % {"count": done}, messages.SUCCESS)
