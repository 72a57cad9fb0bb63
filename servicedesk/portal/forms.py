"""The portal's forms: a new request, a reply, and "still a problem"."""

import secrets

from django import forms
from django.conf import settings
from django.core.validators import MaxLengthValidator
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext_lazy as _

from servicedesk.cmdb.models import ConfigItem
from servicedesk.core.forms import DeskFormMixin
from servicedesk.tickets.actions import attachment_too_large
from servicedesk.tickets.models import Category, TicketType

from .catalogue import category_options

PORTAL_TYPES = [
    (TicketType.INCIDENT, _("Report a problem")),
    (TicketType.SERVICE_REQUEST, _("Request something")),
]

# Plain words for urgency (1 is the highest): how much the customer is held up.
URGENCY_CHOICES = [
    ("1", _("I can't work at all")),
    ("2", _("I can work, but it slows me down")),
    ("3", _("Not much – it can wait")),
]


class MultipleFileInput(forms.FileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    """Zero or more files from one <input type=file multiple>, each within the desk's size limit."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("widget", MultipleFileInput(attrs={"multiple": True}))
        kwargs.setdefault("required", False)
        super().__init__(*args, **kwargs)

    def clean(self, data, initial=None):
        files = [f for f in (data if isinstance(data, list | tuple) else [data]) if f]
        single = super().clean
        cleaned = [single(f, initial) for f in files]
        refusals = [attachment_too_large(f.name, f.size) for f in cleaned]
        if any(refusals):
            raise forms.ValidationError([forms.ValidationError(r, code="too_large") for r in refusals if r])
        return cleaned


class DeviceField(forms.ModelMultipleChoiceField):
    """The customer's devices ticked, as a list. The devices offered (`devices_of()`, a queryset) are looked
    up only when the form is shown or some are ticked: most requests name none, and building the query and
    the stock field's empty answer cost more than the rest of checking the form."""

    devices_of = None

    def _get_queryset(self):
        if self._queryset is None and self.devices_of is not None:
            self.queryset = self.devices_of()
        return self._queryset

    queryset = property(_get_queryset, forms.ModelMultipleChoiceField._set_queryset)

    def clean(self, value):
        return list(super().clean(value)) if value else []


def limit_text(field: forms.CharField, limit: int) -> None:
    """The desk's length limit on a text field, with its own words rather than Django's stock message."""
    field.max_length = limit
    field.validators.append(MaxLengthValidator(limit))
    field.error_messages["max_length"] = _(
        "This text is too long (%(show_value)s characters); it can have at most %(limit_value)s characters.")
    field.widget.attrs["maxlength"] = str(limit)


def attachment_help() -> str:
    return _("Screenshots, logs or documents; up to %(limit)s each.") % {
        "limit": filesizeformat(settings.SERVICEDESK_ATTACHMENT_MAX_BYTES)
    }


class NewRequestForm(DeskFormMixin, forms.Form):
    type = forms.ChoiceField(label=_("What do you need?"), choices=PORTAL_TYPES, widget=forms.RadioSelect,
                             initial=TicketType.INCIDENT)
    category = forms.ChoiceField(label=_("What is it about?"), required=False)
    title = forms.CharField(
        label=_("Summary"), max_length=255,
        help_text=_('A few words, e.g. "Laptop will not start" or "Access to the finance folder".'),
    )
    description = forms.CharField(
        label=_("Details"), required=False, widget=forms.Textarea(attrs={"rows": 7}),
        help_text=_("What happened, since when, what you already tried, any error message."),
    )
    urgency = forms.ChoiceField(label=_("How much does this stop your work?"), choices=URGENCY_CHOICES,
                                widget=forms.RadioSelect, initial="2")
    attachments = MultipleFileField(label=_("Attachments"))
    # The customer's own configuration items (their laptop, their phone): linked to the ticket they send.
    devices = DeviceField(label=_("Which of your devices is it about?"), required=False, queryset=None,
                          widget=forms.CheckboxSelectMultiple)
    # A random key for this request while it is written: the articles suggested and opened meanwhile are
    # tied to it, and to the ticket if it is sent (knowledge.ranking counts the others as deflections).
    draft = forms.CharField(required=False, max_length=64, widget=forms.HiddenInput)

    def __init__(self, *args, devices=None, **kwargs):
        """devices: a function giving the customer's devices to offer (a queryset); none offered without."""
        super().__init__(*args, **kwargs)
        self.fields["category"].choices = category_options()
        self.fields["devices"].devices_of = devices or ConfigItem.objects.none
        self.fields["devices"].label_from_instance = lambda item: f"{item.name} · {item.type.local_name}"
        self.fields["attachments"].help_text = attachment_help()
        self.fields["title"].widget.attrs.update({"autocomplete": "off"})
        self.fields["title"].error_messages["max_length"] = _(
            "The summary is too long (%(show_value)s characters); keep it to %(limit_value)s and put the rest "
            "in the details.")
        limit_text(self.fields["description"], settings.SERVICEDESK_DESCRIPTION_MAX_CHARS)
        if not self.is_bound:
            self.initial.setdefault("draft", secrets.token_urlsafe(18))

    def clean_category(self):
        value = self.cleaned_data.get("category")
        if not value:
            return None
        category = Category.objects.filter(pk=value, is_active=True, service__is_active=True).first()
        if category is None:
            raise forms.ValidationError(_("Choose one of the listed categories."))
        return category

    def clean_urgency(self):
        return int(self.cleaned_data["urgency"])


class ReplyForm(DeskFormMixin, forms.Form):
    body = forms.CharField(label=_("Your reply"), required=False, widget=forms.Textarea(attrs={"rows": 5}))
    attachments = MultipleFileField(label=_("Attachments"))
    version = forms.IntegerField(widget=forms.HiddenInput)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["attachments"].help_text = attachment_help()
        limit_text(self.fields["body"], settings.SERVICEDESK_COMMENT_MAX_CHARS)

    def clean(self):
        cleaned = super().clean()
        if not (cleaned.get("body") or "").strip() and not cleaned.get("attachments") and not self.errors:
            raise forms.ValidationError(_("Write something or attach a file."))
        return cleaned


class ReopenForm(DeskFormMixin, forms.Form):
    comment = forms.CharField(label=_("What is still wrong? (optional)"), required=False,
                              widget=forms.Textarea(attrs={"rows": 3}))
    version = forms.IntegerField(widget=forms.HiddenInput)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        limit_text(self.fields["comment"], settings.SERVICEDESK_COMMENT_MAX_CHARS)


class ConfirmForm(forms.Form):
    version = forms.IntegerField(widget=forms.HiddenInput)
