"""SAML 2.0 single sign-on: the desk as a service provider (pysaml2; xmlsec1 checks the signatures).

The browser is sent to the identity provider with an AuthnRequest (HTTP-Redirect) whose RelayState is the
flow's state; the provider posts its signed Response to the assertion consumer service (ACS). That POST comes
from the provider's site, so the browser does not send the desk's session cookie with it (SameSite=Lax): the ACS
verifies the response (signature against the provider's metadata, audience, conditions, a request id it
answers) and hands what it says to the callback, signed and valid for minutes, by a redirect. The callback,
back in the browser's session, checks that it answers the request this browser started, once.
"""

from __future__ import annotations

import dataclasses
import logging
import shutil

from django.core import signing
from django.utils.translation import gettext as _
from saml2 import BINDING_HTTP_POST, BINDING_HTTP_REDIRECT
from saml2.client import Saml2Client
from saml2.config import SPConfig
from saml2.metadata import create_metadata_string

from .actions import Profile
from .models import IdentityProvider
from .remote import FlowError, fetch_text, not_this_browser, unavailable

log = logging.getLogger(__name__)

SIGNED_SALT = "servicedesk.sso.saml"
SIGNED_SECONDS = 300
# The usual names of the attributes the desk reads (plain, LDAP's, and the claims URIs of AD FS and Entra ID).
EMAIL = ("email", "mail", "emailAddress", "urn:oid:0.9.2342.19200300.100.1.3",
         "http://schemas.xmlsoap.org/ws/2005/05/identity/claims/emailaddress")
GIVEN_NAME = ("givenName", "given_name", "urn:oid:2.5.4.42",
              "http://schemas.xmlsoap.org/ws/2005/05/identity/claims/givenname")
SURNAME = ("sn", "surname", "family_name", "urn:oid:2.5.4.4",
           "http://schemas.xmlsoap.org/ws/2005/05/identity/claims/surname")


def _config(provider: IdentityProvider, entity_id: str, acs_url: str, *, with_idp: bool = True) -> SPConfig:
    xmlsec = shutil.which("xmlsec1")
    if xmlsec is None:
        log.error("SAML sign-in through %s needs the xmlsec1 program, which is not installed", provider.slug)
        raise unavailable(provider)
    settings = {
        "entityid": entity_id,
        "xmlsec_binary": xmlsec,
        "allow_unknown_attributes": True,
        "service": {"sp": {
            "endpoints": {"assertion_consumer_service": [(acs_url, BINDING_HTTP_POST)]},
            # The request this answers is checked by the callback, in the browser's session.
            "allow_unsolicited": True,
            "authn_requests_signed": False,
            "want_response_signed": False,
            "want_assertions_signed": False,
            "want_assertions_or_response_signed": True,
        }},
    }
    if with_idp:
        settings["metadata"] = {"inline": [fetch_text(provider, provider.issuer)]}
    config = SPConfig()
    try:
        config.load(settings)
    except Exception as error:  # pysaml2 raises many kinds on metadata it cannot read
        log.warning("%s: SAML metadata refused: %s", provider.slug, error)
        raise unavailable(provider) from error
    return config


def metadata(provider: IdentityProvider, entity_id: str, acs_url: str) -> bytes:
    """This desk's service-provider metadata, for the identity provider's administrator."""
    text = create_metadata_string(None, config=_config(provider, entity_id, acs_url, with_idp=False))
    return text if isinstance(text, bytes) else text.encode()


def authorize_url(provider: IdentityProvider, entity_id: str, acs_url: str, flow: dict) -> str:
    client = Saml2Client(_config(provider, entity_id, acs_url))
    try:
        request_id, info = client.prepare_for_authenticate(relay_state=flow["state"], binding=BINDING_HTTP_REDIRECT)
    except Exception as error:  # no single-sign-on service for HTTP-Redirect in the metadata, and the like
        log.warning("%s: no SAML request could be made: %s", provider.slug, error)
        raise unavailable(provider) from error
    flow["request_id"] = request_id
    return dict(info["headers"])["Location"]


def _first(attributes: dict, names: tuple[str, ...]) -> str:
    for name in names:
        values = attributes.get(name)
        if values:
            return str(values[0])
    return ""


def verified(provider: IdentityProvider, entity_id: str, acs_url: str, saml_response: str) -> str:
    """What a posted Response says, verified, signed for the callback; FlowError when it does not verify."""
    client = Saml2Client(_config(provider, entity_id, acs_url))
    try:
        response = client.parse_authn_request_response(saml_response, BINDING_HTTP_POST)
        if response is None or not response.in_response_to:
            raise ValueError("no response, or one that answers no request")
        attributes = response.get_identity()
        subject = response.name_id.text
    except Exception as error:  # pysaml2 refuses a bad response with many kinds of error
        log.warning("%s: SAML response refused: %s", provider.slug, error)
        raise FlowError(_("The answer from %(provider)s could not be verified, so nobody was signed in. Please "
                          "sign in again.") % {"provider": provider.name}) from error
    email = _first(attributes, EMAIL)
    profile = Profile(subject=subject, email=email, email_verified=bool(email),
                      first_name=_first(attributes, GIVEN_NAME), last_name=_first(attributes, SURNAME),
                      claims=attributes)
    return signing.dumps({"profile": dataclasses.asdict(profile), "request": response.in_response_to},
                         salt=SIGNED_SALT, compress=True)


def profile(provider: IdentityProvider, signed: str, flow: dict) -> Profile:
    """The verified answer the ACS handed on, if it answers this browser's request."""
    try:
        said = signing.loads(signed, salt=SIGNED_SALT, max_age=SIGNED_SECONDS)
    except signing.BadSignature as error:
        raise not_this_browser() from error
    if said["request"] != flow.get("request_id"):
        raise not_this_browser()
    return Profile(**said["profile"])
