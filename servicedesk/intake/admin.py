"""Mailboxes, and the archive of inbound mail: what was ignored or quarantined and why, the raw
message for download, and re-processing after a fix."""

from django import forms
from django.conf import settings
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.db import models
from django.http import Http404, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.urls import path, reverse
from django.utils import formats, timezone
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from servicedesk.core import audit
from servicedesk.core.admin import AuditedAdmin
from servicedesk.core.downloads import download_response
from servicedesk.core.errors import ActionError

from . import oauth
from .actions import connect_oauth
from .imap import fetch_mailbox
from .ingest import read_raw, reprocess
from .models import InboundMessage, Mailbox, State

# The OAuth settings whose change may cure a refused grant (a new client secret): the next poll tries again.
OAUTH_SETTINGS = ("oauth_provider", "oauth_tenant", "oauth_client_id", "oauth_client_secret", "oauth_scope",
                  "oauth_token_url")
# The authorisations begun in this session and not yet come back, by their `state` (RFC 6749 10.12).
PENDING = "intake.oauth.pending"


def _formfield(field, **kwargs):
    if isinstance(field, models.URLField):  # an endpoint typed without its scheme is an https one
        kwargs.setdefault("assume_scheme", "https")
    return field.formfield(**kwargs)


class MailboxForm(forms.ModelForm):
    """The IMAP password is write-only: never sent back to the browser; left empty, it stays as it is."""

    imap_password = forms.CharField(
        label=_("IMAP password"), required=False, strip=False,
        widget=forms.PasswordInput(render_value=False, attrs={"autocomplete": "new-password"}),
        help_text=_("Stored for logging in to the server and never shown. Leave empty to keep the current one."),
    )
    clear_imap_password = forms.BooleanField(label=_("Remove the stored IMAP password"), required=False)
    oauth_client_secret = forms.CharField(
        label=_("client secret"), required=False, strip=True,
        widget=forms.PasswordInput(render_value=False, attrs={"autocomplete": "new-password"}),
        help_text=_("Never shown. Leave empty to keep the current one."),
    )

    class Meta:
        model = Mailbox
        formfield_callback = _formfield
        fields = ("name", "address", "desk", "is_active", "unknown_senders", "add_cc_as_watchers", "default_group",
                  "imap_host", "imap_port", "imap_security", "imap_username", "imap_auth", "imap_password",
                  "imap_folder", "imap_after", "imap_move_to", "oauth_provider", "oauth_tenant", "oauth_client_id",
                  "oauth_client_secret", "oauth_scope", "oauth_token_url", "oauth_authorize_url")

    def clean_imap_password(self):
        value = self.cleaned_data.get("imap_password") or ""
        if not value and self.instance.pk and not self.data.get("clear_imap_password"):
            return self.instance.imap_password
        return value

    def clean_oauth_client_secret(self):
        return self.cleaned_data.get("oauth_client_secret") or self.instance.oauth_client_secret

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("clear_imap_password"):
            cleaned["imap_password"] = ""
            self.instance.imap_password = ""
        return cleaned


