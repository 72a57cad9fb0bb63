from django import forms
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from servicedesk.accounts.models import User
from servicedesk.core.forms import DeskFormMixin

from .actions import MAX_COMMENT
from .models import Outcome
from .visibility import possible_delegates


class DecisionForm(DeskFormMixin, forms.Form):
    outcome = forms.ChoiceField(label=_("Decision"), choices=Outcome.choices)
    comment = forms.CharField(label=_("Comment"), required=False, max_length=MAX_COMMENT,
                              widget=forms.Textarea(attrs={"rows": 3}))


LOCAL_INPUT = "%Y-%m-%dT%H:%M"


class When(forms.DateTimeInput):
    input_type = "datetime-local"

    def __init__(self):
        super().__init__(format=LOCAL_INPUT)


class DecideForm(DecisionForm):
    version = forms.IntegerField(widget=forms.HiddenInput, min_value=1, max_value=2**31 - 1)


class DelegationForm(DeskFormMixin, forms.Form):
    delegate = forms.CharField(label=_("Who decides for you (user name or e-mail)"), max_length=254)
    starts = forms.DateTimeField(label=_("From"), widget=When(), input_formats=[LOCAL_INPUT])
    ends = forms.DateTimeField(label=_("Until"), widget=When(), input_formats=[LOCAL_INPUT])

    def __init__(self, *args, viewer: User, **kwargs):
        super().__init__(*args, **kwargs)
        self.viewer = viewer

    def clean_delegate(self):
        given = self.cleaned_data["delegate"].strip()
        found = (possible_delegates(self.viewer).filter(Q(username=given) | Q(email__iexact=given))
                 .order_by("id").first()) if given else None
        if found is None:
            raise forms.ValidationError(_("Nobody of that name or address."))
        return found
