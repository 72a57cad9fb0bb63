"""The demo desk's hourly rates, so that its dashboard shows an average cost per ticket (`servicedesk demo`)."""

from decimal import Decimal

from servicedesk.accounts.demo import SECOND_LINE
from servicedesk.accounts.models import Group, Role

from .models import CostRate

AFTER = ("accounts",)
ROLE_RATES = {Role.AGENT: Decimal("120"), Role.LEAD: Decimal("180"), Role.MANAGER: Decimal("240")}
# The network team's engineers cost more than the desk's own people, whoever logs their time.
GROUP_RATES = {SECOND_LINE: Decimal("200")}


def load(demo) -> None:
    if not demo.full:
        return
    for role, rate in ROLE_RATES.items():
        CostRate.objects.get_or_create(role=role, defaults={"hourly_rate": rate})
    for name, rate in GROUP_RATES.items():
        group = Group.objects.filter(name=name).first()
        if group is not None:
            CostRate.objects.get_or_create(group=group, defaults={"hourly_rate": rate})
