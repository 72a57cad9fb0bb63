from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from servicedesk.core.admin import ReadOnlyAdmin

from . import status
from .models import DirectoryLink, SyncRun


@admin.register(SyncRun)
class SyncRunAdmin(ReadOnlyAdmin):
    """The directory's status page: whether it answers now, then every sync with its counts and errors."""

    list_display = ("started_at", "succeeded", "created", "updated", "deactivated", "reactivated", "unchanged",
                    "error_lines")
    list_filter = ("succeeded",)
    fields = ("started_at", "finished_at", *list_display[1:-1], "errors")

    @admin.display(description=_("errors"))
    def error_lines(self, run: SyncRun) -> str:
        return run.errors.splitlines()[0] if run.errors else ""

    def changelist_view(self, request, extra_context=None):
        return super().changelist_view(request, {"directory": status.current(), **(extra_context or {})})


@admin.register(DirectoryLink)
class DirectoryLinkAdmin(ReadOnlyAdmin):
    list_display = ("user", "dn", "guid", "deactivated_by_directory", "synced_at")
    list_filter = ("deactivated_by_directory",)
    search_fields = ("user__username", "dn")
    list_select_related = ("user",)
