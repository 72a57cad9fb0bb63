"""The active subscriptions are read once per reference-data version, not on every ticket change: one added,
changed or switched off applies to the next change all the same."""

from django.db import connection
from django.test.utils import CaptureQueriesContext

from servicedesk.tickets.models import Ticket, TicketType
from servicedesk.webhooks import events
from servicedesk.webhooks.models import Subscription

from .conftest import SECRET

# What a subscription's filter reads of a ticket. No desk or people are made here: they would change the
# reference data inside the test's transaction, and what is read under a version the open transaction made
# is kept nowhere (core.refdata).
TICKET = Ticket(pk=1, desk_id=None, group_id=None, type=TicketType.INCIDENT)


def test_subscriptions_are_kept_until_one_changes(db, receiver):
    assert events.wanting("ticket.created", TICKET) == []
    with CaptureQueriesContext(connection) as queries:
        assert events.ticket_changed(TICKET, None, "created", {}) == []
    assert not [q for q in queries.captured_queries if "webhooks_subscription" in q["sql"]]

    subscription = Subscription.objects.create(name="Receiver", url=receiver.url, secret=SECRET,
                                               events=["ticket.created"])
    assert events.wanting("ticket.created", TICKET) == [subscription]

    subscription.events = ["ticket.resolved"]
    subscription.save()
    assert events.wanting("ticket.created", TICKET) == []

    subscription.events = ["ticket.created"]
    subscription.is_active = False
    subscription.save()
    assert events.wanting("ticket.created", TICKET) == []
