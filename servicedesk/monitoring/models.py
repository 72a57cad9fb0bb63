"""Monitoring alerts: the sources that send them (Alertmanager, Zabbix, plain JSON) and one row per alert
fingerprint, which keeps the alert's state and the incident it opened (monitoring.actions)."""

import secrets

from django.core.exceptions import ValidationError
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from servicedesk.accounts.models import Group, hash_token
from servicedesk.tickets.models import Category, Level, Service, Ticket

# Severity (lower-cased) → [impact, urgency], 1 high … 3 low. Alertmanager's usual severities and Zabbix's.
DEFAULT_SEVERITIES = {
    "critical": [Level.HIGH, Level.HIGH], "disaster": [Level.HIGH, Level.HIGH],
    "high": [Level.HIGH, Level.MEDIUM],
    "warning": [Level.MEDIUM, Level.MEDIUM], "average": [Level.MEDIUM, Level.MEDIUM],
    "info": [Level.LOW, Level.LOW], "information": [Level.LOW, Level.LOW], "not classified": [Level.LOW, Level.LOW],
}
# Which label names what: a label's value picks the desk's service, category or group by name; "severity"
# names the alert's severity; "storm" groups a source's alerts for storm detection (empty: the whole source).
LABEL_ROLES = ("service", "category", "group", "severity", "storm")
DEFAULT_LABELS = {"service": "service", "category": "category", "group": "team", "severity": "severity",
                  "storm": ""}


def default_severities() -> dict:
    return {name: [int(level) for level in levels] for name, levels in DEFAULT_SEVERITIES.items()}


def default_labels() -> dict:
    return dict(DEFAULT_LABELS)


class SourceKind(models.TextChoices):
    ALERTMANAGER = "alertmanager", _("Prometheus Alertmanager")
    ZABBIX = "zabbix", _("Zabbix")
    JSON = "json", _("Plain JSON")


class AlertSource(models.Model):
    """A monitoring system allowed to post alerts to /api/v1/monitoring/<slug>/<kind>."""

    name = models.CharField(_("name"), max_length=100)
    slug = models.SlugField(_("address name"), max_length=50, unique=True,
                            help_text=_("The part of the webhook's address that names this source."))
    kind = models.CharField(_("kind"), max_length=16, choices=SourceKind.choices, default=SourceKind.ALERTMANAGER)
    is_active = models.BooleanField(_("active"), default=True)
    token_hash = models.CharField(max_length=64, blank=True, editable=False)
    token_prefix = models.CharField(_("token"), max_length=12, blank=True, editable=False)
    hmac_secret = models.CharField(
        _("signing secret"), max_length=200, blank=True,
        help_text=_("For senders that sign the body (X-ServiceDesk-Signature) instead of sending a token."),
    )
    default_service = models.ForeignKey(Service, verbose_name=_("default service"), null=True, blank=True,
                                        on_delete=models.SET_NULL, related_name="+")
    default_category = models.ForeignKey(Category, verbose_name=_("default category"), null=True, blank=True,
                                         on_delete=models.SET_NULL, related_name="+")
    default_group = models.ForeignKey(Group, verbose_name=_("default group"), null=True, blank=True,
                                      on_delete=models.SET_NULL, related_name="+")
    labels = models.JSONField(
        _("label names"), default=default_labels, blank=True,
        help_text=_("Which alert label names the service, category, group and severity, and which groups alerts "
                    "for storms (empty: the whole source)."),
    )
    severities = models.JSONField(
        _("severities"), default=default_severities, blank=True,
        help_text=_("Severity → [impact, urgency], 1 high to 3 low; an unknown severity is medium."),
    )
    auto_resolve = models.BooleanField(_("resolve the incident when the alert resolves"), default=True)
    reopen_minutes = models.PositiveIntegerField(
        _("reopen window (minutes)"), default=60,
        help_text=_("An alert firing again this soon after its incident was resolved reopens it; later, or once "
                    "closed, it opens a new incident related to the old one."),
    )
    storm_threshold = models.PositiveIntegerField(
        _("storm threshold"), default=10,
        help_text=_("When more alerts than this open incidents within a minute, they are grouped under one "
                    "parent incident."),
    )
    created_at = models.DateTimeField(_("created"), default=timezone.now)

    audit_exclude = ("token_hash",)
    audit_masked = ("hmac_secret",)

    class Meta:
        verbose_name = _("alert source")
        verbose_name_plural = _("alert sources")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    def new_token(self) -> str:
        """Give the source a new token (saved by the caller) and return it: only its hash is kept."""
        raw = "sdm_" + secrets.token_urlsafe(32)
        self.token_hash, self.token_prefix = hash_token(raw), raw[:10]
        return raw

    def label(self, role: str) -> str:
        return (self.labels or {}).get(role, DEFAULT_LABELS.get(role, "")) or ""

    def clean(self):
        if not isinstance(self.labels, dict) or set(self.labels) - set(LABEL_ROLES) or not all(
                isinstance(v, str) for v in self.labels.values()):
            raise ValidationError({"labels": _("Give an object naming a label for some of: %(roles)s.")
                                   % {"roles": ", ".join(LABEL_ROLES)}})
        valid = isinstance(self.severities, dict) and all(
            isinstance(levels, list) and len(levels) == 2 and all(level in Level.values for level in levels)
            for levels in self.severities.values())
        if not valid:
            raise ValidationError({"severities": _("Give each severity as [impact, urgency], each 1, 2 or 3.")})
        if self.default_category_id and self.default_service_id \
                and self.default_category.service_id != self.default_service_id:
            raise ValidationError({"default_category": _("The default category belongs to another service.")})


