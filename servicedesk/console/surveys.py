"""The console's satisfaction screens: a follow-up ticket from a low rating (the ticket page's panel), and the
survey's texts per language for desk managers. Every change goes through servicedesk.surveys.actions."""

from __future__ import annotations

from django import forms
from django.conf import settings
from django.contrib import messages
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path
from django.utils import translation
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from servicedesk.core.audit import Channel
from servicedesk.core.errors import ActionError
from servicedesk.core.forms import DeskFormMixin
from servicedesk.surveys import actions
from servicedesk.surveys import texts as survey_texts
from servicedesk.surveys.models import SurveyResponse, SurveyText

from .sidebar import build_sidebar
from .ticket_access import staff_required, visible_ticket


@staff_required
@require_POST
def follow_up(request, number, survey_id):
    ticket = visible_ticket(request.user, number)
    survey = get_object_or_404(SurveyResponse, pk=survey_id, ticket=ticket)
    try:
        made = actions.open_follow_up(survey, actor=request.user, channel=Channel.CONSOLE)
    except ActionError as refused:
        messages.error(request, refused.message)
        return redirect("console:ticket", number=ticket.number)
    messages.success(request, _("Follow-up ticket %(number)s opened.") % {"number": made.number})
    return redirect("console:ticket", number=made.number)


class TextForm(DeskFormMixin, forms.ModelForm):
    class Meta:
        model = SurveyText
        fields = ["question", "thanks", "low_rating"]
        widgets = {"thanks": forms.Textarea(attrs={"rows": 2}), "low_rating": forms.Textarea(attrs={"rows": 2})}


def _text_form(language: str, posted, row: SurveyText | None) -> TextForm:
    form = TextForm(posted, prefix=language, instance=row)
    with translation.override(language):
        default = survey_texts.defaults()
    for name in ("question", "thanks", "low_rating"):
        form.fields[name].widget.attrs["placeholder"] = getattr(default, name)
    return form


@staff_required
def texts(request):
    if not actions.may_edit_texts(request.user):
        raise Http404
    stored = {row.language: row for row in SurveyText.objects.all()}
    languages = settings.LANGUAGES
    posted = request.POST if request.method == "POST" else None
    forms_by_language = [(code, name, _text_form(code, posted, stored.get(code))) for code, name in languages]
    status = 200
    if posted is not None:
        if all(form.is_valid() for _code, _name, form in forms_by_language):
            try:
                for code, _name, form in forms_by_language:
                    actions.save_text(code, actor=request.user, channel=Channel.CONSOLE, **form.cleaned_data)
            except ActionError as refused:
                messages.error(request, refused.message)
                status = 400
            else:
                messages.success(request, _("The survey's texts were saved."))
                return redirect("console:survey_texts")
        else:
            status = 400
    return render(request, "surveys/texts.html", {"forms": forms_by_language, "sidebar": build_sidebar(request)},
                  status=status)


urlpatterns = [
    path("tickets/<str:number>/surveys/<id:survey_id>/follow-up/", follow_up, name="ticket_survey_follow_up"),
    path("surveys/texts/", texts, name="survey_texts"),
]
