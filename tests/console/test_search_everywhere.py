"""One search (issue 12): agents search every ticket they may see, across queues and states, ranked,
and by number with or without prefix and zeros; customers search their own requests in the portal."""

import re

import pytest
from django.test import Client
from django.urls import reverse

from servicedesk.tickets import actions
from servicedesk.tickets.models import Status
from servicedesk.tickets.numbers import number_candidates

from .ticketing import make_ticket

ROW = re.compile(r'<td class="num"><a href="/console/tickets/(SD-\d{6})/">')


def client_for(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def found(client, **params) -> list[str]:
    response = client.get(reverse("console:search"), params)
    assert response.status_code == 200
    return ROW.findall(response.content.decode())


@pytest.fixture
def printers(desk):
    """Printer tickets nobody has assigned to agent1 ("My tickets" is empty), one closed."""
    open_one = make_ticket(desk, Status.ASSIGNED, title="打印机卡纸", group=desk.first_line)
    closed = make_ticket(desk, Status.CLOSED, title="彩色打印不清楚")
    other = make_ticket(desk, Status.ACKNOWLEDGED, title="VPN 连接不上")
    hidden = actions.create_ticket(actor=desk.manager, requester=desk.customer3, title="打印服务器宕机",
                                   group=desk.third_line)
    return open_one, closed, other, hidden


def test_agents_find_tickets_across_queues_and_states(desk, printers):
    open_one, closed, other, hidden = printers
    agent1 = client_for(desk.agent1)
    assert open_one.number not in agent1.get("/console/queues/mine/").content.decode()
    numbers = found(agent1, q="打印")
    assert set(numbers) == {open_one.number, closed.number}, "hidden tickets stay hidden"
    assert found(client_for(desk.manager), q="打印").count(hidden.number) == 1


def test_a_queue_is_an_optional_filter(desk, printers):
    open_one, closed, *_ = printers
    agent1 = client_for(desk.agent1)
    assert found(agent1, q="打印", queue="groups") == [open_one.number]
    assert found(agent1, q="打印", queue="mine") == []
    assert set(found(agent1, q="打印", queue="no-such-queue")) == {open_one.number, closed.number}


@pytest.mark.parametrize("typed", ["{n}", "SD-{n}", "sd-{n:06d}", "SD-{n:06d}", "#{n}", " {n} "])
def test_a_ticket_is_found_by_its_number_however_typed(desk, printers, typed):
    _open_one, _closed, other, _hidden = printers
    n = int(other.number.split("-")[1])
    assert found(client_for(desk.agent1), q=typed.format(n=n))[0] == other.number


def test_number_candidates():
    assert number_candidates("SD-38") == ["SD-000038"]
    assert number_candidates("sd-000038") == ["SD-000038"]
    assert number_candidates("³") == [] and number_candidates("") == [] and number_candidates("打印") == []


def test_the_queue_search_bar_searches_everything(desk, printers):
    page = client_for(desk.agent1).get("/console/queues/mine/").content.decode()
    assert f'action="{reverse("console:search")}"' in page


def test_customers_search_their_own_requests(desk, printers):
    open_one, closed, other, hidden = printers
    customer = client_for(desk.customer1)
    html = customer.get(reverse("portal:requests"), {"q": "打印", "state": "all"}).content.decode()
    assert open_one.number in html and closed.number in html
    assert other.number not in html and hidden.number not in html
    html = customer.get(reverse("portal:requests"), {"q": "打印", "state": "open"}).content.decode()
    assert open_one.number in html and closed.number not in html
    customer3 = client_for(desk.customer3)
    html = customer3.get(reverse("portal:requests"), {"q": "打印", "state": "all"}).content.decode()
    assert hidden.number in html and open_one.number not in html


def test_search_takes_bad_input_calmly(desk):
    agent1 = client_for(desk.agent1)
    for q in ("\x00", "a" * 5000, "'; DROP TABLE x; --", "³", "SD-99999999999999999999"):
        assert agent1.get(reverse("console:search"), {"q": q}).status_code in (200, 400)
