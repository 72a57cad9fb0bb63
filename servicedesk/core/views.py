"""Screens shared by the console and the portal: home, the brand stylesheet, the CSRF failure page."""

import re

from django.conf import settings
from django.http import HttpResponse
from django.shortcuts import redirect, render

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
    # The console decides where its staff land (leads and managers: the dashboard).
    return redirect("console:landing" if request.user.is_desk_staff else "portal:home")


def csrf_failure(request, reason=""):
    """A form that expired or came from elsewhere: say so in the user's language; nothing was saved."""
    return render(request, "403_csrf.html", status=403)
