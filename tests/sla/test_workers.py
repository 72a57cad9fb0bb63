"""Each threshold is recorded and announced once, with two real Celery workers on a real Redis evaluating
concurrently against the same database (PostgreSQL, or SQLite on disk)."""

from collections import Counter
from datetime import timedelta

import pytest
from django.utils import timezone

from servicedesk.core import appendonly
from servicedesk.sla import tracking
from servicedesk.sla.models import PendingThreshold, SlaEvent
from servicedesk.tickets import actions
from servicedesk.tickets.models import HistoryEntry, Ticket

# The workers need committed data; serialized_rollback restores the seeded configuration (calendar, policies,
# rules, transitions) that the flush after each transactional test removes.
pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)


def test_two_workers_record_and_announce_each_threshold_once(desk, celery_workers):
    long_ago = timezone.now() - timedelta(days=30)
    tickets = []
    for n in range(30):
        ticket = actions.create_ticket(actor=desk.agent1, title=f"Outage {n}", requester=desk.customer1,
                                       priority=1 + n % 4, group=desk.first_line, assignee=desk.agent1)
        # Opened a month ago and never answered: every threshold of both clocks has come.
        Ticket.objects.filter(pk=ticket.pk).update(created_at=long_ago)
        with appendonly.lifted():  # history is append-only: moved back in time with the guard off
            HistoryEntry.objects.filter(ticket=ticket).update(at=long_ago)
        tracking.recompute_ticket(ticket.pk)
        tickets.append(ticket)
    due = PendingThreshold.objects.filter(at__lte=timezone.now()).count()
    assert due == 30 * 4  # response and resolution, 75 and 100 % (the seeded policies and rules)

    celery_workers.send("servicedesk.sla.tasks.evaluate", count=12)
    celery_workers.wait_idle()
    celery_workers.send("servicedesk.sla.tasks.evaluate", count=4)  # retries after the fact change nothing
    celery_workers.wait_idle()

    events = Counter(SlaEvent.objects.values_list("ticket_id", "key", "percent"))
    assert len(events) == due and set(events.values()) == {1}
    signals = [s for s in celery_workers.signals() if s["signal"] == "threshold_reached"]
    announced = Counter((s["ticket"], s["target"], s["percent"]) for s in signals)
    assert announced == events
    breach = next(s for s in signals if s["percent"] == 100)
    assert breach["notify"] == ["agent1", "lead1", "manager"]
    assert not PendingThreshold.objects.filter(at__lte=timezone.now()).exists()


def test_two_workers_send_each_follow_up_digest_once(desk, celery_workers):
    long_ago = timezone.now() - timedelta(days=30)
    ticket = actions.create_ticket(actor=desk.agent1, title="Routed", requester=desk.customer1,
                                   group=desk.second_line)
    Ticket.objects.filter(pk=ticket.pk).update(created_at=long_ago, updated_at=long_ago)
    celery_workers.send("servicedesk.sla.tasks.follow_up_digest", count=8)
    celery_workers.wait_idle()
    digests = [s for s in celery_workers.signals() if s["signal"] == "follow_up_digest"]
    # The workers send digests from 00:00 local time on (tests/sla/worker_settings.py): always due.
    assert sorted((d["recipient"], d["as_lead"], d["tickets"]) for d in digests) == [
        ("agent1", False, [ticket.pk]), ("lead1", True, [ticket.pk])]

