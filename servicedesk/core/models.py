from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy


class ReferenceVersion(models.Model):
    """One row: a counter bumped in the same transaction as any change to cached reference data
    (core.refdata), so every process sees the change with its commit, whatever cache it uses."""

    value = models.BigIntegerField(default=0)

    def __str__(self) -> str:
        return str(self.value)


class AuditEntry(models.Model):
    """One line of the audit trail (core.audit): who changed which object, when, through which channel,
    which field, old and new. Append-only: written once in the changing transaction, never edited."""

    class Channel(models.TextChoices):
        CONSOLE = "console", _("Agent console")
        PORTAL = "portal", _("Web portal")
        API = "api", _("API")
        EMAIL = "email", _("Email")
        PHONE = "phone", _("Phone")
        MONITORING = "monitoring", _("Monitoring")
        ADMIN = "admin", _("Administration")
        COMMAND = "command", _("Command on the server")
        SYSTEM = "system", _("System")
        SSO = "sso", _("Single sign-on")
        DIRECTORY = "directory", _("Directory (LDAP)")

    class Action(models.TextChoices):
        # Verbs here; "created" and "changed" elsewhere name dates.
        CREATED = "created", pgettext_lazy("audit action", "created")
        CHANGED = "changed", pgettext_lazy("audit action", "changed")
        DELETED = "deleted", pgettext_lazy("audit action", "deleted")

    at = models.DateTimeField(_("when"), default=timezone.now)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("by"), null=True, blank=True,
                              on_delete=models.SET_NULL, related_name="+")
    # The actor's name when it happened: the trail still says who after the person is removed.
    actor_name = models.CharField(_("by (name)"), max_length=150)
    channel = models.CharField(_("channel"), max_length=16, choices=Channel.choices)
    content_type = models.ForeignKey(ContentType, verbose_name=_("kind of object"), on_delete=models.PROTECT,
                                     related_name="+")
    object_id = models.CharField(_("object id"), max_length=64)
    object_repr = models.CharField(_("object"), max_length=200)
    # created / changed / deleted, or a domain's own event code (e.g. "token_issued").
    action = models.CharField(_("action"), max_length=32)
    field = models.CharField(_("field"), max_length=64, blank=True)
    old_value = models.TextField(_("old value"), blank=True)
    new_value = models.TextField(_("new value"), blank=True)
    note = models.CharField(_("note"), max_length=500, blank=True)

    class Meta:
        verbose_name = _("audit entry")
        verbose_name_plural = _("audit trail")
        ordering = ["-at", "-id"]
        indexes = [
            models.Index(fields=["content_type", "object_id", "at"], name="audit_object_time"),
            models.Index(fields=["actor", "at"], name="audit_actor_time"),
            models.Index(fields=["at"], name="audit_time"),
        ]

    def __str__(self) -> str:
        what = f"{self.object_repr}.{self.field}" if self.field else self.object_repr
        return f"{self.at:%Y-%m-%d %H:%M} {self.actor_name} {self.action} {what}"

    def save(self, *args, **kwargs):
        if self.pk is not None and not kwargs.get("force_insert"):
            raise ValueError("audit entries are append-only")
        super().save(*args, **kwargs)
