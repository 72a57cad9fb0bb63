"""A new ticket's facts row (reports.facts.created, a statement built once): the row `refresh` works out
from the tables, and written over, not refused, when one is there already."""

from django.db import connection
from django.test.utils import CaptureQueriesContext

from servicedesk.reports import facts
from servicedesk.reports.models import HourlyFigures, TicketFacts
from servicedesk.tickets import actions


def _row(pk):
    return TicketFacts.objects.filter(pk=pk).values().get()


def test_a_new_tickets_row_is_what_refresh_writes(desk):
    ticket = actions.create_ticket(actor=desk.agent1, requester=desk.customer1, title="投影仪没有信号",
                                   channel="phone", group=desk.first_line)
    written = _row(ticket.pk)
    assert written["group_id"] == desk.first_line.pk and written["channel"] == "phone"
    facts.refresh([ticket.pk], rolled=False)
    assert _row(ticket.pk) == written


def test_a_row_already_there_is_written_over(desk):
    ticket = actions.create_ticket(actor=desk.agent1, requester=desk.customer1, title="VPN", channel="phone")
    TicketFacts.objects.filter(pk=ticket.pk).update(channel="email", logged_minutes=7)
    rolled = sum(HourlyFigures.objects.values_list("created", flat=True))
    with CaptureQueriesContext(connection) as queries:
        facts.created(ticket)
    assert len(queries.captured_queries) == 2  # the row and the rollup
    row = _row(ticket.pk)
    assert (row["channel"], row["logged_minutes"]) == ("phone", 0)
    assert sum(HourlyFigures.objects.values_list("created", flat=True)) == rolled + 1
