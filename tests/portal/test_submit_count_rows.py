"""The submit limit's count is done by the database: a customer with many requests in the hour (a limit
raised high) costs one aggregate row, not a row per request; a reached limit reads the one request whose
leaving frees it."""

import datetime

from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from servicedesk.portal.views import submit_wait
from servicedesk.tickets import actions
from servicedesk.tickets.models import Channel, Ticket


def sent(desk, minutes_ago):
    ticket = actions.create_ticket(actor=desk.customer1, title=f"Sent {minutes_ago} minutes ago",
                                   channel=Channel.PORTAL)
    at = timezone.now() - datetime.timedelta(minutes=minutes_ago)
    Ticket.objects.filter(pk=ticket.pk).update(created_at=at, updated_at=at)


def test_under_the_limits_one_counting_statement(desk, settings):
    settings.SERVICEDESK_PORTAL_SUBMITS_PER_MINUTE = 1000
    settings.SERVICEDESK_PORTAL_SUBMITS_PER_HOUR = 1000
    for minutes in (0.2, 5, 20, 40):
        sent(desk, minutes)
    with CaptureQueriesContext(connection) as queries:
        assert submit_wait(desk.customer1) == 0
    assert len(queries.captured_queries) == 1
    sql = queries.captured_queries[0]["sql"]
    assert "COUNT(" in sql and "ORDER BY" not in sql


def test_reached_limits_wait_for_the_right_request(desk, settings):
    settings.SERVICEDESK_PORTAL_SUBMITS_PER_MINUTE = 2
    settings.SERVICEDESK_PORTAL_SUBMITS_PER_HOUR = 3
    for minutes in (0.5, 0.25, 10, 45):
        sent(desk, minutes)
    # The hour holds four: the third newest (10 minutes ago) frees the hour in 50 minutes; the minute's
    # second newest (30 s ago) frees the minute in 30 s.
    wait = submit_wait(desk.customer1)
    assert 49 * 60 < wait <= 50 * 60
    settings.SERVICEDESK_PORTAL_SUBMITS_PER_HOUR = 0
    assert 25 < submit_wait(desk.customer1) <= 30
