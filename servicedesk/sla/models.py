"""Business calendars and SLA policies: configuration that administrators edit.

Nothing here stores a clock: SLA state is derived from a ticket's history by
:mod:`servicedesk.sla.clocks`, so editing a calendar or a policy changes every ticket's state
consistently, as if it had always been that way.
"""

from datetime import time

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from servicedesk.accounts.models import Group, Organisation, validate_time_zone
from servicedesk.tickets.models import Category, PendingReason, Priority, Status, Ticket, TicketType

OFFICE_HOURS = [["09:00", "12:00"], ["13:00", "18:00"]]


def office_week() -> dict[str, list[list[str]]]:
    """Monday to Friday 09:00–12:00 and 13:00–18:00: the default weekly schedule."""
    return {str(day): [list(span) for span in OFFICE_HOURS] for day in range(5)}


def default_pause_statuses() -> list[str]:
    return [Status.PENDING.value]


def default_pause_reasons() -> list[str]:
    # Waiting for approval: the approval policy chose to stop the clock (approvals' pause_clock), else the ticket
    # would not be pending on it.
    return [PendingReason.CUSTOMER.value, PendingReason.APPROVAL.value]


def default_thresholds() -> list[int]:
    return [75]


def validate_thresholds(value) -> None:
    """Warning thresholds: whole percentages of the target, 1 to 99 (100, the breach, is always watched)."""
    if not isinstance(value, list) or not all(isinstance(p, int) and not isinstance(p, bool) for p in value):
        raise ValidationError(_("Give the warning thresholds as a list of whole percentages, e.g. [50, 75, 90]."))
    bad = [p for p in value if not 1 <= p <= 99]
    if bad:
        raise ValidationError(_("Warning thresholds are 1 to 99 percent (the breach at 100 %% is always watched): "
                                "%(p)s"), params={"p": ", ".join(map(str, bad))})


class Weekday(models.IntegerChoices):
    MONDAY = 0, _("Monday")
    TUESDAY = 1, _("Tuesday")
    WEDNESDAY = 2, _("Wednesday")
    THURSDAY = 3, _("Thursday")
    FRIDAY = 4, _("Friday")
    SATURDAY = 5, _("Saturday")
    SUNDAY = 6, _("Sunday")


def validate_weekly(value) -> None:
    """A weekly schedule: ``{"0": [["09:00", "12:00"], ...], ...}``, weekday 0 (Monday) to 6 (Sunday)."""
    if not isinstance(value, dict):
        raise ValidationError(_("The weekly schedule maps weekdays 0 (Monday) to 6 (Sunday) to lists of spans."))
    for key, spans in value.items():
        if str(key) not in {str(d) for d in range(7)}:
            raise ValidationError(_("Unknown weekday %(day)s: weekdays are 0 (Monday) to 6 (Sunday)."),
                                  params={"day": key})
        if not isinstance(spans, list):
            raise ValidationError(_("Weekday %(day)s: give a list of [start, end] spans."), params={"day": key})
        for span in spans:
            if not isinstance(span, list | tuple) or len(span) != 2:
                raise ValidationError(_("Weekday %(day)s: a span is [start, end], e.g. [\"09:00\", \"12:00\"]."),
                                      params={"day": key})
            for bound in span:
                try:
                    time.fromisoformat(bound)
                except (TypeError, ValueError):
                    raise ValidationError(_("Weekday %(day)s: %(bound)s is not a time like 09:00."),
                                          params={"day": key, "bound": bound}) from None


class Calendar(models.Model):
    """When a desk or a customer contract works: a weekly schedule in a time zone, plus special days."""

    name = models.CharField(_("name"), max_length=200, unique=True)
    time_zone = models.CharField(_("time zone"), max_length=64, default="Asia/Shanghai",
                                 validators=[validate_time_zone])
    weekly = models.JSONField(
        _("weekly schedule"), default=office_week, validators=[validate_weekly],
        help_text=_('Working hours per weekday, 0 = Monday … 6 = Sunday, in local time, e.g. '
                    '{"0": [["09:00", "12:00"], ["13:00", "18:00"]]}. A span whose end is not after its start '
                    'runs past midnight.'),
    )
    is_default = models.BooleanField(_("default calendar"), default=False)
    updated_at = models.DateTimeField(_("updated"), default=timezone.now)

    class Meta:
        verbose_name = _("business calendar")
        verbose_name_plural = _("business calendars")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    def save(self, *args, **kwargs):
        # The built BusinessCalendar is cached per (pk, updated_at): every change must move it.
        self.updated_at = timezone.now()
        if kwargs.get("update_fields") is not None:
            kwargs["update_fields"] = {*kwargs["update_fields"], "updated_at"}
        super().save(*args, **kwargs)

    def touch(self) -> None:
        """Mark the calendar changed (its special days were edited), so cached copies are rebuilt."""
        self.updated_at = timezone.now()
        Calendar.objects.filter(pk=self.pk).update(updated_at=self.updated_at)


