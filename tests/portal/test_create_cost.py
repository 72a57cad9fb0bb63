"""What a request sent through the portal costs: the submit limit counted from its own index, no device
query built when none is ticked (the webhooks' part: tests/webhooks/test_active_subscriptions.py)."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from servicedesk.cmdb.visibility import own_devices
from servicedesk.portal.forms import NewRequestForm
from servicedesk.portal.views import submit_wait


@pytest.mark.skipif(connection.vendor != "sqlite", reason="SQLite's plan")
def test_the_submit_limit_is_counted_from_its_index_alone(desk, settings):
    settings.SERVICEDESK_PORTAL_SUBMITS_PER_MINUTE = 1000
    settings.SERVICEDESK_PORTAL_SUBMITS_PER_HOUR = 1000
    with CaptureQueriesContext(connection) as queries:
        assert submit_wait(desk.customer1) == 0
    [count] = queries.captured_queries
    with connection.cursor() as cursor:
        # The captured text has its parameters filled in, quoted: the plan is the same.
        cursor.execute(f"EXPLAIN QUERY PLAN {count['sql']}")
        plan = " ".join(str(row[-1]) for row in cursor.fetchall())
    assert "COVERING INDEX ticket_requester_sent" in plan, plan


def test_no_device_ticked_is_an_empty_list_and_no_device_query_is_built(desk):
    built = []

    def devices():
        built.append(True)
        return own_devices(desk.customer1)

    form = NewRequestForm({"type": "incident", "title": "No device", "urgency": "2"}, devices=devices)
    assert form.is_valid(), form.errors
    assert form.cleaned_data["devices"] == [] and isinstance(form.cleaned_data["devices"], list)
    assert not built
