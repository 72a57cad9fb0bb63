"""A problem is opened when its ticket is: the demo's problem, opened on the previous working day with its known
error published that morning, does not say it was opened at the moment the demo was loaded."""

import datetime

from django.utils import timezone

from servicedesk.tickets.demo import _clock

from .conftest import open_problem


def test_the_problem_is_opened_at_the_desks_time(desk, incidents):
    moment = timezone.now() - datetime.timedelta(days=3)
    with _clock(moment):
        record = open_problem(incidents, desk.lead1)
    record.refresh_from_db()
    assert record.created_at == record.ticket.created_at == moment
