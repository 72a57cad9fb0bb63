"""QA of issue 15: the ticket page's announcements, monitoring and major-incident panels sit in its side
column with the other panels, not below the page (where the major-incident panel took the whole width)."""

import pytest
from django.test import Client

from servicedesk.tickets.models import Ticket

from .conftest import alertmanager, am_alert, post


@pytest.mark.parametrize("language", ["en", "zh-hans"])
def test_the_panels_are_in_the_side_column(desk, source, language):
    post(source, alertmanager(am_alert("db1")))
    ticket = Ticket.objects.get()
    client = Client(HTTP_ACCEPT_LANGUAGE=language)
    client.force_login(desk.manager)
    body = client.get(f"/console/tickets/{ticket.number}/").content.decode()
    side = body.split('<aside class="ticket-side"', 1)[1].split("</aside>", 1)[0]
    for anchor in ('id="announcements"', 'id="alerts"', 'id="major-incident"'):
        assert anchor in side, anchor
