"""The active subscriptions are read once per reference-data version, not on every ticket change: one added,
changed or switched off applies to the next change all the same."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from servicedesk.tickets import actions
from servicedesk.webhooks import events
from servicedesk.webhooks.models import Delivery


def created(desk, title):
    return actions.create_ticket(actor=desk.agent1, title=title, requester=desk.customer1, group=desk.first_line)


# Committed for real: what a transaction reads under a version it made itself is kept nowhere (core.refdata).
@pytest.mark.django_db(transaction=True)
def test_subscriptions_are_kept_until_one_changes(desk, subscribe):
    created(desk, "Nobody listens yet")
    with CaptureQueriesContext(connection) as queries:
        ticket = created(desk, "Still nobody")
    assert not [q for q in queries.captured_queries if "webhooks_subscription" in q["sql"]]
    assert events.wanting("ticket.created", ticket) == []

    subscription = subscribe(["ticket.created"])
    first = created(desk, "Now someone listens")
    assert list(Delivery.objects.filter(ticket=first).values_list("subscription", flat=True)) == [subscription.pk]

    subscription.events = ["ticket.resolved"]
    subscription.save()
    assert not Delivery.objects.filter(ticket=created(desk, "Not this event")).exists()

    subscription.events = ["ticket.created"]
    subscription.is_active = False
    subscription.save()
    assert not Delivery.objects.filter(ticket=created(desk, "Switched off")).exists()
