"""A major incident (重大事件): the declaration kept beside its incident ticket (the ticket itself is not
changed), the major-incident contact table (重大情况联系表) and the pages sent to its contacts."""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from servicedesk.accounts.models import Group
from servicedesk.announcements.models import Announcement
from servicedesk.tickets.models import Category, Service, Ticket


class State(models.TextChoices):
    ACTIVE = "active", _("Ongoing")
    STOOD_DOWN = "stood_down", _("Stood down")
    RESOLVED = "resolved", _("Resolved")


class MajorIncident(models.Model):
    """An incident ticket declared major. One row per ticket: declaring it again after a stand-down
    makes the same row active again (its audit trail keeps every declaration)."""

    ticket = models.OneToOneField(Ticket, verbose_name=_("ticket"), on_delete=models.CASCADE,
                                  related_name="major_incident")
    state = models.CharField(_("state"), max_length=16, choices=State.choices, default=State.ACTIVE, db_index=True)
    reason = models.TextField(_("reason"))
    declared_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("declared by"),
                                    on_delete=models.PROTECT, related_name="+")
    declared_at = models.DateTimeField(_("declared"), default=timezone.now)
    ended_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("resolved or stood down by"), null=True,
                                 blank=True, on_delete=models.PROTECT, related_name="+")
    ended_at = models.DateTimeField(_("resolved or stood down"), null=True, blank=True)
    end_note = models.TextField(_("resolution or reason for standing down"), blank=True)
    announcement = models.ForeignKey(Announcement, verbose_name=_("service notice"), null=True, blank=True,
                                     on_delete=models.SET_NULL, related_name="+")
    version = models.PositiveIntegerField(_("version"), default=1)

    audit_exclude = ("version",)

    class Meta:
        verbose_name = _("major incident")
        verbose_name_plural = _("major incidents")
        ordering = ["-declared_at", "-id"]

    def __str__(self) -> str:
        return self.ticket.number

    @property
    def is_active(self) -> bool:
        return self.state == State.ACTIVE


class ContactChannel(models.TextChoices):
    EMAIL = "email", _("E-mail")
    CHAT = "chat", _("Chat")
    PHONE = "phone", _("Phone (call this number)")


class Contact(models.Model):
    """One line of the major-incident contact table: whom to reach for a service or a category (neither: the
    desk-wide default list), by which channel, in which order, within how many minutes. Lines of the same
    order are paged together; the next order is paged when none of them acknowledged in time."""

    service = models.ForeignKey(Service, verbose_name=_("service"), null=True, blank=True, on_delete=models.CASCADE,
                                related_name="+")
    category = models.ForeignKey(Category, verbose_name=_("category"), null=True, blank=True,
                                 on_delete=models.CASCADE, related_name="+")
    order = models.PositiveSmallIntegerField(_("order"), default=1)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("person"), null=True, blank=True,
                             on_delete=models.CASCADE, related_name="+")
    group = models.ForeignKey(Group, verbose_name=_("group"), null=True, blank=True, on_delete=models.CASCADE,
                              related_name="+")
    name = models.CharField(_("name (someone outside the desk)"), max_length=200, blank=True)
    phone = models.CharField(_("phone"), max_length=50, blank=True)
    email = models.EmailField(_("e-mail"), blank=True)
    channel = models.CharField(_("channel"), max_length=8, choices=ContactChannel.choices,
                               default=ContactChannel.EMAIL)
    respond_within = models.PositiveIntegerField(_("respond within (minutes)"), default=15)
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("major-incident contact")
        verbose_name_plural = _("major-incident contact table")
        ordering = ["service__name", "category_id", "order", "id"]
        constraints = [
            models.CheckConstraint(condition=Q(service__isnull=True) | Q(category__isnull=True),
                                   name="major_contact_service_or_category"),
        ]

    def __str__(self) -> str:
        return f"{self.scope_label}: {self.who}"

    @property
    def scope_label(self) -> str:
        if self.category_id:
            return str(self.category)
        if self.service_id:
            return str(self.service)
        return str(_("Desk-wide default"))

    @property
    def who(self) -> str:
        if self.user_id:
            return self.user.display_name
        if self.group_id:
            return self.group.local_name
        return self.name

    def clean(self):
        people = [self.user_id is not None, self.group_id is not None, bool(self.name.strip())]
        if sum(people) != 1:
            raise ValidationError(_("Name one contact: a person, a group, or someone outside the desk."))
        if self.service_id and self.category_id:
            raise ValidationError(_("A contact is for a service or for a category, not both."))
        if self.name.strip() and self.channel == ContactChannel.EMAIL and not self.email:
            raise ValidationError({"email": _("An e-mail contact needs an e-mail address.")})
        if self.name.strip() and self.channel == ContactChannel.PHONE and not self.phone:
            raise ValidationError({"phone": _("A phone contact needs a phone number.")})


class AckVia(models.TextChoices):
    LINK = "link", _("the link in the page")
    CONSOLE = "console", _("the console")
    API = "api", _("the API")


class Page(models.Model):
    """One contact paged for one major incident: who, how, when, and their acknowledgement. The contact's
    details are copied: the review reads what was sent, whatever the table says later."""

    major = models.ForeignKey(MajorIncident, verbose_name=_("major incident"), on_delete=models.CASCADE,
                              related_name="pages")
    contact = models.ForeignKey(Contact, verbose_name=_("contact"), null=True, blank=True, on_delete=models.SET_NULL,
                                related_name="+")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("person"), null=True, blank=True,
                             on_delete=models.SET_NULL, related_name="+")
    name = models.CharField(_("name"), max_length=200)
    address = models.CharField(_("address"), max_length=320, blank=True)
    phone = models.CharField(_("phone"), max_length=50, blank=True)
    channel = models.CharField(_("channel"), max_length=8, choices=ContactChannel.choices)
    order = models.PositiveSmallIntegerField(_("order"))
    language = models.CharField(_("language"), max_length=10)
    sent_at = models.DateTimeField(_("sent"), default=timezone.now)
    due_at = models.DateTimeField(_("acknowledgement due"))
    acknowledged_at = models.DateTimeField(_("acknowledged"), null=True, blank=True)
    acknowledged_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("acknowledged by"), null=True,
                                        blank=True, on_delete=models.SET_NULL, related_name="+")
    acknowledged_via = models.CharField(_("acknowledged through"), max_length=8, choices=AckVia.choices, blank=True)
    escalated = models.BooleanField(_("escalated"), default=False)
    escalated_at = models.DateTimeField(_("escalated at"), null=True, blank=True)

    class Meta:
        verbose_name = _("page")
        verbose_name_plural = _("pages")
        ordering = ["sent_at", "order", "id"]
        indexes = [models.Index(fields=["escalated", "acknowledged_at", "due_at"], name="major_page_due")]

    def __str__(self) -> str:
        return f"{self.major_id} → {self.name}"

    @property
    def source_key(self) -> str:
        """The outbox key of this page's mail: one mail per page, however often it is planned."""
        return f"major-page:{self.pk}"
