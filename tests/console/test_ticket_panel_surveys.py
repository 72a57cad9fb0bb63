"""The satisfaction panel (the surveys app's, which may not import the console) is asked about in the side
panels' one statement: a ticket without an answered survey reads no survey rows, one with an answer shows it."""

from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from servicedesk.console.ticket_panels import has
from servicedesk.surveys.models import SurveyResponse
from servicedesk.tickets.models import Status

from .ticketing import make_ticket

TABLE = SurveyResponse._meta.db_table


def _page(client, ticket):
    with CaptureQueriesContext(connection) as captured:
        response = client.get(reverse("console:ticket", args=[ticket.number]))
    assert response.status_code == 200
    reads = [q["sql"] for q in captured.captured_queries if TABLE in q["sql"]]
    return response.content.decode(), reads


def test_an_unanswered_survey_is_no_panel_and_no_read_of_its_own(client, desk):
    ticket = make_ticket(desk, Status.IN_PROGRESS)
    SurveyResponse.objects.create(ticket=ticket, resolution=1, asked_at=timezone.now())  # asked, not answered
    client.force_login(desk.agent1)
    client.get(reverse("console:ticket", args=[ticket.number]))  # warm the per-process caches
    html, reads = _page(client, ticket)
    assert 'id="survey"' not in html
    assert len(reads) == 1 and reads[0].startswith("SELECT EXISTS")
    assert not has(type(ticket).objects.get(pk=ticket.pk), "surveys")


def test_an_answered_survey_is_read_and_shown(client, desk):
    ticket = make_ticket(desk, Status.IN_PROGRESS)
    now = timezone.now()
    SurveyResponse.objects.create(ticket=ticket, resolution=1, asked_at=now, rating=4, answered_at=now,
                                  comment="Quick and kind", channel="portal")
    client.force_login(desk.agent1)
    html, reads = _page(client, ticket)
    assert 'id="survey"' in html and "Quick and kind" in html
    assert len(reads) == 2 and reads[0].startswith("SELECT EXISTS")
    assert has(type(ticket).objects.get(pk=ticket.pk), "surveys")
