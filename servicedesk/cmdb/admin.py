"""Configuration item types in the admin: an administrator defines each type's fields (checked by
cmdb.attributes). Items, relations and links are kept in the console and the API, through the actions."""

from django import forms
from django.contrib import admin

from servicedesk.core.admin import AuditedAdmin
from servicedesk.core.errors import ActionError

from .attributes import clean_definitions
from .models import CiType


class CiTypeForm(forms.ModelForm):
    class Meta:
        model = CiType
        fields = ("key", "name", "name_zh", "is_service", "order", "fields")

    def clean_fields(self):
        try:
            return clean_definitions(self.cleaned_data["fields"])
        except ActionError as refused:
            raise forms.ValidationError(refused.message) from None


@admin.register(CiType)
class CiTypeAdmin(AuditedAdmin):
    form = CiTypeForm
    list_display = ("name", "name_zh", "key", "is_service", "order")
    search_fields = ("name", "name_zh", "key")
