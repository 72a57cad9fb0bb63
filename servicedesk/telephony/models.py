"""Call records (呼叫记录) built from a CTI's events, the events themselves (each stored once), and the
agents' phone extensions (the CTI names an agent by username or by extension)."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from servicedesk.accounts.models import Group
from servicedesk.tickets.models import Ticket


class Direction(models.TextChoices):
    INBOUND = "inbound", _("Inbound")
    OUTBOUND = "outbound", _("Outbound")


class State(models.TextChoices):
    OFFERED = "offered", _("Offered")
    ANSWERED = "answered", _("Answered")
    TRANSFERRED = "transferred", _("Transferred")
    ABANDONED = "abandoned", _("Abandoned")
    ENDED = "ended", _("Ended")


# Calls a quick log records without a CTI behind it carry this source.
QUICK_LOG_SOURCE = "quick-log"


class Extension(models.Model):
    """An agent's phone extension, as the CTI names the agent who answered."""

    user = models.OneToOneField(settings.AUTH_USER_MODEL, verbose_name=_("agent"), on_delete=models.CASCADE,
                                related_name="phone_extension")
    number = models.CharField(_("extension"), max_length=32, unique=True)

    class Meta:
        verbose_name = _("phone extension")
        verbose_name_plural = _("phone extensions")
        ordering = ["number"]

    def __str__(self) -> str:
        return f"{self.number} ({self.user})"


class Call(models.Model):
    source = models.CharField(_("CTI source"), max_length=64)
    external_id = models.CharField(_("call id"), max_length=128)
    direction = models.CharField(_("direction"), max_length=16, choices=Direction.choices,
                                 default=Direction.INBOUND)
    caller_number = models.CharField(_("caller number"), max_length=64, blank=True)
    called_number = models.CharField(_("called number"), max_length=64, blank=True)
    person = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("caller"), null=True, blank=True,
                               on_delete=models.SET_NULL, related_name="+")
    queue_group = models.ForeignKey(Group, verbose_name=_("queue"), null=True, blank=True,
                                    on_delete=models.SET_NULL, related_name="+")
    queue_name = models.CharField(_("queue name"), max_length=200, blank=True)
    agent = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("agent"), null=True, blank=True,
                              on_delete=models.SET_NULL, related_name="+")
    state = models.CharField(_("state"), max_length=16, choices=State.choices, default=State.OFFERED)
    offered_at = models.DateTimeField(_("offered"), db_index=True)
    answered_at = models.DateTimeField(_("answered"), null=True, blank=True)
    # When the agent of now answered (the first answer, or the transfer's target): the screen pop's key.
    agent_answered_at = models.DateTimeField(_("answered by this agent"), null=True, blank=True)
    transferred_at = models.DateTimeField(_("transferred"), null=True, blank=True)
    ended_at = models.DateTimeField(_("ended"), null=True, blank=True)
    wait_seconds = models.PositiveIntegerField(_("wait (seconds)"), null=True, blank=True)
    talk_seconds = models.PositiveIntegerField(_("talk (seconds)"), null=True, blank=True)
    transfer_agent = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("transferred to agent"), null=True,
                                       blank=True, on_delete=models.SET_NULL, related_name="+")
    transfer_group = models.ForeignKey(Group, verbose_name=_("transferred to group"), null=True, blank=True,
                                       on_delete=models.SET_NULL, related_name="+")
    recording_url = models.URLField(_("recording"), max_length=1000, blank=True)
    ticket = models.ForeignKey(Ticket, verbose_name=_("ticket"), null=True, blank=True, on_delete=models.SET_NULL,
                               related_name="calls")
    version = models.PositiveIntegerField(_("version"), default=1)
    created_at = models.DateTimeField(_("created"), default=timezone.now)
    updated_at = models.DateTimeField(_("updated"), default=timezone.now)

    audit_exclude = ("version", "created_at", "source", "external_id")

    class Meta:
        verbose_name = _("call record")
        verbose_name_plural = _("call records")
        ordering = ["-offered_at", "-id"]
        constraints = [models.UniqueConstraint(fields=["source", "external_id"], name="telephony_call_once")]
        indexes = [
            # The screen pop: the agent's latest answered call, polled every few seconds.
            models.Index(fields=["agent", "agent_answered_at"], name="telephony_call_pop"),
            models.Index(fields=["caller_number", "offered_at"], name="telephony_call_caller"),
            models.Index(fields=["person", "offered_at"], name="telephony_call_person"),
        ]

    def __str__(self) -> str:
        return f"{self.caller_number or '?'} → {self.called_number or '?'} ({self.external_id})"

    @property
    def queue_label(self) -> str:
        return self.queue_group.local_name if self.queue_group_id else self.queue_name


class CallEvent(models.Model):
    """One event as the CTI sent it, kept once by its id: a replay finds it and changes nothing."""

    source = models.CharField(_("CTI source"), max_length=64)
    event_id = models.CharField(_("event id"), max_length=128)
    # The CTI's events bear the names of the states they lead to.
    kind = models.CharField(_("event"), max_length=16, choices=State.choices)
    call = models.ForeignKey(Call, on_delete=models.CASCADE, related_name="events")
    at = models.DateTimeField(_("time"))
    received_at = models.DateTimeField(_("received"), default=timezone.now)
    payload = models.JSONField(_("payload"), default=dict)

    class Meta:
        verbose_name = _("call event")
        verbose_name_plural = _("call events")
        ordering = ["at", "id"]
        constraints = [models.UniqueConstraint(fields=["source", "event_id"], name="telephony_event_once")]

    def __str__(self) -> str:
        return f"{self.kind} {self.event_id}"
