"""Every change to a person's second factors, one function each (docs/architecture.md's shape): enrol and
remove an authenticator app, register and remove a passkey, make new recovery codes, check a code or a
passkey at sign-in, and an administrator's reset. Each records an event on the person's audit trail
(core.audit); so does every wrong code, and too many of them within five minutes make the person wait
(core.ratelimit)."""

from __future__ import annotations

import secrets
import time

import pyotp
from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.crypto import constant_time_compare, salted_hmac
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext
from webauthn import verify_authentication_response
from webauthn.helpers import base64url_to_bytes
from webauthn.helpers.exceptions import WebAuthnException

from servicedesk.accounts.models import Role, User
from servicedesk.core import audit
from servicedesk.core.errors import ActionError, NotAllowed, NotFound
from servicedesk.core.ratelimit import Limit

from .models import Passkey, RecoveryCode, TotpDevice

audit.register_events([
    ("mfa_enrolled", gettext_lazy("second factor added")),
    ("mfa_removed", gettext_lazy("second factor removed")),
    ("mfa_reset", gettext_lazy("second factors reset")),
    ("mfa_failed", gettext_lazy("wrong second-factor code")),
    ("mfa_locked", gettext_lazy("second factor locked after wrong codes")),
    ("recovery_codes_generated", gettext_lazy("recovery codes made")),
    ("recovery_code_used", gettext_lazy("recovery code used")),
])

RECOVERY_CODE_COUNT = 10
# 32 letters and digits without the look-alikes (0/o, 1/l/i): 8 of them are 40 bits, for a code used once.
RECOVERY_ALPHABET = "abcdefghjkmnpqrstuvwxyz23456789"
STEP = 30


class TooManyAttempts(ActionError):
    status_code = 429


def failure_limit() -> Limit:
    return Limit("mfa-failures", settings.SERVICEDESK_MFA_FAILURE_LIMIT, 300)


def is_required(user: User) -> bool:
    return user.role in settings.SERVICEDESK_MFA_REQUIRED_ROLES


def has_second_factor(user: User) -> bool:
    return TotpDevice.objects.filter(user=user).exists() or Passkey.objects.filter(user=user).exists()


def _own(user: User, actor: User) -> None:
    if actor.pk != user.pk:
        raise NotAllowed(_("Only the person themselves may change their second factors."))


def _recovery_digest(code: str) -> str:
    return salted_hmac("servicedesk.mfa.recovery", code, algorithm="sha256").hexdigest()


def _normalised(code: str) -> str:
    return "".join(code.split()).replace("-", "").lower()


def new_totp_secret() -> str:
    return pyotp.random_base32()


def totp_uri(user: User, secret: str) -> str:
    issuer = settings.SERVICEDESK_NAME or _("Service Desk")
    return pyotp.TOTP(secret).provisioning_uri(name=user.username, issuer_name=issuer)


