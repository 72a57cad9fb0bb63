"""A person's second factors: one authenticator app (TOTP), passkeys (WebAuthn credentials), and single-use
recovery codes, kept only as keyed digests."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class TotpDevice(models.Model):
    user = models.OneToOneField(settings.AUTH_USER_MODEL, verbose_name=_("person"), on_delete=models.CASCADE,
                                related_name="totp_device")
    secret = models.CharField(_("secret"), max_length=64)
    # The last 30-second step a code was accepted for: a code seen once is refused afterwards (RFC 6238 §5.2).
    last_step = models.BigIntegerField(default=0, editable=False)
    created_at = models.DateTimeField(_("added"), auto_now_add=True)

    audit_masked = ("secret",)

    class Meta:
        verbose_name = _("authenticator app")
        verbose_name_plural = _("authenticator apps")

    def __str__(self) -> str:
        return str(_("Authenticator app"))


class Passkey(models.Model):
    user = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("person"), on_delete=models.CASCADE,
                             related_name="passkeys")
    name = models.CharField(_("name"), max_length=100)
    credential_id = models.BinaryField(_("credential id"), max_length=1023)
    public_key = models.BinaryField(_("public key"), max_length=4096)
    sign_count = models.BigIntegerField(default=0, editable=False)
    created_at = models.DateTimeField(_("added"), auto_now_add=True)
    last_used_at = models.DateTimeField(_("last used"), null=True, blank=True, editable=False)

    audit_exclude = ("credential_id", "public_key")

    class Meta:
        verbose_name = _("passkey")
        verbose_name_plural = _("passkeys")
        constraints = [models.UniqueConstraint(fields=["credential_id"], name="mfa_passkey_credential_unique")]

    def __str__(self) -> str:
        return self.name


class RecoveryCode(models.Model):
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="recovery_codes")
    # A keyed SHA-256 of the code: the codes are random enough that a slow hash adds nothing, and a digest can
    # be looked up.
    digest = models.CharField(max_length=64)
    used_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["user", "digest"], name="mfa_recovery_code_unique")]

    def __str__(self) -> str:
        return str(_("Recovery code"))
