"""A hand-built data set for the report tests: tickets made through the desk's actions, then given the
times the test needs (the record's timestamps are what the KPIs read)."""

import datetime

import pytest

from servicedesk.tickets import actions
from servicedesk.tickets.models import Ticket

UTC = datetime.UTC


def at(text: str) -> datetime.datetime:
    """A UTC instant written "2026-02-01 00:30"."""
    return datetime.datetime.fromisoformat(text).replace(tzinfo=UTC)


@pytest.fixture
def make_ticket(desk):
    def make(created: str, *, channel="portal", group=None, assignee=None, **times) -> Ticket:
        ticket = actions.create_ticket(actor=desk.customer1, title=f"Ticket of {created}")
        fields = {"created_at": at(created), "channel": channel, "group": group, "assignee": assignee}
        fields.update({name: at(value) if name.endswith("_at") else value for name, value in times.items()})
        Ticket.objects.filter(pk=ticket.pk).update(**fields)
        ticket.refresh_from_db()
        return ticket

    return make
