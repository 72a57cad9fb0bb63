"""What the desk keeps about the directory: which account is which directory entry, and each sync."""

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class DirectoryLink(models.Model):
    """A desk account that comes from the directory: its entry's DN and, where the directory has one, its
    unchanging id (entryUUID, objectGUID), which still finds the person after a rename or a move."""

    user = models.OneToOneField(settings.AUTH_USER_MODEL, verbose_name=_("user"), on_delete=models.CASCADE,
                                related_name="directory_link")
    dn = models.CharField(_("distinguished name"), max_length=1000)
    guid = models.CharField(_("directory id"), max_length=100, blank=True, db_index=True)
    # Only an account the directory disabled is enabled again by it: one an administrator disabled stays so.
    deactivated_by_directory = models.BooleanField(_("deactivated by the directory"), default=False)
    synced_at = models.DateTimeField(_("last read from the directory"), null=True, blank=True)

    class Meta:
        verbose_name = _("directory link")
        verbose_name_plural = _("directory links")

    def __str__(self) -> str:
        return self.dn


class SyncRun(models.Model):
    """One sync of the people from the directory: when, what it did, what went wrong."""

    started_at = models.DateTimeField(_("started"), default=timezone.now)
    finished_at = models.DateTimeField(_("finished"), null=True, blank=True)
    succeeded = models.BooleanField(_("succeeded"), default=False)
    created = models.PositiveIntegerField(_("people created"), default=0)
    updated = models.PositiveIntegerField(_("people updated"), default=0)
    deactivated = models.PositiveIntegerField(_("people deactivated"), default=0)
    reactivated = models.PositiveIntegerField(_("people reactivated"), default=0)
    unchanged = models.PositiveIntegerField(_("people unchanged"), default=0)
    errors = models.TextField(_("errors"), blank=True)

    class Meta:
        verbose_name = _("directory sync")
        verbose_name_plural = _("directory syncs")
        ordering = ["-started_at", "-id"]

    def __str__(self) -> str:
        return f"{self.started_at:%Y-%m-%d %H:%M}"
