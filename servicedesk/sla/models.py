"""Business calendars and SLA policies: configuration that administrators edit.

Nothing here stores a clock: SLA state is derived from a ticket's history by
:mod:`servicedesk.sla.clocks`, so editing a calendar or a policy changes every ticket's state
consistently, as if it had always been that way.
"""

from datetime import time

from django.core.exceptions import ValidationError
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from servicedesk.accounts.models import Organisation, validate_time_zone
from servicedesk.tickets.models import Category, PendingReason, Priority, Status, TicketType

OFFICE_HOURS = [["09:00", "12:00"], ["13:00", "18:00"]]


def office_week() -> dict[str, list[list[str]]]:
    """Monday to Friday 09:00–12:00 and 13:00–18:00: the default weekly schedule."""
    return {str(day): [list(span) for span in OFFICE_HOURS] for day in range(5)}


def default_pause_statuses() -> list[str]:
    return [Status.PENDING.value]


def default_pause_reasons() -> list[str]:
    return [PendingReason.CUSTOMER.value]


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

    class Meta:
        verbose_name = _("SLA policy")
        verbose_name_plural = _("SLA policies")
        ordering = ["order", "id"]

    def __str__(self) -> str:
        return self.name

    def clean(self):
        errors = {}
        bad = [p for p in self.priorities if p not in Priority.values]
        if bad:
            errors["priorities"] = _("Unknown priorities: %(p)s") % {"p": ", ".join(map(str, bad))}
        bad = [t for t in self.ticket_types if t not in TicketType.values]
        if bad:
            errors["ticket_types"] = _("Unknown ticket types: %(t)s") % {"t": ", ".join(map(str, bad))}
        bad = [s for s in self.pause_statuses if s not in Status.values]
        if bad:
            errors["pause_statuses"] = _("Unknown statuses: %(s)s") % {"s": ", ".join(map(str, bad))}
        bad = [r for r in self.pause_reasons if r not in PendingReason.values]
        if bad:
            errors["pause_reasons"] = _("Unknown pending reasons: %(r)s") % {"r": ", ".join(map(str, bad))}
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