def _matching_step(secret: str, code: str, now: float) -> int | None:
    """The time step `code` is the code of, allowing one step of clock drift either way."""
    code = _normalised(code)
    totp = pyotp.TOTP(secret)
    current = int(now // STEP)
    for step in (current, current - 1, current + 1):
        if constant_time_compare(totp.generate_otp(step), code):
            return step
    return None


def _check_not_locked(user: User) -> None:
    wait = failure_limit().retry_after(str(user.pk))
    if wait:
        raise TooManyAttempts(ngettext(
            "Too many wrong codes: try again in %(seconds)d second.",
            "Too many wrong codes: try again in %(seconds)d seconds.", wait) % {"seconds": wait})


def _refuse(user: User, *, channel: str, note: str, message: str) -> ActionError:
    """Count and record a wrong code; the error to raise (after this, outside any transaction of the caller's
    that the refusal would roll back)."""
    limit = failure_limit()
    limit.hit(str(user.pk))
    with transaction.atomic():
        audit.record_event(user, "mfa_failed", actor=user, channel=channel, note=note)
        if limit.retry_after(str(user.pk)):
            audit.record_event(user, "mfa_locked", actor=user, channel=channel)
    return ActionError(message)


def enrol_totp(user: User, *, secret: str, code: str, actor: User, channel: str) -> TotpDevice:
    """Add the authenticator app whose secret the person was shown, once they type a code it made."""
    _own(user, actor)
    _check_not_locked(user)
    step = _matching_step(secret, code, time.time())
    if step is None:
        raise _refuse(user, channel=channel, note="totp enrolment",
                      message=_("That code is not right: check the time on your phone and type the current code."))
    with transaction.atomic():
        if TotpDevice.objects.select_for_update().filter(user=user).exists():
            raise ActionError(_("You already have an authenticator app; remove it first to add another."))
        device = TotpDevice.objects.create(user=user, secret=secret, last_step=step)
        audit.record_event(user, "mfa_enrolled", actor=actor, channel=channel, note="totp")
    return device


def remove_totp(user: User, *, actor: User, channel: str) -> None:
    _own(user, actor)
    with transaction.atomic():
        deleted, _rows = TotpDevice.objects.filter(user=user).delete()
        if not deleted:
            raise NotFound(_("You have no authenticator app."))
        audit.record_event(user, "mfa_removed", actor=actor, channel=channel, note="totp")


def register_passkey(user: User, *, name: str, credential_id: bytes, public_key: bytes, sign_count: int,
                     actor: User, channel: str) -> Passkey:
    """Keep a passkey whose registration the browser made and passkeys.verify_registration checked."""
    _own(user, actor)
    name = name.strip()[:100] or _("Passkey")
    with transaction.atomic():
        if Passkey.objects.filter(credential_id=credential_id).exists():
            raise ActionError(_("This passkey is registered already."))
        passkey = Passkey.objects.create(user=user, name=name, credential_id=credential_id, public_key=public_key,
                                         sign_count=sign_count)
        audit.record_event(user, "mfa_enrolled", actor=actor, channel=channel, note=f"passkey: {name}")
    return passkey


def remove_passkey(user: User, passkey_id: int, *, actor: User, channel: str) -> None:
    _own(user, actor)
    with transaction.atomic():
        passkey = Passkey.objects.filter(user=user, pk=passkey_id).first()
        if passkey is None:
            raise NotFound(_("There is no such passkey."))
        passkey.delete()
        audit.record_event(user, "mfa_removed", actor=actor, channel=channel, note=f"passkey: {passkey.name}")


def generate_recovery_codes(user: User, *, actor: User, channel: str) -> list[str]:
    """Ten new single-use codes, replacing any earlier ones; returned once, kept only as digests."""
    _own(user, actor)
    codes = ["".join(secrets.choice(RECOVERY_ALPHABET) for _i in range(8)) for _n in range(RECOVERY_CODE_COUNT)]
    with transaction.atomic():
        RecoveryCode.objects.filter(user=user).delete()
        RecoveryCode.objects.bulk_create([RecoveryCode(user=user, digest=_recovery_digest(code)) for code in codes])
        audit.record_event(user, "recovery_codes_generated", actor=actor, channel=channel)
    return [f"{code[:4]}-{code[4:]}" for code in codes]


def recovery_codes_left(user: User) -> int:
    return RecoveryCode.objects.filter(user=user, used_at__isnull=True).count()


def verify_code(user: User, code: str, *, channel: str) -> str:
    """Check a code from the person's authenticator app or one of their recovery codes at sign-in; "totp" or
    "recovery" for the one it was. A code is accepted once."""
    _check_not_locked(user)
    device = TotpDevice.objects.filter(user=user).first()
    step = _matching_step(device.secret, code, time.time()) if device else None
    # Conditional: of two requests with one code, only one moves the step on.
    if step is not None and TotpDevice.objects.filter(pk=device.pk, last_step__lt=step).update(last_step=step):
        return "totp"
    with transaction.atomic():
        used = RecoveryCode.objects.filter(user=user, digest=_recovery_digest(_normalised(code)),
                                           used_at__isnull=True).update(used_at=timezone.now())
        if used:
            audit.record_event(user, "recovery_code_used", actor=user, channel=channel)
            return "recovery"
    raise _refuse(user, channel=channel, note="code", message=_("That code is not right, or was used already."))


def verify_passkey(user: User, credential: dict | str, *, challenge: bytes, rp_id: str, origin: str,
                   channel: str) -> Passkey:
    """Check a passkey's answer to the challenge the desk gave; moves its signature counter on."""
    _check_not_locked(user)
    raw_id = credential.get("rawId", "") if isinstance(credential, dict) else ""
    try:
        passkey = Passkey.objects.get(user=user, credential_id=base64url_to_bytes(raw_id))
        verified = verify_authentication_response(
            credential=credential, expected_challenge=challenge, expected_rp_id=rp_id, expected_origin=origin,
            credential_public_key=bytes(passkey.public_key), credential_current_sign_count=passkey.sign_count)
    except (Passkey.DoesNotExist, WebAuthnException, ValueError, TypeError) as exc:
        raise _refuse(user, channel=channel, note=f"passkey: {exc.__class__.__name__}",
                      message=_("The passkey was not accepted.")) from None
    Passkey.objects.filter(pk=passkey.pk).update(sign_count=verified.new_sign_count, last_used_at=timezone.now())
    return passkey


def reset_devices(user: User, *, actor: User, channel: str) -> int:
    """Remove every second factor of a person who lost theirs (administrators, and the system identity for a
    command on the server): they sign in with their password and enrol again. The number removed."""
    if not (actor.role == Role.ADMIN or actor.is_system_identity):
        raise NotAllowed(_("Only administrators may reset a person's second factors."))
    with transaction.atomic():
        removed = TotpDevice.objects.filter(user=user).delete()[0] + Passkey.objects.filter(user=user).delete()[0]
        RecoveryCode.objects.filter(user=user).delete()
        audit.record_event(user, "mfa_reset", actor=actor, channel=channel,
                           note=ngettext("%(count)d second factor removed", "%(count)d second factors removed",
                                         removed) % {"count": removed})
    return removed


def personal_data(user: User) -> dict:
    """What the personal-data export shows of a person's second factors: never a secret or a key."""
    totp = TotpDevice.objects.filter(user=user).first()
    return {
        "authenticator_app_added": totp.created_at.isoformat() if totp else None,
        "passkeys": [{"name": p.name, "added": p.created_at.isoformat(),
                      "last_used": p.last_used_at.isoformat() if p.last_used_at else None}
                     for p in Passkey.objects.filter(user=user).order_by("created_at")],
        "unused_recovery_codes": recovery_codes_left(user),
    }


def erase_personal_data(user: User) -> None:
    """Part of a person's erasure (servicedesk.people), which records it: every factor and code goes."""
    TotpDevice.objects.filter(user=user).delete()
    Passkey.objects.filter(user=user).delete()
    RecoveryCode.objects.filter(user=user).delete()