@admin.register(Mailbox)
class MailboxAdmin(AuditedAdmin):
    form = MailboxForm
    formfield_overrides = {models.URLField: {"assume_scheme": "https"}}
    list_display = ("name", "address", "desk", "unknown_senders", "imap_host", "imap_last_fetch_at", "fetch_status",
                    "is_active")
    list_filter = ("is_active", "desk", "unknown_senders")
    search_fields = ("name", "address", "imap_host", "imap_username")
    readonly_fields = ("imap_last_fetch_at", "imap_last_error", "password_stored", "oauth_status")
    actions = ["fetch_now"]
    fieldsets = (
        (None, {"fields": ("name", "address", "desk", "is_active")}),
        (_("Filing"), {"fields": ("unknown_senders", "add_cc_as_watchers", "default_group")}),
        (_("IMAP polling"), {
            "description": _("Fill these in to have the desk fetch this mailbox's mail from an IMAP server."),
            "fields": ("imap_host", "imap_port", "imap_security", "imap_username", "imap_auth", "imap_password",
                       "password_stored", "clear_imap_password", "imap_folder", "imap_after", "imap_move_to"),
        }),
        (_("OAuth 2.0 (Microsoft 365, Google)"), {
            "description": _("For \"IMAP sign-in: OAuth 2.0\": the app registration's client, then \"Connect with "
                             "OAuth\" to sign in at the provider once; the desk renews the access token itself "
                             "(docs/mail-oauth.md)."),
            "fields": ("oauth_status", "oauth_provider", "oauth_tenant", "oauth_client_id", "oauth_client_secret",
                       "oauth_scope", "oauth_token_url", "oauth_authorize_url"),
        }),
        (_("Last fetch"), {"fields": ("imap_last_fetch_at", "imap_last_error")}),
    )

    def save_model(self, request, obj, form, change):
        if change:
            self.remember(obj, change)
            # Only what the form edits: a poll running meanwhile keeps its claim, its status fields and the
            # tokens a refresh may have just rotated.
            fields = [f.name for f in Mailbox._meta.concrete_fields if f.name in form.cleaned_data]
            if obj.oauth_needs_consent and set(form.changed_data) & set(OAUTH_SETTINGS):
                obj.oauth_needs_consent, obj.oauth_error = False, ""
                fields += ["oauth_needs_consent", "oauth_error"]
            obj.save(update_fields=fields)
        else:
            super().save_model(request, obj, form, change)

    @admin.display(description=_("OAuth connection"))
    def oauth_status(self, obj):
        if obj is None or obj.pk is None:
            return _("Save the mailbox first, then connect it.")
        connect = format_html('<a class="button" href="{}">{}</a>',
                              reverse("admin:intake_mailbox_oauth_connect", args=[obj.pk]), _("Connect with OAuth"))
        if obj.oauth_needs_consent:
            state = oauth.consent_message(obj)
        elif not obj.oauth_refresh_token:
            state = _("Not connected.")
        elif obj.oauth_expires_at:
            state = _("Connected; access token valid until %(time)s.") % {
                "time": formats.date_format(timezone.localtime(obj.oauth_expires_at), "DATETIME_FORMAT")}
        else:
            state = _("Connected.")
        return format_html("{}<br>{}<br>{}", state, connect,
                           _("Redirect URI to register with the provider: %(uri)s") % {"uri": self._redirect_uri()})

    @admin.display(description=_("password stored"), boolean=True)
    def password_stored(self, obj):
        return bool(obj and obj.imap_password)

    @admin.display(description=_("fetch status"))
    def fetch_status(self, obj):
        if not obj.polls_imap:
            return "—"
        if obj.uses_oauth and obj.oauth_needs_consent:
            return _("Needs re-authorisation: %(error)s") % {"error": obj.oauth_error[:120]}
        if obj.imap_last_error:
            return _("Error: %(error)s") % {"error": obj.imap_last_error[:120]}
        return _("OK") if obj.imap_last_fetch_at else _("Not fetched yet")

    def get_urls(self):
        own = [
            path("<int:pk>/oauth/connect/", self.admin_site.admin_view(self.oauth_connect_view),
                 name="intake_mailbox_oauth_connect"),
            path("oauth/callback/", self.admin_site.admin_view(self.oauth_callback_view),
                 name="intake_mailbox_oauth_callback"),
        ]
        return own + super().get_urls()

    @staticmethod
    def _redirect_uri() -> str:
        # Registered with the provider as is: built on the configured base URL, not on the request's host.
        return settings.SERVICEDESK_BASE_URL + reverse("admin:intake_mailbox_oauth_callback")

    def oauth_connect_view(self, request, pk):
        mailbox = get_object_or_404(Mailbox, pk=pk)
        if not self.has_change_permission(request, mailbox):
            raise PermissionDenied
        change_page = reverse("admin:intake_mailbox_change", args=[mailbox.pk])
        if not mailbox.oauth_client_id or not oauth.authorize_url(mailbox):
            self.message_user(request, _("Fill in the client ID (and, for another provider, its endpoints) and save "
                                         "before connecting."), messages.ERROR)
            return HttpResponseRedirect(change_page)
        authorisation = oauth.begin_authorisation(mailbox, self._redirect_uri())
        # A few at most: an administrator who opened Connect in two tabs can finish either.
        pending = dict(list(request.session.get(PENDING, {}).items())[-4:])
        pending[authorisation.state] = {"mailbox": mailbox.pk, "verifier": authorisation.verifier}
        request.session[PENDING] = pending
        return HttpResponseRedirect(authorisation.url)

    def oauth_callback_view(self, request):
        pending = request.session.get(PENDING, {})
        begun = pending.pop(request.GET.get("state", ""), None)
        request.session[PENDING] = pending
        if begun is None:
            self.message_user(request, _("This answer of the OAuth provider belongs to no connection begun here "
                                         "(expired, or used already): connect again."), messages.ERROR)
            return HttpResponseRedirect(reverse("admin:intake_mailbox_changelist"))
        mailbox = get_object_or_404(Mailbox, pk=begun["mailbox"])
        change_page = reverse("admin:intake_mailbox_change", args=[mailbox.pk])
        if not self.has_change_permission(request, mailbox):
            raise PermissionDenied
        if request.GET.get("error") or not request.GET.get("code"):
            self.message_user(request, _("The OAuth provider did not authorise the desk: %(error)s") % {
                "error": f"{request.GET.get('error', '')} {request.GET.get('error_description', '')}".strip()[:300]},
                messages.ERROR)
            return HttpResponseRedirect(change_page)
        try:
            grant = oauth.exchange_code(mailbox, code=request.GET["code"], verifier=begun["verifier"],
                                        redirect_uri=self._redirect_uri())
            connect_oauth(mailbox, grant, actor=request.user, channel=audit.Channel.ADMIN)
        except (oauth.OAuthError, ActionError) as error:
            self.message_user(request, str(error), messages.ERROR)
            return HttpResponseRedirect(change_page)
        self.message_user(request, _("%(mailbox)s is connected with OAuth 2.0.") % {"mailbox": mailbox})
        return HttpResponseRedirect(change_page)

    @admin.action(description=_("Fetch mail now from the selected mailboxes"))
    def fetch_now(self, request, queryset):
        for mailbox in queryset.exclude(imap_host=""):
            report = fetch_mailbox(mailbox)
            if report.skipped:
                self.message_user(request, _("%(mailbox)s: another poller is fetching it right now.")
                                  % {"mailbox": mailbox}, messages.WARNING)
            elif report.errors:
                self.message_user(request, _("%(mailbox)s: %(errors)s") % {"mailbox": mailbox,
                                                                          "errors": " ".join(report.errors)},
                                  messages.ERROR)
            else:
                self.message_user(request, ngettext("%(mailbox)s: %(count)s message fetched.",
                                                    "%(mailbox)s: %(count)s messages fetched.", report.fetched)
                                  % {"mailbox": mailbox, "count": report.fetched})


