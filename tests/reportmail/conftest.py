"""Helpers of the report subscription tests: the report tests' hand-built tickets, subscribing at a chosen moment and
one scheduler beat at a chosen moment."""

import datetime

from servicedesk.reportmail import actions, sending
from tests.reports.conftest import at, make_ticket  # noqa: F401  (the make_ticket fixture)

# Subscribed on 27 February: the first monthly report is February's.
SUBSCRIBED = at("2026-02-27 10:00")
SHANGHAI_MONTH_END = at("2026-02-28 16:00")  # 1 March 00:00 in Shanghai
UTC_MONTH_END = at("2026-03-01 00:00")
SECOND = datetime.timedelta(seconds=1)


def subscribe(user, *, zone, language="en", frequency="monthly", now=SUBSCRIBED, **extra):
    data = actions.SubscriptionInput(frequency=frequency, language=language, time_zone=zone, **extra)
    return actions.subscribe(data, actor=user, channel="console", now=now)


def run(now):
    """One scheduler beat at `now`: plan what has ended, send what is due."""
    actions.plan_due(now)
    for pk in sending.due_mailings(now):
        sending.send_mailing(pk, now)
