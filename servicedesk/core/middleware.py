"""Per-user language and time zone.

A signed-in user's saved language wins over the browser's Accept-Language; an anonymous visitor
gets the browser's language (LocaleMiddleware). Times are shown in the user's time zone.
"""

import zoneinfo

from django.utils import timezone, translation


class UserLanguageMiddleware:
    """Runs before LocaleMiddleware: puts the saved language where LocaleMiddleware looks first."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        language = request.session.get("servicedesk_language") if hasattr(request, "session") else None
        if language and translation.check_for_language(language):
            request.COOKIES.setdefault("django_language", language)
        return self.get_response(request)


class UserTimezoneMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        name = getattr(user, "time_zone", "") if user is not None and user.is_authenticated else ""
        if name:
            try:
                timezone.activate(zoneinfo.ZoneInfo(name))
            except (zoneinfo.ZoneInfoNotFoundError, ValueError):
                timezone.deactivate()
        else:
            timezone.deactivate()
        return self.get_response(request)