class DayKind(models.TextChoices):
    HOLIDAY = "holiday", _("Holiday (no work)")
    WORKDAY = "workday", _("Adjusted working day")


class DaySource(models.TextChoices):
    MANUAL = "manual", _("Entered by hand")
    OFFICIAL = "official", _("Loaded from the official calendar")


class CalendarDay(models.Model):
    """A local date that differs from the weekly schedule: a holiday, or an adjusted working day (调休)."""

    calendar = models.ForeignKey(Calendar, verbose_name=_("calendar"), on_delete=models.CASCADE, related_name="days")
    date = models.DateField(_("date"))
    kind = models.CharField(_("kind"), max_length=8, choices=DayKind.choices, default=DayKind.HOLIDAY)
    works_as = models.PositiveSmallIntegerField(
        _("works as"), choices=Weekday.choices, default=Weekday.MONDAY,
        help_text=_("For an adjusted working day: the weekday whose hours apply."),
    )
    name = models.CharField(_("name"), max_length=200, blank=True)
    # load-holidays writes and updates only its own rows: a day an administrator entered or changed
    # by hand is manual and stays as it is.
    source = models.CharField(_("source"), max_length=8, choices=DaySource.choices, default=DaySource.MANUAL)

    class Meta:
        verbose_name = _("calendar day")
        verbose_name_plural = _("holidays and adjusted working days")
        ordering = ["calendar", "date"]
        constraints = [models.UniqueConstraint(fields=["calendar", "date"], name="calendar_day_unique_date")]

    def __str__(self) -> str:
        return f"{self.date} {self.get_kind_display()}"

    def save(self, *args, **kwargs):
        super().save(*args, **kwargs)
        self.calendar.touch()

    def delete(self, *args, **kwargs):
        result = super().delete(*args, **kwargs)
        self.calendar.touch()
        return result


def _refuse_unknown(errors: dict, field: str, values, known, message, key: str) -> None:
    """A list field's error naming its values that are not among ``known`` (``message`` names them as ``key``)."""
    bad = [value for value in values if value not in known]
    if bad:
        errors[field] = message % {key: ", ".join(map(str, bad))}


