"""Outgoing webhooks: an integration's subscription to the desk's events, and the delivery log (one row
per subscription and event, the outbox its deliveries are sent from)."""

import secrets
import uuid

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import URLValidator
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from servicedesk.accounts.models import Desk, Group
from servicedesk.tickets.models import Ticket, TicketType


class Event(models.TextChoices):
    TICKET_CREATED = "ticket.created", _("Ticket created")
    TICKET_CHANGED = "ticket.changed", _("Ticket changed")
    TICKET_COMMENTED = "ticket.commented", _("Reply or note added")
    TICKET_RESOLVED = "ticket.resolved", _("Ticket resolved")
    TICKET_CLOSED = "ticket.closed", _("Ticket closed")
    SLA_WARNING = "sla.warning", _("SLA warning")
    SLA_BREACHED = "sla.breached", _("SLA breached")


TEST_EVENT = "webhook.test"  # the administrators' "send test event": never subscribed, always sent


def new_secret() -> str:
    return secrets.token_urlsafe(32)


def validate_target(value: str) -> None:
    """http(s) only: the desk posts JSON, nothing else (file:, ftp: and the like are refused)."""
    URLValidator(schemes=["http", "https"], message=_("Enter an http:// or https:// address."))(value)


def validate_events(value) -> None:
    if not isinstance(value, list) or not value:
        raise ValidationError(_("Choose at least one event."))
    unknown = [event for event in value if event not in Event.values]
    if unknown:
        raise ValidationError(_("Unknown event: %(event)s") % {"event": ", ".join(map(str, unknown))})


class Subscription(models.Model):
    """An integration's URL and shared secret, the events it wants and which tickets'. Made by
    administrators, so it sees every ticket of its desk; internal notes only with include_internal."""

    name = models.CharField(_("name"), max_length=200)
    url = models.URLField(_("target URL"), max_length=1000, validators=[validate_target])
    secret = models.CharField(_("secret"), max_length=200, default=new_secret,
                              help_text=_("Shared with the receiver, which checks the X-ServiceDesk-Signature "
                                          "header with it (see docs/webhooks.md)."))
    events = models.JSONField(_("events"), default=list, validators=[validate_events])
    desk = models.ForeignKey(Desk, verbose_name=_("desk"), null=True, blank=True, on_delete=models.CASCADE,
                             related_name="+", help_text=_("Empty: every desk."))
    group = models.ForeignKey(Group, verbose_name=_("group"), null=True, blank=True, on_delete=models.CASCADE,
                              related_name="+", help_text=_("Empty: tickets of any group."))
    ticket_type = models.CharField(_("ticket type"), max_length=20, choices=TicketType.choices, blank=True,
                                   help_text=_("Empty: every type."))
    include_internal = models.BooleanField(_("include internal notes"), default=False)
    is_active = models.BooleanField(_("active"), default=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("created by"), null=True, blank=True,
                                   on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(_("created"), default=timezone.now)
    # Deliveries that failed for good in a row; reset by a delivered one (sending.py).
    consecutive_failures = models.PositiveIntegerField(_("failures in a row"), default=0, editable=False)

    audit_masked = ("secret",)

    class Meta:
        verbose_name = _("webhook")
        verbose_name_plural = _("webhooks")
        ordering = ["name", "id"]

    def __str__(self) -> str:
        return self.name

    def wants(self, event: str, ticket: Ticket) -> bool:
        return (event in self.events
                and self.desk_id in (None, ticket.desk_id)
                and self.group_id in (None, ticket.group_id)
                and self.ticket_type in ("", ticket.type))


class State(models.TextChoices):
    QUEUED = "queued", _("Queued")
    SENDING = "sending", _("Sending")
    DELIVERED = "delivered", _("Delivered")
    FAILED = "failed", _("Failed")


class Delivery(models.Model):
    """One event for one subscription: stored once (UNIQUE), sent until delivered or failed for good."""

    subscription = models.ForeignKey(Subscription, verbose_name=_("webhook"), on_delete=models.CASCADE,
                                     related_name="deliveries")
    event_id = models.CharField(_("event id"), max_length=100)
    event = models.CharField(_("event"), max_length=32)
    uuid = models.UUIDField(_("delivery id"), default=uuid.uuid4, unique=True, editable=False)
    ticket = models.ForeignKey(Ticket, verbose_name=_("ticket"), null=True, blank=True, on_delete=models.SET_NULL,
                               related_name="+")
    payload = models.JSONField(_("payload"))
    state = models.CharField(_("state"), max_length=16, choices=State.choices, default=State.QUEUED)
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    next_attempt_at = models.DateTimeField(_("next attempt"), null=True, blank=True)
    claimed_at = models.DateTimeField(null=True, blank=True)
    status_code = models.PositiveSmallIntegerField(_("last status code"), null=True, blank=True)
    last_error = models.CharField(_("last error"), max_length=500, blank=True)
    response_ms = models.PositiveIntegerField(_("response time (ms)"), null=True, blank=True)
    created_at = models.DateTimeField(_("created"), default=timezone.now)
    delivered_at = models.DateTimeField(_("delivered"), null=True, blank=True)

    class Meta:
        verbose_name = _("webhook delivery")
        verbose_name_plural = _("webhook deliveries")
        ordering = ["-created_at", "-id"]
        constraints = [models.UniqueConstraint(fields=["subscription", "event_id"], name="webhook_delivery_once")]
        indexes = [models.Index(fields=["state", "next_attempt_at"], name="webhook_delivery_due"),
                   models.Index(fields=["subscription", "-created_at", "-id"], name="webhook_delivery_log")]

    def __str__(self) -> str:
        return f"{self.event} {self.event_id} → {self.subscription_id}"
