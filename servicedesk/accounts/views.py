"""Screens of one's own account: preferences (language, time zone), the language switch, API tokens (on
the preferences page) and the password change."""

import zoneinfo

from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.db import transaction
from django.http import Http404, HttpResponseRedirect
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import translation
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext
from django.views.decorators.http import require_POST

from servicedesk.core import audit
from servicedesk.core.errors import ActionError

from . import actions
from .models import ApiToken

EXPIRY_CHOICES = [
    ("", gettext_lazy("Does not expire")),
    ("7", gettext_lazy("In 7 days")),
    ("30", gettext_lazy("In 30 days")),
    ("90", gettext_lazy("In 90 days")),
    ("365", gettext_lazy("In a year")),
]


class TokenForm(forms.Form):
    name = forms.CharField(label=gettext_lazy("Name"), max_length=100,
                           help_text=gettext_lazy('What it is for, e.g. "reporting script".'))
    expires = forms.TypedChoiceField(label=gettext_lazy("Expires"), choices=EXPIRY_CHOICES, required=False,
                                     coerce=int, empty_value=None)


COMMON_TIME_ZONES = ["Asia/Shanghai", "Asia/Hong_Kong", "Asia/Singapore", "Asia/Tokyo", "Europe/London",
                     "Europe/Berlin", "America/New_York", "America/Los_Angeles", "UTC"]
LANGUAGE_COOKIE_AGE = 365 * 24 * 3600


def _screen(user) -> str:
    """The channel a person's own screens are: the console for desk staff, the portal for customers."""
    return audit.Channel.CONSOLE if user.is_desk_staff else audit.Channel.PORTAL


def _safe_next(request, fallback="/"):
    target = request.POST.get("next") or request.META.get("HTTP_REFERER") or fallback
    if not url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()},
                                           require_https=request.is_secure()):
        return fallback
    return target


@require_POST
def set_language(request):
    """Switch language: saved on the user when signed in, in a cookie for everyone."""
    language = request.POST.get("language", "")
    response = HttpResponseRedirect(_safe_next(request))
    if not translation.check_for_language(language):
        return response
    if request.user.is_authenticated:
        try:
            actions.set_preferences(request.user, actor=request.user, channel=_screen(request.user),
                                    language=language)
        except ActionError:  # a language Django knows but the desk does not offer
            return response
    response.set_cookie(settings.LANGUAGE_COOKIE_NAME, language, max_age=LANGUAGE_COOKIE_AGE, samesite="Lax")
    return response


class PreferencesForm(forms.Form):
    """Offered as lists; checked by the action's own rules, so the page and the API refuse alike."""

    language = forms.CharField(label=gettext_lazy("Language"), widget=forms.Select(choices=settings.LANGUAGES))
    time_zone = forms.CharField(label=gettext_lazy("Time zone"), widget=forms.Select)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        zones = sorted(zoneinfo.available_timezones())
        ordered = COMMON_TIME_ZONES + [z for z in zones if z not in COMMON_TIME_ZONES]
        self.fields["time_zone"].widget.choices = [(z, z.replace("_", " ")) for z in ordered]

    def _checked(self, name: str, check) -> str:
        try:
            return check(self.cleaned_data[name])
        except ActionError as exc:
            raise forms.ValidationError(exc.message) from None

    def clean_language(self) -> str:
        return self._checked("language", actions.check_language)

    def clean_time_zone(self) -> str:
        return self._checked("time_zone", actions.check_time_zone)


def preferences_form(user) -> PreferencesForm:
    return PreferencesForm(initial={"language": user.language or translation.get_language(),
                                    "time_zone": user.time_zone or "UTC"})


@login_required
def preferences(request):
    user = request.user
    if request.method == "POST":
        form = PreferencesForm(request.POST)
        if form.is_valid():
            try:
                actions.set_preferences(user, actor=user, channel=_screen(user), **form.cleaned_data)
            except ActionError as exc:
                form.add_error(None, exc.message)
            else:
                translation.activate(user.language)
                messages.success(request, _("Your preferences are saved."))
                response = redirect("preferences")
                response.set_cookie(settings.LANGUAGE_COOKIE_NAME, user.language, max_age=LANGUAGE_COOKIE_AGE,
                                    samesite="Lax")
                return response
    else:
        form = preferences_form(user)
    return render(request, "servicedesk/preferences.html", {"form": form})


def _preferences_page(request, *, token_form=None, new_token="", status=200):
    return render(request, "servicedesk/preferences.html", {
        "form": preferences_form(request.user),
        "token_form": token_form or TokenForm(auto_id="token_%s"),
        "new_token": new_token,
    }, status=status)


@login_required
@require_POST
def create_token(request):
    """Issue a token and show it on the preferences page, once: it is never stored, nor put in a
    redirect or a message, where it would travel again."""
    form = TokenForm(request.POST, auto_id="token_%s")
    if form.is_valid():
        data = form.cleaned_data
        try:
            expires_at = actions.expiry_in_days(data["expires"]) if data["expires"] else None
            _token, raw = actions.issue_token(request.user, name=data["name"], expires_at=expires_at,
                                              actor=request.user, channel=_screen(request.user))
        except ActionError as exc:
            form.add_error(None, exc.message)
        else:
            return _preferences_page(request, new_token=raw)
    return _preferences_page(request, token_form=form, status=400)


@login_required
@require_POST
def revoke_token(request, token_id: int):
    token = ApiToken.objects.select_related("user").filter(pk=token_id, user=request.user).first()
    if token is None:
        raise Http404
    actions.revoke_token(token, actor=request.user, channel=_screen(request.user))
    messages.success(request, _("The API token %(prefix)s… is revoked.") % {"prefix": token.prefix})
    return redirect(reverse("preferences") + "#api-tokens")


class PasswordChangeView(auth_views.PasswordChangeView):
    """Changing one's password also revokes one's API tokens: whoever knew the old password may have
    made one."""

    def form_valid(self, form):
        with transaction.atomic():
            response = super().form_valid(form)
            count = actions.revoke_all_tokens(self.request.user, actor=self.request.user,
                                              channel=_screen(self.request.user),
                                              reason=_("Password changed by its owner."))
        if count:
            messages.warning(self.request, ngettext(
                "Your %(count)d API token was revoked: create a new one on the preferences page if you need it.",
                "Your %(count)d API tokens were revoked: create new ones on the preferences page if you need them.",
                count,
            ) % {"count": count})
        return response
