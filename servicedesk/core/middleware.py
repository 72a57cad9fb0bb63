"""Per-user language and time zone; JSON errors under /api/; text the desk cannot store refused;
the Content-Security-Policy.

A signed-in user's saved language wins over the browser's Accept-Language (which LocaleMiddleware
already applied for everyone else). Times are shown in the user's time zone, else the desk's.
"""

import functools
import zoneinfo
from urllib.parse import urlsplit

from django.conf import settings
from django.core.exceptions import RequestDataTooBig, SuspiciousOperation, TooManyFieldsSent, TooManyFilesSent
from django.http import JsonResponse
from django.http.multipartparser import MultiPartParserError
from django.shortcuts import render
from django.template.defaultfilters import filesizeformat
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from .inputs import find_text_problem

FORM_TYPES = ("application/x-www-form-urlencoded", "multipart/form-data")


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


def is_api(request) -> bool:
    return request.path.startswith("/api/")


def refused_upload(exc: Exception) -> tuple[int, str] | None:
    """Django's refusals of a request body it will not read, as (status, message), or None."""
    if isinstance(exc, RequestDataTooBig):
        return 413, _("The request is too large (at most %(size)s, files apart).") % {
            "size": filesizeformat(settings.DATA_UPLOAD_MAX_MEMORY_SIZE)}
    if isinstance(exc, TooManyFilesSent):
        return 400, _("Too many files in one request (at most %(count)s).") % {
            "count": settings.DATA_UPLOAD_MAX_NUMBER_FILES}
    if isinstance(exc, TooManyFieldsSent):
        return 400, _("Too many fields in one request (at most %(count)s).") % {
            "count": settings.DATA_UPLOAD_MAX_NUMBER_FIELDS}
    if isinstance(exc, SuspiciousOperation | MultiPartParserError):
        return 400, _("The request is malformed.")
    return None


class ApiJsonErrorsMiddleware:
    """Under /api/ every error is JSON with a message: also the 404 of an unknown path and the 405
    of a wrong method, which Django and ninja answer in HTML or plain text, and a server error. (A body
    Django refuses to read is answered by the API's handler or RefuseUnstorableTextMiddleware, which
    know why.)"""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if not is_api(request) or response.status_code < 400:
            return response
        if response.get("Content-Type", "").startswith("application/json"):
            return response
        if response.status_code == 404:
            return JsonResponse({"message": _("There is no such API endpoint.")}, status=404)
        if response.status_code == 405:
            allowed = response.get("Allow", "")
            converted = JsonResponse(
                {"message": _("This endpoint does not accept %(method)s; use %(allowed)s.")
                 % {"method": request.method, "allowed": allowed or "—"}},
                status=405,
            )
            if allowed:
                converted["Allow"] = allowed
            return converted
        if response.status_code >= 500:
            return JsonResponse({"message": _("The desk failed to answer this request; it has been logged.")},
                                status=response.status_code)
        return JsonResponse({"message": _("The request is malformed.")}, status=response.status_code)


class RefuseUnstorableTextMiddleware:
    """The one check of text that arrives outside a JSON body: the path, the query string and form
    fields (names, values and file names) of every request. JSON bodies are checked by the API's
    input schemas (api/schemas.py `Input`). See core/inputs.py for why."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        try:
            found = find_text_problem(request.path) or find_text_problem(dict(request.GET.lists()))
            if not found and request.method == "POST" and request.content_type in FORM_TYPES:
                found = find_text_problem(dict(request.POST.lists())) or find_text_problem(
                    {name: [f.name for f in files] for name, files in request.FILES.lists()})
        except (SuspiciousOperation, MultiPartParserError) as exc:
            refused = refused_upload(exc) if is_api(request) else None
            if refused is None:
                raise
            return JsonResponse({"message": refused[1]}, status=refused[0])
        if not found:
            return self.get_response(request)
        where, reason = found
        if is_api(request):
            return JsonResponse({"message": reason, "errors": [{"loc": list(where), "msg": reason}]}, status=422)
        return render(request, "400.html", {"reason": reason}, status=400)


@functools.lru_cache(maxsize=4)  # built once per logo setting, not per response
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
