"""Screens shared by the console and the portal: home, sign-in, language, preferences."""

import re
import zoneinfo

from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect, render
from django.utils import translation
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

COMMON_TIME_ZONES = ["Asia/Shanghai", "Asia/Hong_Kong", "Asia/Singapore", "Asia/Tokyo", "Europe/London",
                     "Europe/Berlin", "America/New_York", "America/Los_Angeles", "UTC"]


# A colour as CSS writes it (#1f5fae, rebeccapurple, rgb(31 95 174)); anything else is left out.
_COLOUR = re.compile(r"#[0-9a-fA-F]{3,8}|[a-zA-Z]{3,30}|(?:rgb|hsl)a?\([0-9.,%/ ]{1,60}\)")


def brand_css(request):
    """The desk's colours (SERVICEDESK_PRIMARY_COLOUR, SERVICEDESK_ACCENT_COLOUR) as a stylesheet: the
    Content-Security-Policy allows no inline style. desk.css holds the defaults."""
    colours = {"--brand": settings.SERVICEDESK_PRIMARY_COLOUR, "--brand-soft": settings.SERVICEDESK_ACCENT_COLOUR}
    declarations = " ".join(f"{name}: {value.strip()};" for name, value in colours.items()
                            if _COLOUR.fullmatch(value.strip()))
    response = HttpResponse(f":root {{ {declarations} }}\n", content_type="text/css; charset=utf-8")
    response["Cache-Control"] = "public, max-age=3600"
    return response


def home(request):
    if not request.user.is_authenticated:
        return redirect(settings.LOGIN_URL)
    return redirect("console:home" if request.user.is_desk_staff else "portal:home")


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
        request.user.language = language
        request.user.save(update_fields=["language"])
    response.set_cookie(settings.LANGUAGE_COOKIE_NAME, language, max_age=365 * 24 * 3600, samesite="Lax")
    return response


class PreferencesForm(forms.Form):
    language = forms.ChoiceField(label=gettext_lazy("Language"), choices=settings.LANGUAGES)
    time_zone = forms.ChoiceField(label=gettext_lazy("Time zone"))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        zones = sorted(zoneinfo.available_timezones())
        ordered = COMMON_TIME_ZONES + [z for z in zones if z not in COMMON_TIME_ZONES]
        self.fields["time_zone"].choices = [(z, z.replace("_", " ")) for z in ordered]


def preferences_form(user) -> PreferencesForm:
    return PreferencesForm(initial={"language": user.language or translation.get_language(),
                                    "time_zone": user.time_zone or "UTC"})


@login_required
def preferences(request):
    user = request.user
    if request.method == "POST":
        form = PreferencesForm(request.POST)
        if form.is_valid():
            user.language = form.cleaned_data["language"]
            user.time_zone = form.cleaned_data["time_zone"]
            user.save(update_fields=["language", "time_zone"])
            translation.activate(user.language)
            messages.success(request, _("Your preferences are saved."))
            response = redirect("preferences")
            response.set_cookie(settings.LANGUAGE_COOKIE_NAME, user.language, max_age=365 * 24 * 3600,
                                samesite="Lax")
            return response
    else:
        form = preferences_form(user)
    return render(request, "servicedesk/preferences.html", {"form": form})


def csrf_failure(request, reason=""):
    """A form that expired or came from elsewhere: say so in the user's language; nothing was saved."""
    return render(request, "403_csrf.html", status=403)