class SlaPolicy(models.Model):
    """Targets for the tickets it matches. Active policies are tried by `order`; the first match applies.

    An empty matcher matches everything: no priorities means every priority, and so on.
    """

    name = models.CharField(_("name"), max_length=200)
    order = models.PositiveIntegerField(_("order"), default=0)
    is_active = models.BooleanField(_("active"), default=True)
    calendar = models.ForeignKey(Calendar, verbose_name=_("calendar"), on_delete=models.PROTECT,
                                 related_name="policies")
    priorities = models.JSONField(_("priorities"), default=list, blank=True,
                                  help_text=_("Priorities 1 (critical) to 5 (planning); empty: any priority."))
    ticket_types = models.JSONField(_("ticket types"), default=list, blank=True,
                                    help_text=_("Ticket types; empty: any type."))
    category = models.ForeignKey(
        Category, verbose_name=_("category"), null=True, blank=True, on_delete=models.PROTECT,
        help_text=_("Matches this category and its subcategories; empty: any category."),
    )
    organisation = models.ForeignKey(
        Organisation, verbose_name=_("customer organisation"), null=True, blank=True, on_delete=models.PROTECT,
        help_text=_("Empty: any organisation."),
    )
    first_response_minutes = models.PositiveIntegerField(_("first response target (business minutes)"))
    resolution_minutes = models.PositiveIntegerField(_("resolution target (business minutes)"))
    follow_up_minutes = models.PositiveIntegerField(_("follow-up interval (business minutes)"), null=True, blank=True)
    pause_statuses = models.JSONField(_("statuses that pause the clocks"), default=default_pause_statuses, blank=True)
    pause_reasons = models.JSONField(
        _("pending reasons that pause the clocks"), default=default_pause_reasons, blank=True,
        help_text=_("A pending ticket pauses the clocks only for these reasons; empty: any reason."),
    )
    restart_on_reopen = models.BooleanField(
        _("restart the resolution clock on reopen"), default=True,
        help_text=_("If not, a reopened ticket continues with the business time it had already used."),
    )
    thresholds = models.JSONField(
        _("warning thresholds (percent)"), default=default_thresholds, blank=True, validators=[validate_thresholds],
        help_text=_("Warn when this share of a target is used, e.g. [50, 75, 90]; the breach (100 %) is always "
                    "recorded."),
    )

    class Meta:
        verbose_name = _("SLA policy")
        verbose_name_plural = _("SLA policies")
        ordering = ["order", "id"]

    def __str__(self) -> str:
        return self.name

    def clean(self):
        errors = {}
        _refuse_unknown(errors, "priorities", self.priorities, Priority.values, _("Unknown priorities: %(p)s"), "p")
        _refuse_unknown(errors, "ticket_types", self.ticket_types, TicketType.values,
                        _("Unknown ticket types: %(t)s"), "t")
        _refuse_unknown(errors, "pause_statuses", self.pause_statuses, Status.values, _("Unknown statuses: %(s)s"), "s")
        _refuse_unknown(errors, "pause_reasons", self.pause_reasons, PendingReason.values,
                        _("Unknown pending reasons: %(r)s"), "r")
        if errors:
            raise ValidationError(errors)

    def matches(self, ticket) -> bool:
        """Whether this policy applies to the ticket's current priority, type, category and organisation."""
        if self.priorities and ticket.priority not in self.priorities:
            return False
        if self.ticket_types and ticket.type not in self.ticket_types:
            return False
        if self.category_id is not None:
            category = ticket.category
            if category is None or self.category_id not in (category.pk, category.parent_id):
                return False
        return self.organisation_id is None or self.organisation_id == ticket.organisation_id

    def pauses(self, status: str, pending_reason: str) -> bool:
        """Whether the clocks stand still in this status (and pending reason)."""
        if status not in self.pause_statuses:
            return False
        if status != Status.PENDING or not self.pause_reasons:
            return True
        return pending_reason in self.pause_reasons


# -- Watching: OLAs, escalation rules, and the derived rows the evaluator reads ----------------------


class OlaTarget(models.Model):
    """A resolver group's own target for its part of a ticket (operational level agreement).

    The group's clock runs in business time while the ticket is assigned to it, open, and not paused
    by the ticket's SLA policy; it stops when the group hands the ticket on (routes it elsewhere) and
    is met when the ticket is resolved while with the group. Several stints with the same group add up.
    """

    group = models.OneToOneField(Group, verbose_name=_("group"), on_delete=models.CASCADE, related_name="ola")
    minutes = models.PositiveIntegerField(_("target (business minutes)"))
    calendar = models.ForeignKey(
        Calendar, verbose_name=_("calendar"), null=True, blank=True, on_delete=models.PROTECT,
        help_text=_("Empty: the default calendar."),
    )
    thresholds = models.JSONField(_("warning thresholds (percent)"), default=default_thresholds, blank=True,
                                  validators=[validate_thresholds])
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("OLA target")
        verbose_name_plural = _("OLA targets")
        ordering = ["group__tier", "group__name"]

    def __str__(self) -> str:
        return f"{self.group}: {self.minutes}"


class TargetKind(models.TextChoices):
    RESPONSE = "response", _("First response")
    RESOLUTION = "resolution", _("Resolution")
    OLA = "ola", _("OLA")


class ClockState(models.TextChoices):
    RUNNING = "running", _("Running")
    PAUSED = "paused", _("Paused")
    STOPPED = "stopped", _("Stopped")


