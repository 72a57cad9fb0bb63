"""Mailboxes, and the archive of inbound mail: what was ignored or quarantined and why, the raw
message for download, and re-processing after a fix."""

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.urls import path, reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from servicedesk.core.admin import AuditedAdmin
from servicedesk.core.downloads import download_response

from .imap import fetch_mailbox
from .ingest import read_raw, reprocess
from .models import InboundMessage, Mailbox, State


class MailboxForm(forms.ModelForm):
    """The IMAP password is write-only: never sent back to the browser; left empty, it stays as it is."""

    imap_password = forms.CharField(
        label=_("IMAP password"), required=False, strip=False,
        widget=forms.PasswordInput(render_value=False, attrs={"autocomplete": "new-password"}),
        help_text=_("Stored for logging in to the server and never shown. Leave empty to keep the current one."),
    )
    clear_imap_password = forms.BooleanField(label=_("Remove the stored IMAP password"), required=False)

    class Meta:
        model = Mailbox
        fields = ("name", "address", "desk", "is_active", "unknown_senders", "add_cc_as_watchers", "default_group",
                  "imap_host", "imap_port", "imap_security", "imap_username", "imap_password", "imap_folder",
                  "imap_after", "imap_move_to")

    def clean_imap_password(self):
        value = self.cleaned_data.get("imap_password") or ""
        if not value and self.instance.pk and not self.data.get("clear_imap_password"):
            return self.instance.imap_password
        return value

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("clear_imap_password"):
            cleaned["imap_password"] = ""
            self.instance.imap_password = ""
        return cleaned


@admin.register(Mailbox)
class MailboxAdmin(AuditedAdmin):
    form = MailboxForm
    list_display = ("name", "address", "desk", "unknown_senders", "imap_host", "imap_last_fetch_at", "fetch_status",
                    "is_active")
    list_filter = ("is_active", "desk", "unknown_senders")
    search_fields = ("name", "address", "imap_host", "imap_username")
    readonly_fields = ("imap_last_fetch_at", "imap_last_error", "password_stored")
    actions = ["fetch_now"]
    fieldsets = (
        (None, {"fields": ("name", "address", "desk", "is_active")}),
        (_("Filing"), {"fields": ("unknown_senders", "add_cc_as_watchers", "default_group")}),
        (_("IMAP polling"), {
            "description": _("Fill these in to have the desk fetch this mailbox's mail from an IMAP server."),
            "fields": ("imap_host", "imap_port", "imap_security", "imap_username", "imap_password", "password_stored",
                       "clear_imap_password", "imap_folder", "imap_after", "imap_move_to"),
        }),
        (_("Last fetch"), {"fields": ("imap_last_fetch_at", "imap_last_error")}),
    )

    def save_model(self, request, obj, form, change):
        if change:
            self.remember(obj, change)
            # Only what the form edits: a poll running meanwhile keeps its claim and its status fields.
            obj.save(update_fields=[f.name for f in Mailbox._meta.concrete_fields if f.name in form.cleaned_data])
        else:
            super().save_model(request, obj, form, change)

    @admin.display(description=_("password stored"), boolean=True)
    def password_stored(self, obj):
        return bool(obj and obj.imap_password)

    @admin.display(description=_("fetch status"))
    def fetch_status(self, obj):
        if not obj.polls_imap:
            return "—"
        if obj.imap_last_error:
            return _("Error: %(error)s") % {"error": obj.imap_last_error[:120]}
        return _("OK") if obj.imap_last_fetch_at else _("Not fetched yet")

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
