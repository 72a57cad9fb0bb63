"""Identity providers, configured by administrators; the external identities linked to people, shown."""

from django import forms
from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from servicedesk.core.admin import AuditedAdmin, ReadOnlyAdmin

from .models import ExternalIdentity, IdentityProvider


class IdentityProviderForm(forms.ModelForm):
    client_secret = forms.CharField(
        label=_("client secret"), required=False, strip=True,
        help_text=_("Leave blank to keep the secret already stored."),
        widget=forms.PasswordInput(render_value=False, attrs={"autocomplete": "new-password"}),
    )

    class Meta:
        model = IdentityProvider
        fields = ("name", "slug", "kind", "enabled", "position", "issuer", "client_id", "client_secret", "agent_id",
                  "scopes", "jit", "allowed_domains", "default_role", "role_claim", "role_mapping", "group_claim",
                  "group_mapping")

    def clean_client_secret(self):
        return self.cleaned_data.get("client_secret") or self.instance.client_secret


@admin.register(IdentityProvider)
class IdentityProviderAdmin(AuditedAdmin):
    form = IdentityProviderForm
    list_display = ("name", "slug", "kind", "enabled", "jit", "position")
    list_filter = ("kind", "enabled")
    prepopulated_fields = {"slug": ("name",)}
    fieldsets = (
        (None, {"fields": ("name", "slug", "kind", "enabled", "position")}),
        (_("Provider connection"), {"fields": ("issuer", "client_id", "client_secret", "agent_id", "scopes")}),
        (_("Accounts"), {"fields": ("jit", "allowed_domains", "default_role", "role_claim", "role_mapping",
                                    "group_claim", "group_mapping")}),
    )


@admin.register(ExternalIdentity)
class ExternalIdentityAdmin(ReadOnlyAdmin):
    list_display = ("user", "provider", "subject", "email", "last_sign_in")
    list_filter = ("provider",)
    search_fields = ("user__username", "subject", "email")
    list_select_related = ("user", "provider")
