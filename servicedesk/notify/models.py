"""Notification templates that administrators edit, the chat robots people and groups add, and the outbox:
one row per mail or chat message the desk sends."""

import ipaddress
from urllib.parse import urlsplit

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
    APPROVAL = "approval", _("Approval wanted (with approve and reject links)")
    SURVEY_LOW_RATING = "survey_low_rating", _("Low satisfaction rating (to the owner and the group lead)")


# Events that a person's words start (not "automatic" in the sense of RFC 3834).
PERSONAL_EVENTS = frozenset({Event.PUBLIC_REPLY})


# A robot's test message (the console's "send test message"): a chat message only, never a mail.
CHAT_TEST = "chat_test"
# Events a chat robot never subscribes to: what is told to customers only, or to nobody in particular.
NOT_FOR_ROBOTS = frozenset({Event.ACKNOWLEDGEMENT, Event.SOLVED_ON_CONTACT, Event.FOLLOW_UP_DIGEST,
                            Event.ANNOUNCEMENT,
                            # Its links decide for the person they were signed for: never into a shared chat.
                            Event.APPROVAL})


def outbox_event_choices() -> list[tuple[str, str]]:
    """What an outbox row may be about: every event (an event added later too), and a robot's test message."""
    return [*Event.choices, (CHAT_TEST, _("Chat robot test message"))]


# Events told to one person about their own work: a person's robot may have them, a group's never gets them.
PERSONAL_ROBOT_EVENTS = frozenset({Event.ASSIGNED_AGENT, Event.PUBLIC_REPLY, Event.STATUS_CHANGED, Event.RESOLVED})


def robot_event_choices(*, for_group: bool) -> list[tuple[str, str]]:
    """The events a group's or a person's robot may subscribe to: an event added later (e.g. a major
    incident) is one of them."""
    left_out = NOT_FOR_ROBOTS | (PERSONAL_ROBOT_EVENTS if for_group else frozenset())
    return [(value, label) for value, label in Event.choices if value not in left_out]


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


class Platform(models.TextChoices):
    WECOM = "wecom", _("WeCom (企业微信) group robot")
    DINGTALK = "dingtalk", _("DingTalk (钉钉) custom robot")
    FEISHU = "feishu", _("Feishu / Lark (飞书) custom bot")
    SLACK = "slack", _("Slack incoming webhook")
    TEAMS = "teams", _("Microsoft Teams (Workflows or incoming webhook)")


LOOPBACK_NAMES = frozenset({"localhost"})


def is_loopback(host: str) -> bool:
    if host.lower() in LOOPBACK_NAMES:
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def validate_webhook_url(value: str) -> None:
    """https anywhere; plain http only to this machine, and only where the desk allows it (the tests' servers):
    a webhook's address carries its key, which must not cross a network in the clear."""
    try:
        parts = urlsplit(value)
        host = parts.hostname or ""
    except ValueError:
        host, parts = "", None
    if parts is None or not host or parts.username or parts.password:
        raise ValidationError(_("Enter the robot's webhook address as the chat app shows it (https://…)."))
    if parts.scheme == "https":
        return
    if parts.scheme == "http" and is_loopback(host) and getattr(settings, "SERVICEDESK_CHAT_LOOPBACK_HTTP", False):
        return
    raise ValidationError(_("A robot's webhook address must start with https://."))


class Robot(models.Model):
    """A chat app's incoming-webhook robot (群机器人): a group's, told of the group's tickets, or a person's own,
    told what that person is mailed. Its messages go through the outbox like mail (``notify.chat``)."""

    name = models.CharField(_("name"), max_length=100)
    platform = models.CharField(_("chat app"), max_length=16, choices=Platform.choices)
    webhook_url = models.CharField(_("webhook address"), max_length=1000, validators=[validate_webhook_url])
    secret = models.CharField(
        _("signing secret"), max_length=200, blank=True,
        help_text=_("DingTalk: the 加签 secret (SEC…); Feishu/Lark: the 签名校验 secret. Empty when the robot "
                    "does not sign."))
    language = models.CharField(_("language"), max_length=10, choices=settings.LANGUAGES)
    group = models.ForeignKey("accounts.Group", verbose_name=_("group"), null=True, blank=True,
                              on_delete=models.CASCADE, related_name="robots")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("person"), null=True, blank=True,
                             on_delete=models.CASCADE, related_name="robots")
    events = models.JSONField(_("events"), default=list,
                              help_text=_("What the robot is told of (event codes)."))
    is_active = models.BooleanField(_("active"), default=True)
    version = models.PositiveIntegerField(_("version"), default=1)
    created_at = models.DateTimeField(_("created"), default=timezone.now)
    updated_at = models.DateTimeField(_("updated"), default=timezone.now)

    # The address holds the robot's key (WeCom's key, DingTalk's access token): the audit trail shows neither.
    audit_masked = ("webhook_url", "secret")

    class Meta:
        verbose_name = _("chat robot")
        verbose_name_plural = _("chat robots")
        ordering = ["name", "id"]
        constraints = [
            models.CheckConstraint(
                condition=(Q(group__isnull=False, user__isnull=True) | Q(group__isnull=True, user__isnull=False)),
                name="notify_robot_one_owner"),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.get_platform_display()})"

    @property
    def address(self) -> str:
        """The outbox's address of the robot's messages: stable, so the unique key plans each once."""
        return f"robot:{self.pk}"

    def event_labels(self) -> list[str]:
        labels = dict(outbox_event_choices())
        return [str(labels.get(event, event)) for event in self.events]

    def clean(self):
        errors = {}
        if (self.group_id is None) == (self.user_id is None):
            errors["group"] = _("A robot belongs either to a group or to one person.")
        elif self.user_id is not None and not self.user.is_desk_staff:
            errors["user"] = _("Only desk staff have robots of their own.")
        known = {value for value, _label in robot_event_choices(for_group=self.group_id is not None)}
        if not isinstance(self.events, list) or not self.events:
            errors["events"] = _("Choose at least one event.")
        else:
            unknown = sorted(str(e) for e in self.events if e not in known)
            if unknown:
                errors["events"] = _("Unknown events: %(names)s") % {"names": ", ".join(unknown)}
        if errors:
            raise ValidationError(errors)


class MessageChannel(models.TextChoices):
    EMAIL = "email", _("E-mail")
    CHAT = "chat", _("Chat robot")


class OutboundMessage(models.Model):
    """One notification to one address: a mail, or a chat robot's message (address "robot:<id>"). Its
    row claims the send: the unique key (event, ticket, address, source key) makes a second planning of
    the same notification a no-op, and the state (queued → sending → sent) makes a second send of the
    same row a no-op."""

    event = models.CharField(_("event"), max_length=32, choices=outbox_event_choices)
    channel = models.CharField(_("channel"), max_length=8, choices=MessageChannel.choices,
                               default=MessageChannel.EMAIL)
    robot = models.ForeignKey(Robot, verbose_name=_("chat robot"), null=True, blank=True, on_delete=models.SET_NULL,
                              related_name="+")
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
