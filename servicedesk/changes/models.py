"""Changes (变更): a change request is a ticket of type CHANGE_REQUEST with its change record beside it (the
kind, risk, planned window, services and steps, and the change's own states), the standard changes an
administrator pre-approves, the freeze windows no change should fall into, and which approval policy normal
and emergency changes go through."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from servicedesk.announcements.models import Announcement
from servicedesk.tickets.models import Level, Service, Ticket, localized_name


class Kind(models.TextChoices):
    STANDARD = "standard", pgettext_lazy("change", "Standard")
    NORMAL = "normal", pgettext_lazy("change", "Normal")
    EMERGENCY = "emergency", pgettext_lazy("change", "Emergency")


class State(models.TextChoices):
    DRAFT = "draft", _("Draft")
    AWAITING_APPROVAL = "awaiting_approval", pgettext_lazy("change", "Awaiting approval")
    SCHEDULED = "scheduled", pgettext_lazy("change", "Scheduled")
    IMPLEMENTING = "implementing", pgettext_lazy("change", "Implementing")
    REVIEW = "review", _("In review")
    CLOSED = "closed", _("Closed")
    REJECTED = "rejected", pgettext_lazy("change", "Rejected")
    CANCELLED = "cancelled", pgettext_lazy("change", "Cancelled")


# A change in these states holds its window: it is on the calendar and conflicts with others.
ON_CALENDAR = (State.SCHEDULED, State.IMPLEMENTING, State.REVIEW, State.CLOSED)
# …and these may still be carried out in it, so another change on the same item in the window collides.
HOLDING = (State.AWAITING_APPROVAL, State.SCHEDULED, State.IMPLEMENTING)


class StandardChange(models.Model):
    """A pre-approved change (标准变更): done often, low risk, always the same steps. A change made from it
    skips approval."""

    name = models.CharField(_("name"), max_length=200)
    name_zh = models.CharField(_("name (Chinese)"), max_length=200, blank=True)
    description = models.TextField(_("description"), blank=True)
    risk = models.PositiveSmallIntegerField(pgettext_lazy("change", "risk"), choices=Level.choices, default=Level.LOW)
    impact = models.PositiveSmallIntegerField(_("impact"), choices=Level.choices, default=Level.LOW)
    implementation = models.TextField(_("implementation steps"), blank=True)
    backout = models.TextField(_("back-out steps"), blank=True)
    review = models.TextField(_("review steps"), blank=True)
    services = models.ManyToManyField(Service, verbose_name=_("affected services"), blank=True, related_name="+")
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("standard change")
        verbose_name_plural = _("standard changes")
        ordering = ["name"]

    def __str__(self) -> str:
        return localized_name(self)


class FreezeWindow(models.Model):
    """A time no change should be carried out in (year-end closing, a launch): changes planned into it are
    flagged."""

    reason = models.CharField(_("reason"), max_length=200)
    reason_zh = models.CharField(_("reason (Chinese)"), max_length=200, blank=True)
    starts_at = models.DateTimeField(_("start"), db_index=True)
    ends_at = models.DateTimeField(_("end"), db_index=True)

    class Meta:
        verbose_name = _("change freeze")
        verbose_name_plural = _("change freezes")
        ordering = ["starts_at", "id"]
        constraints = [models.CheckConstraint(condition=Q(ends_at__gt=models.F("starts_at")),
                                              name="change_freeze_ends_after_start")]

    def __str__(self) -> str:
        return self.shown_reason()

    def shown_reason(self) -> str:
        from django.utils.translation import get_language

        return self.reason_zh if self.reason_zh and (get_language() or "").startswith("zh") else self.reason


class ApprovalRoute(models.Model):
    """Which approval policy normal changes, and which emergency changes, are approved by."""

    kind = models.CharField(_("kind of change"), max_length=16, unique=True,
                            choices=[(Kind.NORMAL, Kind.NORMAL.label), (Kind.EMERGENCY, Kind.EMERGENCY.label)])
    policy = models.ForeignKey("approvals.ApprovalPolicy", verbose_name=pgettext_lazy("change", "approval policy"),
                               on_delete=models.PROTECT, related_name="+")

    class Meta:
        verbose_name = _("change approval policy")
        verbose_name_plural = _("change approval policies")
        ordering = ["kind"]

    def __str__(self) -> str:
        return f"{self.get_kind_display()}: {self.policy}"


class ChangeRecord(models.Model):
    ticket = models.OneToOneField(Ticket, verbose_name=_("ticket"), on_delete=models.CASCADE, related_name="change")
    kind = models.CharField(_("kind"), max_length=16, choices=Kind.choices, default=Kind.NORMAL)
    template = models.ForeignKey(StandardChange, verbose_name=_("standard change"), null=True, blank=True,
                                 on_delete=models.PROTECT, related_name="changes")
    state = models.CharField(_("state"), max_length=20, choices=State.choices, default=State.DRAFT, db_index=True)
    risk = models.PositiveSmallIntegerField(pgettext_lazy("change", "risk"), choices=Level.choices,
                                            default=Level.MEDIUM)
    impact = models.PositiveSmallIntegerField(_("impact"), choices=Level.choices, default=Level.MEDIUM)
    planned_start = models.DateTimeField(_("planned start"), null=True, blank=True)
    planned_end = models.DateTimeField(_("planned end"), null=True, blank=True)
    services = models.ManyToManyField(Service, verbose_name=_("affected services"), blank=True, related_name="+")
    implementation = models.TextField(_("implementation steps"), blank=True)
    backout = models.TextField(_("back-out steps"), blank=True)
    review = models.TextField(_("review steps"), blank=True)
    outcome = models.TextField(pgettext_lazy("change", "outcome"), blank=True)
    approval = models.ForeignKey("approvals.ApprovalRequest", verbose_name=pgettext_lazy("change", "approval"),
                                 null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    announcement = models.ForeignKey(Announcement, verbose_name=_("service notice"), null=True, blank=True,
                                     on_delete=models.SET_NULL, related_name="+")
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("raised by"), on_delete=models.PROTECT,
                                   related_name="+")
    created_at = models.DateTimeField(_("created"), default=timezone.now)
    updated_at = models.DateTimeField(_("updated"), default=timezone.now)
    version = models.PositiveIntegerField(_("version"), default=1)

    audit_exclude = ("version", "created_at", "updated_at")

    class Meta:
        verbose_name = pgettext_lazy("change", "change")
        verbose_name_plural = pgettext_lazy("change", "changes")
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["state", "planned_start", "planned_end"], name="change_calendar")]

    def __str__(self) -> str:
        return self.ticket.number

    @property
    def has_window(self) -> bool:
        return self.planned_start is not None and self.planned_end is not None
