"""Notification templates that administrators edit, and the outbox: one row per mail the desk sends."""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from servicedesk.tickets.models import Ticket


class Event(models.TextChoices):
    ACKNOWLEDGEMENT = "acknowledgement", _("Acknowledgement (with the committed response time)")
    SOLVED_ON_CONTACT = "solved_on_contact", _("Recorded and solved at once (first-contact resolution)")
    PUBLIC_REPLY = "public_reply", _("Public reply")
    STATUS_CHANGED = "status_changed", _("Status change")
    RESOLVED = "resolved", _("Resolution (with confirm and reopen links)")
    ASSIGNED_AGENT = "assigned_agent", _("Assignment to an agent")
    ASSIGNED_GROUP = "assigned_group", _("Assignment to a group")
    SLA_WARNING = "sla_warning", _("SLA warning")
    SLA_BREACH = "sla_breach", _("SLA breach")
    FOLLOW_UP_DIGEST = "follow_up_digest", _("Follow-up digest")
    ANNOUNCEMENT = "announcement", _("Service notice (announcement)")
    MAJOR_INCIDENT = "major_incident", _("Major incident page (with the acknowledgement link)")


# Events that a person's words start (not "automatic" in the sense of RFC 3834).
PERSONAL_EVENTS = frozenset({Event.PUBLIC_REPLY})


class NotificationTemplate(models.Model):
    """Replaces the shipped default of one event in one language (Django template syntax)."""

    event = models.CharField(_("event"), max_length=32, choices=Event.choices)
    language = models.CharField(_("language"), max_length=10, choices=settings.LANGUAGES)
    subject = models.CharField(
        _("subject"), max_length=500,
        help_text=_("One line. The ticket number in brackets, e.g. [SD-000123], is added when missing, so "
                    "replies find their ticket."),
    )
    body_text = models.TextField(_("plain text"))
    body_html = models.TextField(
        _("HTML"), blank=True,
        help_text=_("Empty: the plain text is shown in the desk's HTML layout. You may start with "
                    '{% extends "notify/email/base.html" %} and fill {% block content %}.'),
    )
    is_active = models.BooleanField(_("active"), default=True,
                                    help_text=_("An inactive template leaves the shipped default in use."))
    updated_at = models.DateTimeField(_("updated"), default=timezone.now)

    class Meta:
        verbose_name = _("notification template")
        verbose_name_plural = _("notification templates")
        ordering = ["event", "language"]
        constraints = [models.UniqueConstraint(fields=["event", "language"], name="notify_template_unique")]

    def __str__(self) -> str:
        return f"{self.get_event_display()} ({self.get_language_display()})"

    def save(self, *args, **kwargs):
        # Refused here too (not only in the admin form): a template that cannot render must never be
        # stored, or every notification of its event would fail.
        self.clean()
        self.updated_at = timezone.now()
        super().save(*args, **kwargs)

    def clean(self):
        from .rendering import validate_template

        errors = validate_template(self.event, self.language, self.subject, self.body_text, self.body_html)
        if errors:
            raise ValidationError(errors)


class State(models.TextChoices):
    QUEUED = "queued", _("Queued")
    SENDING = "sending", _("Sending")
    SENT = "sent", _("Sent")
    FAILED = "failed", _("Failed")


class OutboundMessage(models.Model):
    """One notification to one address. Its row claims the send: the unique key (event, ticket,
    address, source key) makes a second planning of the same notification a no-op, and the state
    (queued → sending → sent) makes a second send of the same row a no-op."""

    event = models.CharField(_("event"), max_length=32, choices=Event.choices)
    ticket = models.ForeignKey(Ticket, verbose_name=_("ticket"), null=True, blank=True, on_delete=models.CASCADE,
                               related_name="outbound_messages")
    recipient = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("recipient"), null=True, blank=True,
                                  on_delete=models.SET_NULL, related_name="+")
    address = models.CharField(_("address"), max_length=320)
    source_key = models.CharField(_("source"), max_length=100,
                                  help_text=_("What caused it, e.g. the ticket version or the SLA threshold."))
    language = models.CharField(_("language"), max_length=10)
    message_id = models.CharField(_("Message-ID"), max_length=500, unique=True)
    in_reply_to = models.CharField(_("In-Reply-To"), max_length=500, blank=True)
    references = models.TextField(_("References"), blank=True)
    reply_to = models.CharField(_("Reply-To"), max_length=320, blank=True)
    auto_submitted = models.BooleanField(_("automatic message"), default=True)
    subject = models.CharField(_("subject"), max_length=500)
    body_text = models.TextField(_("plain text"))
    body_html = models.TextField(_("HTML"), blank=True)
    state = models.CharField(_("state"), max_length=8, choices=State.choices, default=State.QUEUED, db_index=True)
    attempts = models.PositiveIntegerField(_("attempts"), default=0)
    last_error = models.TextField(_("last error"), blank=True)
    created_at = models.DateTimeField(_("created"), default=timezone.now, db_index=True)
    claimed_at = models.DateTimeField(_("send started"), null=True, blank=True)
    next_attempt_at = models.DateTimeField(_("next attempt"), null=True, blank=True)
    sent_at = models.DateTimeField(_("sent"), null=True, blank=True)

    class Meta:
        verbose_name = _("outbound message")
        verbose_name_plural = _("outbound messages")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["event", "ticket", "address", "source_key"],
                                    name="notify_outbound_once"),
            models.UniqueConstraint(fields=["event", "address", "source_key"], condition=Q(ticket__isnull=True),
                                    name="notify_outbound_once_without_ticket"),
        ]
        indexes = [models.Index(fields=["state", "next_attempt_at"], name="notify_outbound_due")]

    def __str__(self) -> str:
        return f"{self.get_event_display()} → {self.address}"


class PlannedChange(models.Model):
    """A ticket version whose notifications have been planned (whether or not anyone was told).

    Written in the planning's transaction, so the catch-up that plans ticket changes from their
    history (``planning.plan_pending``) plans each version once, even when the change was committed by a
    process that stopped before planning it."""

    ticket = models.ForeignKey(Ticket, verbose_name=_("ticket"), on_delete=models.CASCADE, related_name="+")
    version = models.PositiveIntegerField(_("version"))
    changed_at = models.DateTimeField(_("changed"), db_index=True)
    planned_at = models.DateTimeField(_("planned"), default=timezone.now)

    class Meta:
        verbose_name = _("planned ticket change")
        verbose_name_plural = _("planned ticket changes")
        constraints = [models.UniqueConstraint(fields=["ticket", "version"], name="notify_planned_change_once")]

    def __str__(self) -> str:
        return f"{self.ticket_id} v{self.version}"


class CombinedChange(models.Model):
    """Versions of one ticket that one transaction committed (e.g. the quick log's create, resolve and
    close): planned as one change, told once (see ``notify.changes`` and ``notify.planning``). A version in no
    such row is a change of its own. The planning deletes the row: its ``PlannedChange`` marks take over."""

    ticket = models.ForeignKey(Ticket, verbose_name=_("ticket"), on_delete=models.CASCADE, related_name="+")
    first_version = models.PositiveIntegerField(_("first version"))
    last_version = models.PositiveIntegerField(_("last version"))
    created_at = models.DateTimeField(_("created"), default=timezone.now, db_index=True)

    class Meta:
        verbose_name = _("combined ticket change")
        verbose_name_plural = _("combined ticket changes")
        constraints = [models.UniqueConstraint(fields=["ticket", "first_version"], name="notify_combined_change_once")]

    def __str__(self) -> str:
        return f"{self.ticket_id} v{self.first_version}–v{self.last_version}"
