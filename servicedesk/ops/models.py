from django.db import models
from django.utils.translation import gettext_lazy as _


class SchedulerRun(models.Model):
    """When a periodic scheduler last went round its table: what /readyz reads, from any web process."""

    name = models.CharField(_("scheduler"), max_length=50, primary_key=True)
    last_run = models.DateTimeField(_("last run"))
    host = models.CharField(_("host"), max_length=255, blank=True)
    pid = models.PositiveIntegerField(_("process id"), default=0)

    class Meta:
        verbose_name = _("scheduler run")
        verbose_name_plural = _("scheduler runs")

    def __str__(self) -> str:
        return self.name
