"""Mailboxes, and the archive of inbound mail: what was ignored or quarantined and why, the raw
message for download, and re-processing after a fix."""

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.http import FileResponse, Http404
from django.urls import path, reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from .ingest import reprocess
from .models import InboundMessage, Mailbox, State


@admin.register(Mailbox)
class MailboxAdmin(admin.ModelAdmin):
    list_display = ("name", "address", "desk", "unknown_senders", "add_cc_as_watchers", "default_group", "is_active")
    list_filter = ("is_active", "desk", "unknown_senders")
    search_fields = ("name", "address")


@admin.register(InboundMessage)
class InboundMessageAdmin(admin.ModelAdmin):
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
        message = InboundMessage.objects.filter(pk=pk).first()
        if message is None or not message.raw:
            raise Http404
        return FileResponse(message.raw.open("rb"), as_attachment=True, filename=f"message-{message.pk}.eml",
                            content_type="message/rfc822")

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
