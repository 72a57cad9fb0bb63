"""Problems in the admin: shown, changed only through the actions (the console and the API)."""

from django.contrib import admin

from servicedesk.core.admin import ReadOnlyAdmin

from .models import ProblemRecord


@admin.register(ProblemRecord)
class ProblemRecordAdmin(ReadOnlyAdmin):
    list_display = ("ticket", "known_error_at", "created_by", "created_at")
    search_fields = ("ticket__number", "ticket__title")
