"""The survey's texts per language in the admin (also in the console, for desk managers); survey answers are shown,
changed only through the actions."""

from django.contrib import admin

from servicedesk.core.admin import AuditedAdmin, ReadOnlyAdmin

from .models import SurveyResponse, SurveyText


@admin.register(SurveyText)
class SurveyTextAdmin(AuditedAdmin):
    list_display = ("language", "question")
    fields = ("language", "question", "thanks", "low_rating")


@admin.register(SurveyResponse)
class SurveyResponseAdmin(ReadOnlyAdmin):
    list_display = ("ticket", "resolution", "rating", "channel", "asked_at", "answered_at")
    list_filter = ("rating", "channel")
    search_fields = ("ticket__number",)
    list_select_related = ("ticket",)
