"""What a request sent through the portal costs: the submit limit counted from its own index, no device
query built when none is ticked, nothing asked about webhooks when none is configured."""

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from servicedesk.cmdb.visibility import own_devices
from servicedesk.portal.forms import NewRequestForm
from servicedesk.portal.views import submit_wait
from servicedesk.tickets.models import Channel, Ticket


def submit(client, title, **extra):
    return client.post(reverse("portal:new"), {"type": "incident", "title": title, "description": "Details",
                                               "urgency": "2", **extra})


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


# Committed for real: the webhooks are asked after the commit.
@pytest.mark.django_db(transaction=True)
def test_a_request_sent_asks_nothing_about_webhooks_when_none_is_configured(desk, settings):
    settings.SERVICEDESK_PORTAL_SUBMITS_PER_MINUTE = 100
    client = Client()
    client.force_login(desk.customer1)
    assert submit(client, "First one").status_code == 302  # the webhooks' list read once, then kept
    with CaptureQueriesContext(connection) as queries:
        response = submit(client, "Printer jams")
    assert response.status_code == 302
    ticket = Ticket.objects.get(title="Printer jams")
    assert response["Location"] == reverse("portal:request", args=[ticket.number])
    assert ticket.channel == Channel.PORTAL and ticket.requester == desk.customer1
    assert "webhooks_subscription" not in " ".join(q["sql"] for q in queries.captured_queries)


def test_no_device_ticked_is_an_empty_list_and_no_device_query_is_built(desk):
    built = []

    def devices():
        built.append(True)
        return own_devices(desk.customer1)

    form = NewRequestForm({"type": "incident", "title": "No device", "urgency": "2"}, devices=devices)
    assert form.is_valid(), form.errors
    assert form.cleaned_data["devices"] == [] and isinstance(form.cleaned_data["devices"], list)
    assert not built