class AlertState(models.TextChoices):
    FIRING = "firing", _("Firing")
    RESOLVED = "resolved", _("Resolved")


class Alert(models.Model):
    """One alert of a source, by its fingerprint, and the incident it opened (the latest one)."""

    source = models.ForeignKey(AlertSource, verbose_name=_("source"), on_delete=models.CASCADE,
                               related_name="alerts")
    fingerprint = models.CharField(_("fingerprint"), max_length=200)
    state = models.CharField(_("state"), max_length=16, choices=AlertState.choices, default=AlertState.FIRING)
    title = models.CharField(_("title"), max_length=255)
    severity = models.CharField(_("severity"), max_length=50, blank=True)
    labels = models.JSONField(_("labels"), default=dict, blank=True)
    generator_url = models.CharField(_("link"), max_length=1000, blank=True)
    storm_key = models.CharField(max_length=200, blank=True)
    count = models.PositiveIntegerField(_("times received"), default=0)
    first_seen = models.DateTimeField(_("first seen"), default=timezone.now)
    last_seen = models.DateTimeField(_("last seen"), default=timezone.now)
    opened_at = models.DateTimeField(_("incident opened"), null=True, blank=True)
    resolved_at = models.DateTimeField(_("resolved"), null=True, blank=True)
    ticket = models.ForeignKey(Ticket, verbose_name=_("incident"), null=True, blank=True,
                               on_delete=models.SET_NULL, related_name="alerts")

    class Meta:
        verbose_name = _("alert")
        verbose_name_plural = _("alerts")
        ordering = ["-last_seen", "-id"]
        constraints = [models.UniqueConstraint(fields=["source", "fingerprint"], name="alert_unique_fingerprint")]
        indexes = [models.Index(fields=["source", "storm_key", "opened_at"], name="alert_storm_window")]

    def __str__(self) -> str:
        return f"{self.source_id}/{self.fingerprint}"


class AlertStorm(models.Model):
    """The parent incident of a source's (or a label group's) current alert storm: one per group, so that
    concurrent alerts lock it and make one parent."""

    source = models.ForeignKey(AlertSource, on_delete=models.CASCADE, related_name="+")
    key = models.CharField(max_length=200, blank=True)
    ticket = models.ForeignKey(Ticket, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")

    class Meta:
        verbose_name = _("alert storm")
        verbose_name_plural = _("alert storms")
        constraints = [models.UniqueConstraint(fields=["source", "key"], name="alert_storm_unique_key")]

    def __str__(self) -> str:
        return f"{self.source_id}/{self.key}"
