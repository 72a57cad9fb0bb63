"""What a session knows of its second factor, under one key: "verified" (a code or passkey was given, or a
factor was just enrolled) or "none" (the person had no second factor and needed none when first seen). A new
sign-in forgets it (signals.py)."""

from django.conf import settings

STATE = "sd_mfa"
SIGNED_IN_WITH = "sd_signed_in_with"
# Sign-ins through an identity provider, which did its own second factor (IDENTITY.md §5).
PROVIDER_PREFIXES = ("oidc:", "saml:")
PROVIDERS = frozenset({"wecom", "dingtalk", "feishu"})


def is_verified(request) -> bool:
    return request.session.get(STATE) == "verified"


def mark_verified(request) -> None:
    # A new session key: one taken before the second factor is of no use after it.
    request.session.cycle_key()
    request.session[STATE] = "verified"


def trusted_provider(request) -> bool:
    how = request.session.get(SIGNED_IN_WITH, "")
    return settings.SERVICEDESK_MFA_TRUST_SSO and (how.startswith(PROVIDER_PREFIXES) or how in PROVIDERS)
