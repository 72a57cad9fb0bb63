"""What the reports need beyond the ticket record: the hourly rates that turn logged time into cost."""

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
