"""OpenID Connect: the authorization-code flow with PKCE, state and nonce; the ID token's signature checked
against the provider's published keys (JWKS) with joserfc, and its issuer, audience, expiry and nonce."""

from __future__ import annotations

import base64
import hashlib
import logging
import urllib.parse

from django.utils.translation import gettext as _
from joserfc import jwt
from joserfc.errors import JoseError
from joserfc.jwk import KeySet

from .actions import Profile
from .models import IdentityProvider
from .remote import FlowError, call_json, unavailable

log = logging.getLogger(__name__)

DISCOVERY = "/.well-known/openid-configuration"
# Keys a provider signs ID tokens with: asymmetric only, so a leaked client secret cannot forge one.
ALGORITHMS = ["RS256", "RS384", "RS512", "PS256", "PS384", "PS512", "ES256", "ES384", "ES512", "EdDSA"]


def pkce_challenge(verifier: str) -> str:
    return base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).rstrip(b"=").decode()


def configuration(provider: IdentityProvider) -> dict:
    url = provider.issuer if provider.issuer.endswith(DISCOVERY) else provider.issuer.rstrip("/") + DISCOVERY
    config = call_json(provider, url)
    if not all(isinstance(config.get(key), str) for key in ("issuer", "authorization_endpoint", "token_endpoint",
                                                            "jwks_uri")):
        raise unavailable(provider)
    return config


def authorize_url(provider: IdentityProvider, redirect_uri: str, flow: dict) -> str:
    config = configuration(provider)
    query = {
        "response_type": "code", "client_id": provider.client_id, "redirect_uri": redirect_uri,
        "scope": provider.scopes or "openid", "state": flow["state"], "nonce": flow["nonce"],
        "code_challenge": pkce_challenge(flow["verifier"]), "code_challenge_method": "S256",
    }
    endpoint = config["authorization_endpoint"]
    return f"{endpoint}{'&' if '?' in endpoint else '?'}{urllib.parse.urlencode(query)}"


def _token(provider: IdentityProvider, config: dict, code: str, redirect_uri: str, verifier: str) -> dict:
    form = {"grant_type": "authorization_code", "code": code, "redirect_uri": redirect_uri, "code_verifier": verifier}
    headers = {}
    methods = config.get("token_endpoint_auth_methods_supported") or ["client_secret_basic"]
    if "client_secret_basic" in methods:
        quote = urllib.parse.quote
        pair = f"{quote(provider.client_id, safe='')}:{quote(provider.client_secret, safe='')}"
        headers["Authorization"] = "Basic " + base64.b64encode(pair.encode()).decode()
    else:
        form |= {"client_id": provider.client_id, "client_secret": provider.client_secret}
    answer = call_json(provider, config["token_endpoint"], form=form, headers=headers)
    if not isinstance(answer.get("id_token"), str):
        log.warning("%s refused the code: %r", provider.slug, answer)
        raise FlowError(_("%(provider)s did not accept this sign-in (it may have expired). Please sign in again.")
                        % {"provider": provider.name})
    return answer


def verified_claims(provider: IdentityProvider, config: dict, id_token: str, nonce: str) -> dict:
    keys = call_json(provider, config["jwks_uri"])
    try:
        token = jwt.decode(id_token, KeySet.import_key_set(keys), algorithms=ALGORITHMS)
        jwt.JWTClaimsRegistry(
            iss={"essential": True, "value": config["issuer"]}, aud={"essential": True, "value": provider.client_id},
            sub={"essential": True}, exp={"essential": True}, nonce={"essential": True, "value": nonce},
        ).validate(token.claims)
    except (JoseError, ValueError, TypeError, KeyError) as error:
        log.warning("%s sent an ID token the desk refuses: %s", provider.slug, error)
        raise FlowError(_("The answer from %(provider)s could not be verified, so nobody was signed in. Please "
                          "sign in again.") % {"provider": provider.name}) from error
    return dict(token.claims)


def profile(provider: IdentityProvider, redirect_uri: str, params, flow: dict) -> Profile:
    code = params.get("code", "")
    if not code:
        raise FlowError(_("%(provider)s sent no sign-in code. Please sign in again.") % {"provider": provider.name})
    config = configuration(provider)
    answer = _token(provider, config, code, redirect_uri, flow["verifier"])
    claims = verified_claims(provider, config, answer["id_token"], flow["nonce"])
    if config.get("userinfo_endpoint") and answer.get("access_token"):
        info = call_json(provider, config["userinfo_endpoint"],
                         headers={"Authorization": f"Bearer {answer['access_token']}"})
        # The signed token's claims win; the user info endpoint adds what it left out (groups, e-mail).
        if info.get("sub") == claims["sub"]:
            claims = {**info, **claims}
    first, last = claims.get("given_name") or "", claims.get("family_name") or ""
    if not (first or last):
        first = claims.get("name") or ""
    return Profile(subject=str(claims["sub"]), email=str(claims.get("email") or ""),
                   email_verified=claims.get("email_verified") in (True, "true"),
                   first_name=str(first), last_name=str(last), claims=claims)
