"""The Jinja2 pages mask the CSRF token once per page, as Django's engine does: the ticket page's forms all
carry the same value, which the desk accepts; the next page gets another."""

import re

from django.test import Client

from .test_ticket_page import url
from .ticketing import fresh, make_ticket

TOKEN = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')
HEADER = re.compile(r'"X-CSRFToken": "([^"]+)"')


def test_the_ticket_pages_forms_share_one_masked_token(desk):
    ticket = make_ticket(desk)
    client = Client(enforce_csrf_checks=True)
    client.force_login(desk.agent1)
    html = client.get(url(ticket)).content.decode()
    found = TOKEN.findall(html)
    # The Jinja2 page's own forms share one value; the side panels of other apps are Django fragments (with
    # Django's one value). Masked at each use, each form had its own.
    page = HEADER.search(html).group(1)
    assert found.count(page) >= 10 and len(set(found)) <= 2
    response = client.post(url(ticket, "ticket_reply"), {"body": "One token will do.", "version": fresh(ticket).version,
                                                         "csrfmiddlewaretoken": page})
    assert response.status_code in (200, 302)
    assert "One token will do." in client.get(url(ticket)).content.decode()
    again = set(TOKEN.findall(client.get(url(ticket)).content.decode()))
    assert again and page not in again
