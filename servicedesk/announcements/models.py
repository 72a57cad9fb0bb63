"""Service notices (公告 / 服务通告), who subscribed to them, and the tickets that report what they announce."""

from __future__ import annotations

import datetime

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from servicedesk.accounts.models import Organisation
from servicedesk.tickets.models import Service, Ticket


class Kind(models.TextChoices):
    OUTAGE = "outage", _("Outage")
    DEGRADATION = "degradation", _("Degradation")
    PLANNED_CHANGE = "planned_change", _("Planned change")
    INFORMATION = "information", _("Information")


# Kinds a customer reporting a problem with the service is shown before they file it.
DISRUPTIONS = frozenset({Kind.OUTAGE, Kind.DEGRADATION})


class Phase(models.TextChoices):
    """Derived from the times, never stored: a notice is planned, current or ended as the clock moves."""

    PLANNED = "planned", _("Planned")
    CURRENT = "current", _("Current")
    ENDED = "ended", _("Ended")


class Announcement(models.Model):
    kind = models.CharField(_("kind"), max_length=16, choices=Kind.choices, default=Kind.INFORMATION)
    title = models.CharField(_("title"), max_length=200)
    title_zh = models.CharField(_("title (Chinese)"), max_length=200, blank=True)
    body = models.TextField(_("text"), blank=True)
    body_zh = models.TextField(_("text (Chinese)"), blank=True)
    starts_at = models.DateTimeField(_("start"), db_index=True)
    ends_at = models.DateTimeField(_("end"), null=True, blank=True, db_index=True)
    resolved_early = models.BooleanField(_("resolved early"), default=False)
    services = models.ManyToManyField(Service, verbose_name=_("affected services"), blank=True, related_name="+")
    organisations = models.ManyToManyField(
        Organisation, verbose_name=_("affected organisations"), blank=True, related_name="+",
        help_text=_("None: everyone is affected."))
    public = models.BooleanField(_("public"), default=False,
                                 help_text=_("Shown on the status page to visitors who are not signed in."))
    version = models.PositiveIntegerField(_("version"), default=1)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("created by"), on_delete=models.PROTECT,
                                   related_name="+")
    created_at = models.DateTimeField(_("created"), default=timezone.now)
    updated_at = models.DateTimeField(_("updated"), default=timezone.now)
    email_sent_at = models.DateTimeField(_("e-mail sent"), null=True, blank=True)
    # The version the affected customers were last told of: a resend needs a later one (a material update).
    email_version = models.PositiveIntegerField(_("e-mail sent for version"), null=True, blank=True)

    audit_exclude = ("version", "created_at", "email_version")

    class Meta:
        verbose_name = _("announcement")
        verbose_name_plural = _("announcements")
        ordering = ["-starts_at", "-id"]

    def __str__(self) -> str:
        return self.title

    def phase(self, now: datetime.datetime | None = None) -> str:
        now = now or timezone.now()
        if self.ends_at is not None and self.ends_at <= now:
            return Phase.ENDED
        return Phase.CURRENT if self.starts_at <= now else Phase.PLANNED

    def shown_title(self) -> str:
        """The title in the reader's language: the Chinese one for Chinese readers when there is one."""
        return self.title_zh if self.title_zh and (get_language() or "").startswith("zh") else self.title

    def shown_body(self) -> str:
        return self.body_zh if self.body_zh and (get_language() or "").startswith("zh") else self.body


class Subscription(models.Model):
    """A customer who asked to be told when the notice is updated or ends (instead of filing a ticket)."""

    announcement = models.ForeignKey(Announcement, on_delete=models.CASCADE, related_name="subscriptions")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    created_at = models.DateTimeField(_("subscribed"), default=timezone.now)

    class Meta:
        verbose_name = _("subscription")
        verbose_name_plural = _("subscriptions")
        constraints = [models.UniqueConstraint(fields=["announcement", "user"], name="announcement_subscription_once")]

    def __str__(self) -> str:
        return f"{self.user_id} → {self.announcement_id}"


class TicketAnnouncement(models.Model):
    """A ticket that reports what a notice announces (the customer's request page shows the notice)."""

    announcement = models.ForeignKey(Announcement, on_delete=models.CASCADE, related_name="ticket_links")
    ticket = models.ForeignKey(Ticket, on_delete=models.CASCADE, related_name="announcement_links")
    linked_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    linked_at = models.DateTimeField(_("linked"), default=timezone.now)

    class Meta:
        verbose_name = _("ticket linked to an announcement")
        verbose_name_plural = _("tickets linked to announcements")
        constraints = [models.UniqueConstraint(fields=["announcement", "ticket"], name="announcement_ticket_once")]

    def __str__(self) -> str:
        return f"{self.ticket_id} → {self.announcement_id}"
