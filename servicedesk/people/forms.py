"""The people screens' forms: filters of the list, a new customer, a person's details, the erasure's
confirmation, the auditor's export."""

from __future__ import annotations

import zoneinfo

from django import forms
from django.conf import settings
from django.utils.translation import gettext_lazy as _

from servicedesk.accounts.models import Organisation, Role
from servicedesk.core.forms import DeskFormMixin

YES_NO = [("", _("Any")), ("yes", _("Yes")), ("no", _("No"))]


def yes_no(value: str) -> bool | None:
    return {"yes": True, "no": False}.get(value)


class PeopleFilters(DeskFormMixin, forms.Form):
    q = forms.CharField(label=_("Search"), required=False, max_length=200,
                        widget=forms.TextInput(attrs={"placeholder": _("Name, e-mail, phone or organisation")}))
    role = forms.ChoiceField(label=_("Role"), required=False, choices=[("", _("Any"))] + Role.choices)
    active = forms.ChoiceField(label=_("Active"), required=False, choices=YES_NO)
    locked = forms.ChoiceField(label=_("Locked"), required=False, choices=YES_NO)


class OrganisationField(forms.ModelChoiceField):
    def __init__(self, **kwargs):
        super().__init__(queryset=Organisation.objects.all(), required=False, label=_("Organisation"),
                         empty_label="—", **kwargs)


LANGUAGES = [("", "—"), *settings.LANGUAGES]


class NewCustomerForm(DeskFormMixin, forms.Form):
    name = forms.CharField(label=_("Name"), max_length=150)
    email = forms.EmailField(label=_("E-mail"), required=False)
    phone = forms.CharField(label=_("Phone"), max_length=50, required=False)
    organisation = OrganisationField()
    language = forms.ChoiceField(label=_("Language"), choices=LANGUAGES, required=False)
    invite = forms.BooleanField(label=_("Send an invitation (a link to choose a password)"), required=False)


class DetailsForm(DeskFormMixin, forms.Form):
    first_name = forms.CharField(label=_("First name"), max_length=150, required=False)
    last_name = forms.CharField(label=_("Last name"), max_length=150, required=False)
    email = forms.EmailField(label=_("E-mail"), required=False)
    phone = forms.CharField(label=_("Phone"), max_length=50, required=False)
    organisation = OrganisationField()
    language = forms.ChoiceField(label=_("Language"), choices=LANGUAGES, required=False)
    time_zone = forms.ChoiceField(label=_("Time zone"), required=False, choices=lambda: [
        ("", "—"), *((zone, zone) for zone in sorted(zoneinfo.available_timezones()))])


class EraseForm(DeskFormMixin, forms.Form):
    confirm = forms.CharField(label=_("Type the person's name or user name"), max_length=254)


class AuditForm(DeskFormMixin, forms.Form):
    kind = forms.CharField(label=_("Kind of object"), initial="person", max_length=100,
                           help_text=_('"person", or "app_label.model" such as "accounts.group".'))
    id = forms.CharField(label=_("Id"), max_length=64)
    start = forms.DateField(label=_("From"), widget=forms.DateInput(attrs={"type": "date"}))
    end = forms.DateField(label=_("To"), widget=forms.DateInput(attrs={"type": "date"}))