class SlaTarget(models.Model):
    """One clock of one ticket as last derived from its history: the row the console and the evaluator read.

    Derived data, rebuilt by ``servicedesk recompute-sla``: never edit it. ``key`` is ``response``,
    ``resolution`` or ``ola:<group id>``. A running clock has a fixed ``due_at``; a paused one has
    none (it would be "now + what is left") but ``used_minutes``; a stopped one (met, or handed on
    for an OLA) keeps the due time that stood and ``stopped_at``.
    """

    ticket = models.ForeignKey(Ticket, on_delete=models.CASCADE, related_name="sla_targets")
    key = models.CharField(max_length=24)
    kind = models.CharField(_("target"), max_length=16, choices=TargetKind.choices)
    group = models.ForeignKey(Group, verbose_name=_("group"), null=True, blank=True, on_delete=models.CASCADE,
                              related_name="+")
    policy = models.ForeignKey(SlaPolicy, verbose_name=_("SLA policy"), null=True, blank=True,
                               on_delete=models.SET_NULL, related_name="+")
    started_at = models.DateTimeField(_("started"))
    target_minutes = models.PositiveIntegerField(_("target (business minutes)"))
    state = models.CharField(_("state"), max_length=8, choices=ClockState.choices)
    due_at = models.DateTimeField(_("due"), null=True, blank=True)
    stopped_at = models.DateTimeField(_("stopped"), null=True, blank=True)
    used_minutes = models.PositiveIntegerField(_("business minutes used"), null=True, blank=True)
    breached = models.BooleanField(_("breached"), default=False)

    class Meta:
        verbose_name = _("ticket clock")
        verbose_name_plural = _("ticket clocks")
        constraints = [models.UniqueConstraint(fields=["ticket", "key"], name="sla_target_unique_key")]
        indexes = [models.Index(fields=["state", "due_at"], name="sla_target_due"),
                   # The reports read the clocks that stopped within a range of days, and their verdicts: from
                   # the index alone (SQLite's year of OLA clocks at 1M: 2.6 s with row look-ups, 0.3 s without).
                   models.Index(fields=["kind", "stopped_at", "state", "breached"], name="sla_target_stopped_state")]

    def __str__(self) -> str:
        return f"{self.ticket_id} {self.key}"

    def time_left(self, now=None):
        """Wall-clock time until the due time (negative once overdue); None unless the clock is running."""
        if self.state != ClockState.RUNNING or self.due_at is None:
            return None
        return self.due_at - (now or timezone.now())


class PendingThreshold(models.Model):
    """A threshold of a clock that has not fired yet, and the instant it will be reached.

    The evaluator claims the rows whose ``at`` has come by deleting them (one statement), so its cost
    follows the number of thresholds due, not the number of open tickets. Derived data.
    """

    ticket = models.ForeignKey(Ticket, on_delete=models.CASCADE, related_name="+")
    key = models.CharField(max_length=24)
    kind = models.CharField(max_length=16, choices=TargetKind.choices)
    group = models.ForeignKey(Group, null=True, blank=True, on_delete=models.CASCADE, related_name="+")
    started_at = models.DateTimeField()
    percent = models.PositiveSmallIntegerField()
    at = models.DateTimeField()
    due_at = models.DateTimeField()
    target_minutes = models.PositiveIntegerField()

    class Meta:
        indexes = [models.Index(fields=["at"], name="sla_pending_at"),
                   models.Index(fields=["ticket"], name="sla_pending_ticket")]

    def __str__(self) -> str:
        return f"{self.ticket_id} {self.key} {self.percent}% at {self.at}"


class SlaEvent(models.Model):
    """A threshold reached (a warning, or the breach at 100 %), recorded once per ticket, clock and threshold."""

    ticket = models.ForeignKey(Ticket, verbose_name=_("ticket"), on_delete=models.CASCADE, related_name="sla_events")
    key = models.CharField(max_length=24)
    kind = models.CharField(_("target"), max_length=16, choices=TargetKind.choices)
    group = models.ForeignKey(Group, verbose_name=_("group"), null=True, blank=True, on_delete=models.SET_NULL,
                              related_name="+")
    started_at = models.DateTimeField(_("clock started"))
    percent = models.PositiveSmallIntegerField(_("threshold (percent)"))
    due_at = models.DateTimeField(_("due"))
    reached_at = models.DateTimeField(_("reached"))
    recorded_at = models.DateTimeField(_("recorded"), default=timezone.now)
    cause = models.CharField(_("cause"), max_length=500, blank=True)
    escalation = models.CharField(_("escalation"), max_length=500, blank=True)

    class Meta:
        verbose_name = _("SLA event")
        verbose_name_plural = _("SLA events (warnings and breaches)")
        ordering = ["-reached_at", "-id"]
        constraints = [models.UniqueConstraint(fields=["ticket", "key", "started_at", "percent"],
                                               name="sla_event_once")]
        indexes = [models.Index(fields=["ticket", "reached_at"], name="sla_event_ticket"),
                   models.Index(fields=["reached_at", "percent"], name="sla_event_reached_percent")]

    def __str__(self) -> str:
        return f"{self.ticket_id} {self.key} {self.percent}%"

    @property
    def is_breach(self) -> bool:
        return self.percent >= 100


class EscalateTo(models.TextChoices):
    NONE = "", _("Do not move the ticket")
    NEXT_TIER = "next_tier", _("The next tier's group")
    GROUP = "group", _("A named group or supplier")


