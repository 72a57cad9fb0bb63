"""Quick log (seed 003): a phone contact recorded in one screen, solved on the spot or left for routing."""

import pytest
from django.contrib.messages import get_messages

from servicedesk.accounts.models import Role, User
from servicedesk.tickets.models import Category, Comment, HistoryEntry, Status, Ticket

URL = "/console/quick-log/"
PHONE = "+86 138 0000 1234"


@pytest.fixture
def agent1(client, desk):
    client.force_login(desk.agent1)
    return client


def form(**overrides):
    data = {"title": "Outlook keeps asking for the password", "description": "Since this morning.",
            "type": "incident", "impact": "2", "urgency": "2", "outcome": "solved",
            "solution": "Cleared the saved credentials; it works again.", "caller_q": "", "category": "",
            "group": "", "new_name": "", "new_email": "", "new_phone": "", "new_organisation": ""}
    data.update(overrides)
    return data


def messages_of(response) -> list[str]:
    return [str(m) for m in get_messages(response.wsgi_request)]


def test_the_screen(agent1):
    response = agent1.get(URL)
    assert response.status_code == 200
    body = response.content.decode()
    for field in ("caller_q", "new_name", "new_email", "new_phone", "new_organisation", "title",
                  "description", "type", "category", "impact", "urgency", "solution", "group"):
        assert f'for="id_{field}"' in body, field
    assert 'hx-get="/console/quick-log/callers/"' in body
    assert "Solved on the spot" in body and "Open for routing" in body


def test_solved_on_the_spot(agent1, desk):
    response = agent1.post(URL, form(requester=desk.customer1.pk))
    ticket = Ticket.objects.get()
    assert response.status_code == 302 and response.url == f"/console/tickets/{ticket.number}/"
    assert ticket.status == Status.CLOSED and ticket.channel == "phone"
    assert ticket.requester == desk.customer1 and ticket.owner == desk.agent1
    assert ticket.resolved_at and ticket.closed_at and ticket.first_response_at
    assert ticket.group == desk.first_line and ticket.assignee == desk.agent1  # the desk solved it itself
    reply = Comment.objects.get(ticket=ticket)
    assert not reply.internal and reply.body == "Cleared the saved credentials; it works again."
    assert reply.channel == "phone"
    events = list(HistoryEntry.objects.filter(ticket=ticket).values_list("channel", flat=True))
    assert set(events) == {"phone"}
    assert f"{ticket.number} logged and closed" in messages_of(response)[0]


def test_open_for_routing_to_a_group(agent1, desk):
    category = Category.objects.get(name="Printer fault")
    response = agent1.post(URL, form(requester=desk.customer2.pk, outcome="route", solution="", impact="1",
                                     urgency="1", group=desk.second_line.pk, category=category.pk,
                                     type="service_request"))
    ticket = Ticket.objects.get()
    assert response.status_code == 302 and response.url == f"/console/tickets/{ticket.number}/"
    assert ticket.status == Status.ASSIGNED and ticket.group == desk.second_line and ticket.assignee is None
    assert ticket.channel == "phone" and ticket.owner == desk.agent1 and ticket.priority == 1
    assert ticket.type == "service_request" and ticket.category == category
    assert HistoryEntry.objects.filter(ticket=ticket, event="assigned", field="group").exists()
    assert not Comment.objects.filter(ticket=ticket).exists()
    assert "routed to Network and Infrastructure (2nd line)" in messages_of(response)[0]


def test_open_for_routing_without_a_group_waits_in_the_intake(agent1, desk):
    response = agent1.post(URL, form(requester=desk.customer1.pk, outcome="route", solution=""))
    ticket = Ticket.objects.get()
    assert response.status_code == 302
    assert ticket.status == Status.ACKNOWLEDGED and ticket.group is None and ticket.owner == desk.agent1
    assert ticket.number in agent1.get("/console/queues/unassigned/").content.decode()


