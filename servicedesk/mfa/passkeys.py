"""The WebAuthn ceremonies' server side (the `webauthn` library): the options a browser needs to make or use a
passkey, with a fresh challenge kept in the session, and the check of a new passkey's registration. The
relying party is the desk's host (SERVICEDESK_WEBAUTHN_RP_ID, else the host the request came to): a passkey
works only on the domain it was made for."""

from __future__ import annotations

import json

from django.conf import settings
from webauthn import (
    generate_authentication_options,
    generate_registration_options,
    options_to_json,
    verify_registration_response,
)
from webauthn.helpers import base64url_to_bytes, bytes_to_base64url
from webauthn.helpers.structs import (
    AuthenticatorSelectionCriteria,
    PublicKeyCredentialDescriptor,
    ResidentKeyRequirement,
    UserVerificationRequirement,
)

from .models import Passkey

REGISTRATION = "sd_mfa_passkey_registration"
AUTHENTICATION = "sd_mfa_passkey_authentication"


def rp_id(request) -> str:
    return settings.SERVICEDESK_WEBAUTHN_RP_ID or request.get_host().rsplit(":", 1)[0].strip("[]")


def origin(request) -> str:
    return f"{request.scheme}://{request.get_host()}"


def _descriptors(user) -> list[PublicKeyCredentialDescriptor]:
    return [PublicKeyCredentialDescriptor(id=bytes(credential_id))
            for credential_id in Passkey.objects.filter(user=user).values_list("credential_id", flat=True)]


def registration_options(request) -> str:
    user = request.user
    options = generate_registration_options(
        rp_id=rp_id(request), rp_name=settings.SERVICEDESK_NAME or "Service Desk",
        user_id=str(user.pk).encode(), user_name=user.username, user_display_name=user.display_name,
        exclude_credentials=_descriptors(user),
        authenticator_selection=AuthenticatorSelectionCriteria(
            resident_key=ResidentKeyRequirement.PREFERRED, user_verification=UserVerificationRequirement.PREFERRED))
    request.session[REGISTRATION] = bytes_to_base64url(options.challenge)
    return options_to_json(options)


def verify_registration(request, credential: dict):
    """The checked registration (credential_id, credential_public_key, sign_count); raises the library's
    WebAuthnException (or ValueError for a missing challenge) when it does not hold."""
    challenge = request.session.pop(REGISTRATION, None)
    if not challenge:
        raise ValueError("no registration under way")
    return verify_registration_response(credential=credential, expected_challenge=base64url_to_bytes(challenge),
                                        expected_rp_id=rp_id(request), expected_origin=origin(request))


def authentication_options(request, user) -> str:
    options = generate_authentication_options(rp_id=rp_id(request), allow_credentials=_descriptors(user),
                                              user_verification=UserVerificationRequirement.PREFERRED)
    request.session[AUTHENTICATION] = bytes_to_base64url(options.challenge)
    return options_to_json(options)


def take_authentication_challenge(request) -> bytes | None:
    challenge = request.session.pop(AUTHENTICATION, None)
    return base64url_to_bytes(challenge) if challenge else None


def parse(request) -> dict | None:
    """The JSON object passkeys.js sent, or None for anything else."""
    if request.content_type != "application/json":
        return None
    try:
        value = json.loads(request.body)
    except (ValueError, UnicodeDecodeError):
        return None
    return value if isinstance(value, dict) else None
