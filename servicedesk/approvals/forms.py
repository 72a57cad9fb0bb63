from django import forms
from django.utils.translation import gettext_lazy as _

from .actions import MAX_COMMENT
from .models import Outcome


class DecisionForm(forms.Form):
    outcome = forms.ChoiceField(label=_("Decision"), choices=Outcome.choices)
    comment = forms.CharField(label=_("Comment"), required=False, max_length=MAX_COMMENT,
                              widget=forms.Textarea(attrs={"rows": 3}))