def test_a_new_caller_is_created_inline(agent1, desk):
    org = desk.customer3.organisation
    response = agent1.post(URL, form(new_name="周杰", new_email="zhou.jie@example.com", new_phone=PHONE,
                                     new_organisation=org.pk))
    assert response.status_code == 302
    caller = User.objects.get(email="zhou.jie@example.com")
    assert caller.role == Role.CUSTOMER and caller.first_name == "周杰" and caller.phone == PHONE
    assert caller.organisation == org and caller.username == "zhou.jie@example.com" and not caller.has_usable_password()
    ticket = Ticket.objects.get()
    assert ticket.requester == caller and ticket.organisation == org and ticket.status == Status.CLOSED


def test_a_new_caller_without_email_gets_a_unique_username(agent1, desk):
    User.objects.create(username="王五", role=Role.CUSTOMER)
    agent1.post(URL, form(new_name="王五", outcome="route", solution=""))
    assert Ticket.objects.get().requester.username == "王五-2"


def test_validation_errors_keep_what_was_typed(agent1, desk):
    response = agent1.post(URL, form(title="", description="Typed text survives", solution=""))
    assert response.status_code == 200
    body = response.content.decode()
    assert "Choose the caller, or add a new one below." in body
    assert "This field is required." in body
    assert "Write down the solution you gave." in body
    assert "Typed text survives" in body and 'aria-invalid="true"' in body
    assert not Ticket.objects.exists()


def test_a_chosen_caller_stays_chosen_when_the_form_comes_back(agent1, desk):
    response = agent1.post(URL, form(requester=desk.customer2.pk, title=""))
    assert response.status_code == 200
    assert f'value="{desk.customer2.pk}" checked' in response.content.decode()


def test_a_known_email_is_not_created_twice(agent1, desk):
    response = agent1.post(URL, form(new_name="Grace again", new_email="CUSTOMER2@example.com"))
    assert response.status_code == 200
    assert "already known" in response.content.decode()
    assert User.objects.filter(email__iexact="customer2@example.com").count() == 1
    assert not Ticket.objects.exists()


def test_a_refused_action_rolls_back_the_new_caller(agent1, desk):
    desk.second_line.is_active = False
    desk.second_line.save()
    # The inactive group is not offered; posting it anyway is a form error, and nothing is created.
    response = agent1.post(URL, form(new_name="Nobody", outcome="route", solution="",
                                     group=desk.second_line.pk))
    assert response.status_code == 200
    assert not User.objects.filter(first_name="Nobody").exists() and not Ticket.objects.exists()


def test_caller_search_partial(agent1, desk):
    desk.customer2.phone = "021-5555-0199"
    desk.customer2.save()
    url = "/console/quick-log/callers/"
    for text in ("Hopper", "grace hop", "customer2", "customer2@example", "5555-0199"):
        response = agent1.get(url, {"caller_q": text}, HTTP_HX_REQUEST="true")
        body = response.content.decode()
        assert f'name="requester" value="{desk.customer2.pk}"' in body, text
        assert "<html" not in body
    assert "Nobody matches" in agent1.get(url, {"caller_q": "zzzz"}).content.decode()
    assert "at least two characters" in agent1.get(url, {"caller_q": "g"}).content.decode()


def test_find_without_javascript_keeps_the_form(agent1, desk):
    response = agent1.post(URL, form(caller_q="Hopper", find="1", title="Half typed"))
    assert response.status_code == 200 and not Ticket.objects.exists()
    body = response.content.decode()
    assert f'value="{desk.customer2.pk}"' in body and 'value="Half typed"' in body
    assert "This field is required" not in body


def test_customers_cannot_quick_log(client, desk):
    client.force_login(desk.customer1)
    assert client.post(URL, form(requester=desk.customer1.pk)).url == "/portal/"
    assert client.get("/console/quick-log/callers/", {"caller_q": "cust"}).url == "/portal/"
    assert not Ticket.objects.exists()
