"""The rating form, the same on the portal and on the mail link's page."""

from django import forms
from django.utils.translation import gettext_lazy as _

from servicedesk.core.forms import DeskFormMixin

from .actions import COMMENT_MAX
from .models import RATINGS

RATING_LABELS = {
    1: _("1 – very dissatisfied"), 2: _("2 – dissatisfied"), 3: _("3 – neither"), 4: _("4 – satisfied"),
    5: _("5 – very satisfied"),
}


class RateForm(DeskFormMixin, forms.Form):
    rating = forms.TypedChoiceField(label=_("Your rating"), coerce=int, widget=forms.RadioSelect,
                                    choices=[(r, RATING_LABELS[r]) for r in RATINGS],
                                    error_messages={"required": _("Choose a rating from 1 to 5."),
                                                    "invalid_choice": _("Choose a rating from 1 to 5.")})
    comment = forms.CharField(label=_("Anything you would like to tell us? (optional)"), required=False,
                              max_length=COMMENT_MAX, widget=forms.Textarea(attrs={"rows": 3}))