class EscalationRule(models.Model):
    """What to do when a clock reaches a threshold. Every matching active rule applies, in order; the
    first one that moves the ticket (functional escalation) wins, everyone named is told (hierarchical)."""

    name = models.CharField(_("name"), max_length=200)
    order = models.PositiveIntegerField(_("order"), default=0)
    is_active = models.BooleanField(_("active"), default=True)
    target = models.CharField(_("target"), max_length=16, choices=TargetKind.choices, blank=True,
                              help_text=_("Empty: any target."))
    threshold = models.PositiveSmallIntegerField(
        _("threshold (percent)"), default=100,
        help_text=_("Applies when a clock reaches this share of its target; 100 is the breach."),
    )
    priorities = models.JSONField(_("priorities"), default=list, blank=True,
                                  help_text=_("Priorities 1 (critical) to 5 (planning); empty: any priority."))
    ticket_types = models.JSONField(_("ticket types"), default=list, blank=True,
                                    help_text=_("Ticket types; empty: any type."))
    groups = models.ManyToManyField(Group, verbose_name=_("groups"), blank=True, related_name="+",
                                    help_text=_("The ticket's current group; empty: any group."))
    escalate_to = models.CharField(_("move the ticket to"), max_length=16, choices=EscalateTo.choices, blank=True)
    to_group = models.ForeignKey(Group, verbose_name=_("named group or supplier"), null=True, blank=True,
                                 on_delete=models.PROTECT, related_name="+")
    notify_assignee = models.BooleanField(_("notify the assignee"), default=False)
    notify_owner = models.BooleanField(_("notify the owner"), default=False)
    notify_group_lead = models.BooleanField(_("notify the group lead"), default=False)
    notify_managers = models.BooleanField(_("notify the desk managers"), default=False)
    notify_users = models.ManyToManyField(settings.AUTH_USER_MODEL, verbose_name=_("notify these people"),
                                          blank=True, related_name="+")

    class Meta:
        verbose_name = _("escalation rule")
        verbose_name_plural = _("escalation rules")
        ordering = ["order", "id"]

    def __str__(self) -> str:
        return self.name

    def clean(self):
        errors = {}
        if not 1 <= self.threshold <= 100:
            errors["threshold"] = _("The threshold is 1 to 100 percent.")
        _refuse_unknown(errors, "priorities", self.priorities, Priority.values, _("Unknown priorities: %(p)s"), "p")
        _refuse_unknown(errors, "ticket_types", self.ticket_types, TicketType.values,
                        _("Unknown ticket types: %(t)s"), "t")
        if self.escalate_to == EscalateTo.GROUP and self.to_group_id is None:
            errors["to_group"] = _("Choose the group or supplier to move the ticket to.")
        if errors:
            raise ValidationError(errors)


class FollowUpDigest(models.Model):
    """A follow-up digest sent: at most one a day per recipient (and role: owner or group lead)."""

    recipient = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("recipient"), on_delete=models.CASCADE,
                                  related_name="+")
    day = models.DateField(_("day"))
    as_lead = models.BooleanField(_("as group lead"), default=False)
    ticket_count = models.PositiveIntegerField(_("tickets"))
    sent_at = models.DateTimeField(_("sent"), default=timezone.now)

    class Meta:
        verbose_name = _("follow-up digest")
        verbose_name_plural = _("follow-up digests")
        ordering = ["-sent_at"]
        constraints = [models.UniqueConstraint(fields=["recipient", "day", "as_lead"], name="follow_up_digest_once")]

    def __str__(self) -> str:
        return f"{self.recipient_id} {self.day}"


class ClockRebuild(models.Model):
    """A request to recompute the open tickets' clocks after a configuration change; the evaluator takes it."""

    requested_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("clock recomputation request")
        verbose_name_plural = _("clock recomputation requests")

    def __str__(self) -> str:
        return f"{self.requested_at:%Y-%m-%d %H:%M:%S}"


class ClockSync(models.Model):
    """The ticket version a ticket's clock rows were last derived from.

    Lets a periodic catch-up find the tickets changed since their clocks were computed (a recompute
    task lost with a crashed worker, or the embedded mode, which recomputes in the background rather
    than in the request that changed the ticket). Derived data.
    """

    ticket = models.OneToOneField(Ticket, primary_key=True, on_delete=models.CASCADE, related_name="+")
    version = models.PositiveIntegerField()

    class Meta:
        verbose_name = _("clock sync")
        verbose_name_plural = _("clock syncs")

    def __str__(self) -> str:
        return f"{self.ticket_id} v{self.version}"
