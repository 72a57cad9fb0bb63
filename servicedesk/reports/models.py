"""What the reports need beyond the ticket record: the hourly rates that turn logged time into cost."""

import datetime

from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _

from servicedesk.accounts.models import Group, Role


class CostRate(models.Model):
    """An hourly rate for the time logged on tickets, either for a resolver group or for a role.

    A time entry is costed at the rate of the ticket's resolver group when that group has one, otherwise
    at the rate of the role of the agent who logged it; time with neither costs nothing (docs/kpis.md).
    All rates are in the desk's one currency: a report adds them up.
    """

    group = models.OneToOneField(Group, verbose_name=_("group"), null=True, blank=True, on_delete=models.CASCADE,
                                 related_name="cost_rate")
    role = models.CharField(_("role"), max_length=16, choices=Role.choices, blank=True)
    hourly_rate = models.DecimalField(_("hourly rate"), max_digits=10, decimal_places=2)
    currency = models.CharField(_("currency"), max_length=3, default="CNY")

    class Meta:
        verbose_name = _("cost rate")
        verbose_name_plural = _("cost rates")
        ordering = ["role", "group__name"]
        constraints = [
            models.CheckConstraint(name="cost_rate_group_or_role",
                                   condition=(models.Q(group__isnull=False) & models.Q(role=""))
                                   | (models.Q(group__isnull=True) & ~models.Q(role=""))),
            models.UniqueConstraint(fields=["role"], condition=~models.Q(role=""), name="cost_rate_one_per_role"),
            models.CheckConstraint(name="cost_rate_not_negative", condition=models.Q(hourly_rate__gte=0)),
        ]

    def __str__(self) -> str:
        who = self.group if self.group_id else self.get_role_display()
        return f"{who}: {self.hourly_rate} {self.currency}/h"

    def clean(self):
        if bool(self.group_id) == bool(self.role):
            raise ValidationError(_("A rate is for a group or for a role: choose one of them."))


# The facts' and the rollup's columns of minutes logged by agents of each role.
ROLE_MINUTES = {role: f"minutes_{role}" for role in Role.values}
# The times to resolve in octaves of whole minutes: bucket 0 under 1 minute, bucket k (1..22) from 2^(k-1) to
# 2^k minutes, the last one 2^22 minutes (eight years) and more. The rollup's column of each.
RESOLVE_BUCKETS = 24
RESOLVE_COLUMNS = [f"resolve_b{index}" for index in range(RESOLVE_BUCKETS)]


