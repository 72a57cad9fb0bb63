"""The second factor at sign-in: a signed-in person who has a second factor, or whose role must have one
(SERVICEDESK_MFA_REQUIRED_ROLES), reaches nothing but the verify step (or, with no factor yet, the enrolment
screens) until the session is verified: screens are redirected there, the API answers 401. A request with a
bearer token is judged by its token alone; a session signed in through a trusted identity provider counts as
verified (SERVICEDESK_MFA_TRUST_SSO)."""

from django.conf import settings
from django.contrib.auth.models import AnonymousUser
from django.http import JsonResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.http import urlencode
from django.utils.translation import gettext as _

from servicedesk.core.middleware import is_api

from . import actions, session

# Reachable on the way to a verified session, besides the step's own screens.
ALWAYS = ("logout", "set_language", "brand_css")
VERIFY_STEP = ("mfa:verify", "mfa:verify_passkey_options", "mfa:verify_passkey")
ENROL_STEP = ("mfa:enrol", "mfa:enrol_totp", "mfa:enrol_passkey", "mfa:passkey_options", "mfa:passkey_register")


class SecondFactorMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        refused = self.refusal(request)
        return refused or self.get_response(request)

    def refusal(self, request):
        user = request.user
        if not user.is_authenticated or session.is_verified(request) or session.trusted_provider(request):
            return None
        if is_api(request) and request.headers.get("Authorization", "").lower().startswith("bearer "):
            # The token decides who this is, not the unfinished session beside it.
            request.user = AnonymousUser()
            return None
        required = actions.is_required(user)
        if not required and request.session.get(session.STATE) == "none":
            return None
        enrolled = actions.has_second_factor(user)
        if not (required or enrolled):
            request.session[session.STATE] = "none"
            return None
        step = VERIFY_STEP if enrolled else ENROL_STEP
        if request.path.startswith(settings.STATIC_URL) or request.path in {reverse(n) for n in ALWAYS + step}:
            return None
        if is_api(request):
            return JsonResponse({"message": _("Finish signing in with your second factor first.")}, status=401)
        target = reverse(step[0])
        if request.method == "GET":
            target += "?" + urlencode({"next": request.get_full_path()})
        return redirect(target)
