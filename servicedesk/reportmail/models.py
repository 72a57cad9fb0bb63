"""A person's subscription to a periodic report, and its mailings: one row per subscription and period (unique),
which is both the proof that the period's mail was planned once and the outbox row it is sent from."""

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from servicedesk.accounts.models import validate_time_zone


class Frequency(models.TextChoices):
    DAILY = "daily", _("Daily")
    WEEKLY = "weekly", _("Weekly (Monday to Sunday)")
    MONTHLY = "monthly", _("Monthly")


class Subscription(models.Model):
    user = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("subscriber"), on_delete=models.CASCADE,
                             related_name="report_subscriptions")
    name = models.CharField(_("name"), max_length=200, blank=True)
    frequency = models.CharField(_("frequency"), max_length=10, choices=Frequency.choices)
    # The report's filters as URL parameters (reports.kpis.Filters.as_query, without the dates), and its KPIs
    # (empty: every KPI).
    query = models.JSONField(_("filters"), default=dict, blank=True)
    keys = models.JSONField(_("KPIs"), default=list, blank=True)
    language = models.CharField(_("language"), max_length=10, choices=settings.LANGUAGES)
    time_zone = models.CharField(_("time zone"), max_length=64, validators=[validate_time_zone])
    # The first moment (UTC) the next period has ended in the subscriber's zone: the scheduler's cheap test.
    next_due_at = models.DateTimeField(_("next mail due"), db_index=True)
    last_period = models.DateField(_("last period planned"), null=True, blank=True)
    created_at = models.DateTimeField(_("created"), default=timezone.now)
    version = models.PositiveIntegerField(default=1)

    class Meta:
        verbose_name = _("report subscription")
        verbose_name_plural = _("report subscriptions")

    def __str__(self) -> str:
        return self.name or f"{self.report_name} ({self.user})"

    @property
    def report_name(self) -> str:
        return {Frequency.DAILY: _("Daily report"), Frequency.WEEKLY: _("Weekly report"),
                Frequency.MONTHLY: _("Monthly report")}[self.frequency]


class MailingState(models.TextChoices):
    QUEUED = "queued", _("queued")
    SENDING = "sending", _("sending")
    SENT = "sent", _("sent")
    FAILED = "failed", _("failed")


class Mailing(models.Model):
    subscription = models.ForeignKey(Subscription, on_delete=models.CASCADE, related_name="mailings")
    period_start = models.DateField(_("first day"))
    period_end = models.DateField(_("last day"))
    state = models.CharField(_("state"), max_length=10, choices=MailingState.choices, default=MailingState.QUEUED)
    attempts = models.PositiveIntegerField(default=0)
    next_attempt_at = models.DateTimeField(null=True, blank=True)
    claimed_at = models.DateTimeField(null=True, blank=True)
    last_error = models.TextField(blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("report mailing")
        constraints = [models.UniqueConstraint(fields=["subscription", "period_start"],
                                               name="reportmail_once_per_period")]
        indexes = [models.Index(fields=["state", "next_attempt_at"], name="reportmail_due")]

    def __str__(self) -> str:
        return f"{self.subscription_id}: {self.period_start} – {self.period_end}"

    @property
    def message_id(self) -> str:
        """The same on every attempt: a copy sent after a crash shows as one message."""
        domain = getattr(settings, "SERVICEDESK_NOTIFY_MESSAGE_ID_DOMAIN", "") or "localhost"
        return f"sd.report.{self.pk}@{domain}"
