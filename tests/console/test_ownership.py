"""Nothing falls through the desk (seed 003: "谁接线谁负责跟踪到底"): a portal request a rule routes to a
supplier with nobody in it stays with the 1st line, in its "Unowned" queue, until an agent takes
ownership; the portal ticks only the steps that happened."""

import re

import pytest
from django.test import Client
from django.urls import reverse

from servicedesk.accounts.identity import system_user
from servicedesk.routing.demo import ensure_demo_routing
from servicedesk.tickets.models import Category, Status, Ticket

NUMBER = re.compile(r">(SD-\d{6})</a></td>")


def steps(html: str) -> list[tuple[str, str]]:
    """(class, label) of each step of the portal's progress bar."""
    bar = re.search(r'<ol class="progress".*?</ol>', html, re.S).group(0)
    return [(cls.strip(), re.sub(r"<[^>]+>", "", label).strip())
            for cls, label in re.findall(r'<li class="([^"]*)"[^>]*>(.*?)</li>', bar, re.S)]


def client_for(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def printer_request(desk, settings, tmp_path):
    """customer1 reports a printer fault on the portal; the demo rule routes it to the supplier."""
    settings.MEDIA_ROOT = tmp_path / "media"
    ensure_demo_routing()
    customer = client_for(desk.customer1)
    leaf = Category.objects.get(name="Printer fault")
    response = customer.post(reverse("portal:new"), {
        "type": "incident", "category": leaf.pk, "title": "打印机卡纸", "description": "三楼的打印机一直卡纸。",
        "urgency": "2",
    })
    assert response.status_code == 302
    ticket = Ticket.objects.get(title="打印机卡纸")
    assert ticket.group == desk.supplier and not desk.supplier.members.exists()
    return ticket


def test_a_supplier_routed_request_waits_in_the_first_lines_unowned_queue(desk, printer_request):
    ticket = printer_request
    assert ticket.owner_id is None and ticket.acknowledged_at is None and ticket.status == Status.ASSIGNED
    agent1 = client_for(desk.agent1)
    assert agent1.get(reverse("console:ticket", args=[ticket.number])).status_code == 200
    shown = NUMBER.findall(agent1.get("/console/queues/unowned/").content.decode())
    assert shown == [ticket.number]
    assert 'id="queue-count-unowned"' in agent1.get("/console/queues/mine/").content.decode()


def test_the_portal_ticks_only_what_happened(desk, printer_request):
    ticket = printer_request
    desk.customer1.language = "en"
    desk.customer1.save(update_fields=["language"])
    customer = client_for(desk.customer1)
    html = customer.get(reverse("portal:request", args=[ticket.number])).content.decode()
    assert steps(html) == [("current", "Received"), ("", "Accepted"), ("", "Being worked on"), ("", "Solved"),
                           ("", "Closed")]
    assert "Being worked on" not in html.split('<ol class="progress"')[0], "the status badge says Received"
    listing = customer.get(reverse("portal:requests")).content.decode()
    assert "Being worked on" not in listing and "Received" in listing


def test_taking_ownership_acknowledges_it(desk, printer_request):
    ticket = printer_request
    agent1 = client_for(desk.agent1)
    page = agent1.get(reverse("console:ticket", args=[ticket.number])).content.decode()
    assert 'data-test="take-ownership"' in page
    response = agent1.post(reverse("console:ticket_own", args=[ticket.number]), {"version": ticket.version})
    assert response.status_code == 302
    ticket.refresh_from_db()
    assert ticket.owner == desk.agent1 and ticket.acknowledged_at is not None and ticket.group == desk.supplier
    assert NUMBER.findall(agent1.get("/console/queues/unowned/").content.decode()) == []
    assert ticket.number in agent1.get("/console/queues/owned/").content.decode()
    # Still the 1st line's to follow up: agent2 (1st line) sees it, and may note on it.
    agent2 = client_for(desk.agent2)
    assert agent2.get(reverse("console:ticket", args=[ticket.number])).status_code == 200
    html = client_for(desk.customer1).get(reverse("portal:request", args=[ticket.number])).content.decode()
    assert [cls for cls, _label in steps(html)] == ["done", "done", "current", "", ""]


def test_a_stale_take_ownership_is_refused(desk, printer_request):
    ticket = printer_request
    agent1 = client_for(desk.agent1)
    response = agent1.post(reverse("console:ticket_own", args=[ticket.number]), {"version": ticket.version - 1})
    assert response.status_code == 409
    ticket.refresh_from_db()
    assert ticket.owner_id is None


def test_a_mailbox_default_group_leaves_the_ticket_unowned(desk):
    """The system identity routes (for the mail), but owns nothing: a mailed request also waits for a person."""
    from servicedesk.tickets import actions

    ticket = actions.create_ticket(actor=desk.customer1, title="Mailed in")
    ticket = actions.assign(ticket, actor=system_user(), group=desk.second_line)
    assert ticket.owner_id is None and ticket.acknowledged_at is None