@admin.register(InboundMessage)
class InboundMessageAdmin(AuditedAdmin):
    list_display = ("received_at", "state", "sender", "subject", "ticket", "short_reason", "source", "mailbox")
    list_filter = ("state", "source", "mailbox")
    search_fields = ("message_id", "sender", "subject", "reason")
    date_hierarchy = "received_at"
    list_select_related = ("ticket", "mailbox")
    actions = ["reprocess_messages"]
    readonly_fields = ("download", "received_at", "source", "mailbox", "message_id", "sender", "subject", "state",
                       "reason", "quoted_text", "ticket", "comment", "attempts", "processed_at", "sha256", "size")
    exclude = ("raw",)

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    @admin.display(description=_("reason"))
    def short_reason(self, obj):
        return obj.reason[:120]

    @admin.display(description=_("raw message"))
    def download(self, obj):
        if obj is None or obj.pk is None:
            return ""
        url = reverse("admin:intake_inboundmessage_raw", args=[obj.pk])
        return format_html('<a href="{}">{}</a>', url, _("Download the original (.eml)"))

    def get_urls(self):
        own = [path("<int:pk>/raw/", self.admin_site.admin_view(self.raw_view), name="intake_inboundmessage_raw")]
        return own + super().get_urls()

    def raw_view(self, request, pk):
        if not request.user.is_staff or not self.has_view_permission(request):
            raise PermissionDenied
        message = InboundMessage.objects.defer(None).only("raw_data", "raw").filter(pk=pk).first()
        if message is None or (message.raw_data is None and not message.raw):
            raise Http404
        return download_response(read_raw(message), f"message-{message.pk}.eml")

    @admin.action(description=_("Re-process the selected quarantined messages"))
    def reprocess_messages(self, request, queryset):
        done = 0
        for message in queryset.filter(state=State.QUARANTINED):
            try:
                result = reprocess(message)
            except Exception as error:
                self.message_user(request, _("Message #%(id)s failed again: %(error)s") % {"id": message.pk,
                                                                                         "error": error},
                                  messages.ERROR)
                continue
            if result.state == State.QUARANTINED:
                self.message_user(request, _("Message #%(id)s is still quarantined: %(reason)s")
                                  % {"id": message.pk, "reason": result.reason}, messages.WARNING)
            else:
                done += 1
        self.message_user(request, ngettext("%(count)s message re-processed.", "%(count)s messages re-processed.",
                                            done) % {"count": done})
