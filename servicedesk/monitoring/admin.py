"""Alert sources (configuration: a new token is shown once, on the page after saving) and the alerts
received (read-only: they change only through the webhooks)."""

from django import forms
from django.contrib import admin, messages
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from servicedesk.core.admin import AuditedAdmin

from .models import Alert, AlertSource


class AlertSourceForm(forms.ModelForm):
    """The signing secret is write-only, as the mailboxes' IMAP password: left empty, it stays as it is."""

    hmac_secret = forms.CharField(
        label=_("signing secret"), required=False, strip=False,
        widget=forms.PasswordInput(render_value=False, attrs={"autocomplete": "new-password"}),
        help_text=_("For senders that sign the body (X-ServiceDesk-Signature) instead of sending a token. "
                    "Never shown; leave empty to keep the current one."),
    )
    clear_hmac_secret = forms.BooleanField(label=_("Remove the signing secret"), required=False)
    issue_token = forms.BooleanField(
        label=_("Issue a new token"), required=False,
        help_text=_("Shown once after saving; the previous token stops working."),
    )

    class Meta:
        model = AlertSource
        fields = ("name", "slug", "kind", "is_active", "hmac_secret", "default_service", "default_category",
                  "default_group", "labels", "severities", "auto_resolve", "reopen_minutes", "storm_threshold")

    def clean_hmac_secret(self):
        value = self.cleaned_data.get("hmac_secret") or ""
        if self.data.get("clear_hmac_secret"):
            return ""
        return value or (self.instance.hmac_secret if self.instance.pk else "")


@admin.register(AlertSource)
class AlertSourceAdmin(AuditedAdmin):
    form = AlertSourceForm
    list_display = ("name", "slug", "kind", "token_prefix", "default_group", "auto_resolve", "is_active")
    list_filter = ("kind", "is_active")
    search_fields = ("name", "slug")
    readonly_fields = ("webhook", "token_prefix")

    @admin.display(description=_("webhook"))
    def webhook(self, obj):
        return f"/api/v1/monitoring/{obj.slug}/{obj.kind}" if obj.pk else "—"

    def save_model(self, request, obj, form, change):
        raw = obj.new_token() if form.cleaned_data.get("issue_token") or not change else None
        super().save_model(request, obj, form, change)
        if raw:
            messages.warning(request, format_html(
                _("The token of {source} (shown this once, copy it now): <code>{token}</code>"),
                source=obj.name, token=raw))


@admin.register(Alert)
class AlertAdmin(AuditedAdmin):
    list_display = ("fingerprint", "source", "state", "severity", "title", "count", "first_seen", "last_seen",
                    "incident")
    list_filter = ("state", "source")
    search_fields = ("fingerprint", "title")
    list_select_related = ("source", "ticket")

    @admin.display(description=_("incident"))
    def incident(self, obj):
        if obj.ticket is None:
            return "—"
        return format_html('<a href="{}">{}</a>', reverse("console:ticket", args=[obj.ticket.number]),
                           obj.ticket.number)

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
