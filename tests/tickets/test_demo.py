"""`servicedesk demo`: a few dozen tickets in every state, made through the actions; idempotent."""

import io

from django.core.management import call_command

from servicedesk.accounts.models import User
from servicedesk.tickets.models import HistoryEntry, Status, Ticket


def test_demo_loads_every_state_and_runs_twice_without_change(db):
    call_command("demo", stdout=io.StringIO())
    statuses = set(Ticket.objects.values_list("status", flat=True))
    assert statuses == set(Status.values)
    assert Ticket.objects.count() == 36
    assert Ticket.objects.filter(assignee__username="agent1", status=Status.IN_PROGRESS).exists()
    assert HistoryEntry.objects.filter(event="created").count() == 36
    for username in ("admin", "manager", "lead1", "agent1", "agent2", "customer1", "customer2", "customer3"):
        assert User.objects.get(username=username).check_password("demo-pass-123")
    assert User.objects.get(username="customer3").organisation.name == "Organisation B"

    out = io.StringIO()
    call_command("demo", stdout=out)
    assert "0 tickets added" in out.getvalue()
    assert Ticket.objects.count() == 36

    out = io.StringIO()
    call_command("demo", if_empty=True, stdout=out)
    assert "not loaded" in out.getvalue()
