"""The ticket list is rendered without ninja validating its page again: what it sends must be exactly what
the documented schema (TicketPage) would have made of it, for every role and every kind of row."""

import json

import pytest
from ninja.renderers import JSONRenderer

from servicedesk.api.tickets import TicketPage
from servicedesk.tickets import actions
from servicedesk.tickets.models import Status, TicketType
from tests.tickets.lifecycle import make_ticket


def as_schema_sends_it(page: dict) -> dict:
    dumped = TicketPage.model_validate(page).model_dump(by_alias=True)
    return json.loads(JSONRenderer().render(None, dumped, response_status=200))


def shape(value):
    """The keys at every level, the values left out."""
    if isinstance(value, dict):
        return {key: shape(item) for key, item in value.items()}
    if isinstance(value, list):
        return [shape(item) for item in value]
    return None


def same_as_the_schemas(page: dict) -> bool:
    # Values compared as the schema reads them: a time sent as "…:47.000Z" comes back from a JSON round
    # trip as "…:47Z" (the encoder drops microseconds under a millisecond), the same instant.
    expected = as_schema_sends_it(page)
    return shape(page) == shape(expected) and TicketPage.model_validate(page) == TicketPage.model_validate(expected)


@pytest.mark.parametrize("who", ["manager", "agent1", "customer1"])
def test_the_page_is_the_schemas(api, desk, who):
    make_ticket(desk, Status.NEW, title="VPN broken", impact=1, urgency=1)
    make_ticket(desk, Status.ASSIGNED, title="Need a laptop", type=TicketType.SERVICE_REQUEST)
    pending = make_ticket(desk, Status.PENDING, title="Mailbox full")
    actions.add_comment(pending, actor=desk.agent1, body="Asked for the size", internal=False)
    make_ticket(desk, Status.CLOSED, title="Printer jam")
    response = api(who).get("/api/v1/tickets?limit=2")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/json; charset=utf-8"
    page = response.json()
    assert page["items"] and page["next_cursor"]
    assert same_as_the_schemas(page)
    following = api(who).get(f"/api/v1/tickets?limit=2&cursor={page['next_cursor']}").json()
    assert same_as_the_schemas(following)