def resolve_bucket(resolved_at, created_at) -> int | None:
    """The octave of a resolution's wall-clock minutes (None while unresolved)."""
    if resolved_at is None:
        return None
    return min(max((resolved_at - created_at) // datetime.timedelta(minutes=1), 0).bit_length(), RESOLVE_BUCKETS - 1)


class TicketFacts(models.Model):
    """One narrow row per ticket: its dimensions, moments and every per-ticket quantity the ticket KPIs
    read beside the ticket row (its clocks, history and time log), so each KPI is a conditional aggregate
    over this one table. Derived data: `facts.refresh` writes it from the raw tables whenever one of them
    changes (reports/receivers.py) and `servicedesk rebuild-report-facts` rewrites it all; never edit it.

    The dimensions keep the ticket's field names (dimensions.FIELDS reads them here as on the ticket);
    the category is a relation so its service and parent are read live, not copied.
    """

    ticket = models.OneToOneField("tickets.Ticket", primary_key=True, on_delete=models.CASCADE,
                                  related_name="report_facts")
    desk_id = models.BigIntegerField(null=True)
    group_id = models.BigIntegerField(null=True)
    assignee_id = models.BigIntegerField(null=True)
    organisation_id = models.BigIntegerField(null=True)
    category = models.ForeignKey("tickets.Category", null=True, on_delete=models.DO_NOTHING, db_constraint=False,
                                 related_name="+")
    channel = models.CharField(max_length=16)
    type = models.CharField(max_length=20)
    created_at = models.DateTimeField()
    resolved_at = models.DateTimeField(null=True)
    closed_at = models.DateTimeField(null=True)
    # The earlier of resolved_at and closed_at (NULL while neither is set): "open at an instant" is then one
    # comparison, which an index serves on SQLite as on PostgreSQL (the backlog).
    ended_at = models.DateTimeField(null=True)
    response_decided = models.BooleanField(default=False)
    responded_in_time = models.BooleanField(default=False)
    has_resolution_target = models.BooleanField(default=False)
    resolved_in_time = models.BooleanField(default=False)
    beyond_first_line = models.BooleanField(default=False)
    first_transfer_at = models.DateTimeField(null=True)
    reopened = models.BooleanField(default=False)
    # Logged minutes, in all and by the current role of the agent who logged them (the cost's inputs:
    # the rates are applied when the report runs).
    logged_minutes = models.IntegerField(default=0)
    minutes_agent = models.IntegerField(default=0)
    minutes_lead = models.IntegerField(default=0)
    minutes_manager = models.IntegerField(default=0)
    minutes_admin = models.IntegerField(default=0)
    minutes_customer = models.IntegerField(default=0)
    # The octave of the time to resolve in whole minutes (RESOLVE_BUCKETS; NULL while unresolved): the hourly
    # rollup counts the resolved tickets per octave, so a median's rank is found there and only that
    # octave's rows are read here (rollup.median_values).
    resolve_bucket = models.SmallIntegerField(null=True)

    class Meta:
        indexes = [
            models.Index(fields=["created_at"], name="facts_created"),
            # A median's octave in a range, its rows ordered by duration from the index alone.
            models.Index(fields=["resolve_bucket", "resolved_at", "created_at", "group_id", "assignee_id"],
                         name="facts_resolve_bucket"),
            # The medians and the distinct count of agents read the tickets resolved in a range from the index
            # alone (PostgreSQL's index-only scan, SQLite's covering index): no look at the rows.
            models.Index(fields=["resolved_at", "created_at", "assignee_id", "group_id"], name="facts_resolved_cover"),
            models.Index(fields=["closed_at"], name="facts_closed"),
            models.Index(fields=["group_id", "created_at"], name="facts_group_created"),
            models.Index(fields=["assignee_id", "resolved_at"], name="facts_assignee_resolved"),
            models.Index(fields=["ended_at", "created_at"], name="facts_ended"),
            # The tickets open now of a group or a lead's groups (the rollup's backlog starts from that count).
            models.Index(fields=["group_id"], condition=models.Q(ended_at__isnull=True), name="facts_open_group"),
        ]

    def __str__(self) -> str:
        return f"facts of ticket {self.ticket_id}"


class Resolution(models.Model):
    """A resolution or a reopening of a ticket, copied from its history line: what the reopen rate counts,
    narrow and on its own index, where the history holds every change of every field. Derived data, kept with
    the ticket's facts (facts.refresh, from the history receiver); never edit it."""

    history = models.OneToOneField("tickets.HistoryEntry", primary_key=True, on_delete=models.DO_NOTHING,
                                   db_constraint=False, related_name="+")
    ticket = models.ForeignKey("tickets.Ticket", on_delete=models.CASCADE, related_name="+")
    at = models.DateTimeField()
    reopened = models.BooleanField()

    class Meta:
        indexes = [models.Index(fields=["at", "reopened"], name="resolution_at")]

    def __str__(self) -> str:
        return f"{'reopening' if self.reopened else 'resolution'} of ticket {self.ticket_id} at {self.at}"


class HourlyFigures(models.Model):
    """The ticket facts added up per UTC hour and resolver group (group 0: none): what a dashboard of the whole
    desk or of a group lead's groups reads instead of the facts when its periods start on whole hours
    (rollup.py; docs/kpis.md, "The hourly rollup"). Each facts row adds its counts to the row of the hour of
    each of its moments (created, resolved, closed; `ended` by the later of its creation and its end, so the
    backlog is the created minus the ended up to an instant), each Resolution row to the row of its hour, in
    its ticket's group; the tickets' SLA breaches and the stopped OLA clocks by their own hour (receivers.py).
    Derived data, kept by rollup.apply in the transaction that changes the facts or the SLA rows;
    `servicedesk rebuild-report-rollup` rewrites it; never edit it.

    Durations are whole microseconds (exact sums, whatever the order they were added in)."""

    hour = models.DateTimeField()
    group_key = models.BigIntegerField()
    # By the creation hour.
    created = models.BigIntegerField(default=0)
    channel_portal = models.BigIntegerField(default=0)
    channel_email = models.BigIntegerField(default=0)
    channel_phone = models.BigIntegerField(default=0)
    channel_monitoring = models.BigIntegerField(default=0)
    channel_api = models.BigIntegerField(default=0)
    channel_console = models.BigIntegerField(default=0)
    channel_system = models.BigIntegerField(default=0)
    response_decided = models.BigIntegerField(default=0)
    responded_in_time = models.BigIntegerField(default=0)
    beyond_first_line = models.BigIntegerField(default=0)
    transfer_us = models.BigIntegerField(default=0)
    # By the resolution hour.
    resolved = models.BigIntegerField(default=0)
    resolution_target = models.BigIntegerField(default=0)
    resolved_in_time = models.BigIntegerField(default=0)
    first_contact = models.BigIntegerField(default=0)
    resolve_us = models.BigIntegerField(default=0)
    logged_minutes = models.BigIntegerField(default=0)
    minutes_agent = models.BigIntegerField(default=0)
    minutes_lead = models.BigIntegerField(default=0)
    minutes_manager = models.BigIntegerField(default=0)
    minutes_admin = models.BigIntegerField(default=0)
    minutes_customer = models.BigIntegerField(default=0)
    # By the closing hour, and by the hour the ticket stopped counting in the backlog.
    closed = models.BigIntegerField(default=0)
    ended = models.BigIntegerField(default=0)
    # The tickets' Resolution rows, by their hour: resolutions and reopenings (the reopen rate).
    resolutions = models.BigIntegerField(default=0)
    reopenings = models.BigIntegerField(default=0)
    # The SLA breaches (sla.SlaEvent at 100 %) of the tickets with facts, by the hour reached, in the ticket's
    # group (that of its facts row: a ticket moved takes its breaches with it).
    breaches = models.BigIntegerField(default=0)
    # The stopped OLA clocks (sla.SlaTarget, kind ola), by the hour stopped, in the clock's own group: in all
    # and within their target.
    ola_stopped = models.BigIntegerField(default=0)
    ola_met = models.BigIntegerField(default=0)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["hour", "group_key"], name="hourly_figures_key")]
        # The backlog reads the created and ended counts from now back to the report's first period end: from
        # the index alone, not the wide rows.
        indexes = [models.Index(fields=["hour", "group_key", "created", "ended"], name="hourly_figures_backlog")]

    def __str__(self) -> str:
        return f"figures of group {self.group_key} at {self.hour}"


# By the resolution hour: the tickets resolved, per octave of their time to resolve (RESOLVE_BUCKETS).
for _column in RESOLVE_COLUMNS:
    HourlyFigures.add_to_class(_column, models.BigIntegerField(default=0))
