"""The demo desk's report subscriptions (`servicedesk demo`, with the tickets): the manager's weekly report in
Chinese (Shanghai), and lead1's monthly report of the 1st line in English."""

from servicedesk.core.audit import Channel

from . import actions
from .models import Frequency, Subscription

AFTER = ("accounts", "tickets")


def load(demo) -> None:
    if not demo.full or Subscription.objects.exists():
        return
    manager, lead = demo.people["manager"], demo.people["lead1"]
    actions.subscribe(actions.SubscriptionInput(frequency=Frequency.WEEKLY, language="zh-hans",
                                                time_zone="Asia/Shanghai", name="服务台周报"),
                      actor=manager, channel=Channel.COMMAND)
    first_line = lead.led_groups.order_by("tier", "id").first()
    query = {"group": str(first_line.pk)} if first_line is not None else {}
    actions.subscribe(actions.SubscriptionInput(frequency=Frequency.MONTHLY, language="en", time_zone="UTC",
                                                name="1st line, monthly", query=query),
                      actor=lead, channel=Channel.COMMAND)
