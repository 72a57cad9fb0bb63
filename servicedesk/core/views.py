"""Screens shared by the console and the portal: home, the brand stylesheet, the CSRF failure page, and the
answer to a request the desk's database, cache or file storage could not serve."""

import errno
import re
import sys

from django.conf import settings
from django.db import InterfaceError, OperationalError
from django.http import HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.utils import translation
from django.utils.translation import gettext as _
from django.views import defaults
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError

from .middleware import is_api

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


# Seconds a client is told to wait before it sends again while a service the desk needs restarts.
RETRY_AFTER_SECONDS = 5


def _unavailable(exc: BaseException | None) -> tuple[str, bool] | None:
    """(message, worth retrying) when the request failed for want of a service rather than a fault of the desk."""
    # Lost or refused connections, a server shutting down or starting up (not a query the desk got wrong).
    if isinstance(exc, OperationalError | InterfaceError):
        return _("The desk's database is unavailable for a moment. Try again shortly."), True
    if isinstance(exc, RedisConnectionError | RedisTimeoutError):
        return _("A service the desk needs is unavailable for a moment. Try again shortly."), True
    if isinstance(exc, OSError) and exc.errno in (errno.ENOSPC, errno.EDQUOT):
        return _("The desk has no room left to store files, so nothing was saved. Tell the administrator."), False
    return None


def server_error(request):
    """handler500: a database that is restarting or failing over, a cache that cannot be reached or a full
    attachment folder is a 503 the client can act on (JSON under /api/), sent without touching the database;
    anything else is the desk's own fault, the 500 page."""
    # The language the middleware chose (the user's own, or the browser's), or, when the request failed before
    # it ran, the browser's: the language still active in this thread may be an earlier request's.
    language = getattr(request, "LANGUAGE_CODE", None) or translation.get_language_from_request(request)
    with translation.override(language):
        unavailable = _unavailable(sys.exc_info()[1])
        if unavailable is None:
            return defaults.server_error(request)
        message, retry = unavailable
        if is_api(request):
            response = JsonResponse({"message": message}, status=503)
        else:
            response = HttpResponse(render_to_string("503.html", {"message": message}), status=503)
    if retry:
        response["Retry-After"] = str(RETRY_AFTER_SECONDS)
    return response
