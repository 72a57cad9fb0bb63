"""Per-user language and time zone.

A signed-in user's saved language wins over the browser's Accept-Language (which LocaleMiddleware
already applied for everyone else). Times are shown in the user's time zone, else the desk's.
"""

import zoneinfo

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
