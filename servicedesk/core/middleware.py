"""Per-user language and time zone; JSON errors under /api/; the Content-Security-Policy.

A signed-in user's saved language wins over the browser's Accept-Language (which LocaleMiddleware
already applied for everyone else). Times are shown in the user's time zone, else the desk's.
"""

import zoneinfo
from urllib.parse import urlsplit

from django.conf import settings
from django.utils import timezone, translation


class UserPreferencesMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            if user.language and translation.check_for_language(user.language):
                translation.activate(user.language)
                request.LANGUAGE_CODE = translation.get_language()
            try:
                timezone.activate(zoneinfo.ZoneInfo(user.time_zone or "UTC"))
            except (zoneinfo.ZoneInfoNotFoundError, ValueError):
                timezone.deactivate()
        else:
            timezone.deactivate()
        return self.get_response(request)


class ApiJsonErrorsMiddleware:
    """Under /api/ every error is JSON with a message, also the 404 of an unknown path and the 405
    of a wrong method, which Django and ninja answer in HTML or plain text."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if not request.path.startswith("/api/") or response.status_code not in (404, 405):
            return response
        if response.get("Content-Type", "").startswith("application/json"):
            return response
        from django.http import JsonResponse
        from django.utils.translation import gettext as _

        if response.status_code == 404:
            return JsonResponse({"message": _("There is no such API endpoint.")}, status=404)
        allowed = response.get("Allow", "")
        converted = JsonResponse(
            {"message": _("This endpoint does not accept %(method)s; use %(allowed)s.")
             % {"method": request.method, "allowed": allowed or "—"}},
            status=405,
        )
        if allowed:
            converted["Allow"] = allowed
        return converted


def content_security_policy(logo_url: str) -> str:
    """The desk's policy: scripts, styles, fonts and requests from the desk itself only, never inline or
    evaluated; images also as data: URIs and from the configured logo's origin."""
    images = ["'self'", "data:"]
    logo = urlsplit(logo_url or "")
    if logo.scheme in ("http", "https") and logo.netloc:
        images.append(f"{logo.scheme}://{logo.netloc}")
    return "; ".join([
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        f"img-src {' '.join(images)}",
        "object-src 'none'",
        "base-uri 'self'",
        "frame-ancestors 'none'",
        "form-action 'self'",
    ])


class ContentSecurityPolicyMiddleware:
    """Every response gets the desk's Content-Security-Policy, unless its view set a stricter one (the
    downloads' sandbox). One fixed policy needs no nonces, so a few lines here instead of a dependency."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if "Content-Security-Policy" not in response:
            response["Content-Security-Policy"] = content_security_policy(settings.SERVICEDESK_LOGO_URL)
        return response
