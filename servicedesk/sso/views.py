"""The sign-in flows' two screens: start (to the provider) and callback (back from it, signed in or told
why not, in the person's language: never a server error)."""

from __future__ import annotations

import secrets
import time
from urllib.parse import urlencode

from django.conf import settings
from django.contrib.auth import login
from django.http import HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_POST

from servicedesk.core.errors import ActionError

from . import actions, im, oidc, saml
from .models import IdentityProvider, Kind
from .remote import not_this_browser

FLOWS = {Kind.OIDC: oidc, Kind.WECOM: im.WECOM, Kind.DINGTALK: im.DINGTALK, Kind.FEISHU: im.FEISHU}
KINDS = [*FLOWS, Kind.SAML]
SESSION_FLOWS = "sso_flows"
# Sign-ins started in other tabs are kept as well, up to this many; one older than FLOW_SECONDS is refused.
FLOWS_KEPT = 5
FLOW_SECONDS = 15 * 60
# The backend the session names: the desk's own, which refuses the system identity and deactivated accounts
# on every later request as it does for passwords.
BACKEND = "servicedesk.accounts.identity.DeskBackend"


def _provider(slug: str, kinds=KINDS) -> IdentityProvider:
    return get_object_or_404(IdentityProvider, slug=slug, enabled=True, kind__in=kinds)


def refused(request, message: str, status: int = 400):
    return render(request, "sso/error.html", {"message": message}, status=status)


def _next(request) -> str:
    target = request.GET.get("next", "")
    if url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()},
                                       require_https=request.is_secure()):
        return target
    return ""


def new_flow(request, provider: IdentityProvider) -> dict:
    flow = {"state": secrets.token_urlsafe(24), "nonce": secrets.token_urlsafe(24),
            "verifier": secrets.token_urlsafe(48), "slug": provider.slug, "next": _next(request),
            "at": time.time()}
    flows = dict(list(request.session.get(SESSION_FLOWS, {}).items())[-(FLOWS_KEPT - 1):])
    flows[flow["state"]] = flow
    request.session[SESSION_FLOWS] = flows
    return flow


def take_flow(request, provider: IdentityProvider, state: str) -> dict:
    """The flow this answer belongs to, used once; FlowError when it was not started in this browser."""
    flows = dict(request.session.get(SESSION_FLOWS, {}))
    flow = flows.pop(state, None) if state else None
    request.session[SESSION_FLOWS] = flows
    if flow is None or flow["slug"] != provider.slug or time.time() - flow["at"] > FLOW_SECONDS:
        raise not_this_browser()
    return flow


def finish(request, provider: IdentityProvider, profile: actions.Profile, flow: dict):
    user = actions.sign_in(provider, profile)
    login(request, user, backend=BACKEND)
    request.session["sd_signed_in_with"] = provider.session_label
    return HttpResponseRedirect(flow["next"] or settings.LOGIN_REDIRECT_URL)


def _callback_url(request, provider: IdentityProvider) -> str:
    return request.build_absolute_uri(reverse("sso:callback", args=[provider.slug]))


def _saml_urls(request, provider: IdentityProvider) -> tuple[str, str]:
    """This desk's entity id (configured, else its metadata URL) and its assertion consumer service."""
    metadata_url = request.build_absolute_uri(reverse("sso:saml_metadata", args=[provider.slug]))
    return provider.client_id or metadata_url, request.build_absolute_uri(reverse("sso:saml_acs",
                                                                                  args=[provider.slug]))


@require_GET
def start(request, slug: str):
    provider = _provider(slug)
    flow = new_flow(request, provider)
    try:
        if provider.kind == Kind.SAML:
            url = saml.authorize_url(provider, *_saml_urls(request, provider), flow)
            request.session.modified = True  # the flow now names its SAML request
        else:
            url = FLOWS[provider.kind].authorize_url(provider, _callback_url(request, provider), flow)
    except ActionError as error:
        return refused(request, error.message, error.status_code)
    return HttpResponseRedirect(url)


@require_GET
def callback(request, slug: str):
    provider = _provider(slug)
    try:
        # A refusal first: it signs nobody in, and some providers send it without the state.
        if request.GET.get("error"):
            return refused(request, _("%(provider)s did not sign you in (%(reason)s). Nothing was changed.")
                           % {"provider": provider.name, "reason": request.GET["error"][:100]}, 403)
        flow = take_flow(request, provider, request.GET.get("state", ""))
        if provider.kind == Kind.SAML:
            profile = saml.profile(provider, request.GET.get("assertion", ""), flow)
        else:
            profile = FLOWS[provider.kind].profile(provider, _callback_url(request, provider), request.GET, flow)
        return finish(request, provider, profile, flow)
    except ActionError as error:
        return refused(request, error.message, error.status_code)


@csrf_exempt  # the identity provider's page posts here; the response's signature and the callback's check guard it
@require_POST
def saml_acs(request, slug: str):
    provider = _provider(slug, [Kind.SAML])
    try:
        signed = saml.verified(provider, *_saml_urls(request, provider), request.POST.get("SAMLResponse", ""))
    except ActionError as error:
        return refused(request, error.message, error.status_code)
    query = urlencode({"state": request.POST.get("RelayState", ""), "assertion": signed})
    return HttpResponseRedirect(f"{reverse('sso:callback', args=[provider.slug])}?{query}", status=303)


@require_GET
def saml_metadata(request, slug: str):
    provider = _provider(slug, [Kind.SAML])
    try:
        return HttpResponse(saml.metadata(provider, *_saml_urls(request, provider)),
                            content_type="application/samlmetadata+xml")
    except ActionError as error:
        return refused(request, error.message, error.status_code)
