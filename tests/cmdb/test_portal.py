"""Customers pick their own devices when they report in the portal: offered only theirs, linked to the ticket."""

from django.test import Client

from servicedesk.cmdb.models import TicketItem
from servicedesk.tickets.models import Ticket


def _client(user):
    client = Client()
    client.force_login(user)
    return client


def test_a_customer_picks_their_own_device(desk, estate):
    customer = _client(desk.customer1)
    form = customer.get("/portal/new/").content.decode()
    assert "LT-0001" in form and "srv-db-01" not in form
    sent = customer.post("/portal/new/", {"type": "incident", "title": "Fan is loud", "description": "",
                                          "urgency": "2", "devices": [estate["laptop"].pk]})
    assert sent.status_code == 302
    ticket = Ticket.objects.get(title="Fan is loud")
    assert [link.item for link in TicketItem.objects.filter(ticket=ticket)] == [estate["laptop"]]
    assert ticket.history.filter(event="item_linked", actor=desk.customer1).exists()


def test_someone_elses_device_is_not_offered_nor_taken(desk, estate):
    other = _client(desk.customer2)
    assert "LT-0001" not in other.get("/portal/new/").content.decode()
    sent = other.post("/portal/new/", {"type": "incident", "title": "Not mine", "description": "", "urgency": "2",
                                       "devices": [estate["laptop"].pk]})
    assert sent.status_code == 200 and not Ticket.objects.filter(title="Not mine").exists()
