"""Configuration items in the browser, in both languages: a customer reports a problem and picks their laptop;
an agent links the incident to the server it is really about from the ticket page, sees it on the server's
page, and opens the impact graph ("if this fails"): drawn by ECharts with no script error or CSP violation."""

import pytest

from servicedesk.cmdb import actions
from servicedesk.cmdb.models import CiType, TicketItem
from servicedesk.tickets.models import Ticket

from .conftest import screenshot, translated


def _estate(users):
    manager = users["manager"]
    service = CiType.objects.create(key="service", name="Service", name_zh="服务", is_service=True)
    server = CiType.objects.create(key="server", name="Server", name_zh="服务器")
    laptop = CiType.objects.create(key="laptop", name="Laptop", name_zh="笔记本电脑")

    def make(kind, name, **fields):
        return actions.create_item(actor=manager, channel="console",
                                   data=actions.ItemInput(type=kind, name=name, **fields))

    mail = make(service, "E-mail", critical=True)
    host = make(server, "srv-mail-01", serial="SRV-0001")
    make(laptop, "LT-0001", user=users["customer1"], serial="PF000001")
    actions.add_relation(mail, host, "depends_on", actor=manager, channel="console")
    return host


@pytest.mark.parametrize("language", ["en", "zh-hans"])
def test_an_agent_links_an_incident_to_an_item_and_sees_it_there(sign_in, e2e_desk, language):
    host = _estate(e2e_desk)
    customer = sign_in("customer1", language)
    customer.goto(f"{customer.base_url}/portal/new/")
    assert translated(language, "Which of your devices is it about?") in customer.content()
    customer.fill("#id_title", "Mail will not send")
    customer.get_by_label("LT-0001").check()
    customer.click(".request-form button[type=submit]")
    customer.wait_for_load_state("domcontentloaded")
    ticket = Ticket.objects.get(title="Mail will not send")
    assert [link.item.name for link in TicketItem.objects.filter(ticket=ticket)] == ["LT-0001"]

    agent = sign_in("agent1", language)
    agent.goto(f"{agent.base_url}/console/tickets/{ticket.number}/")
    panel = agent.locator("#configuration-items")
    assert translated(language, "Configuration items") in panel.inner_text() and "LT-0001" in panel.inner_text()
    panel.locator("#link-item").fill("SRV-0001")
    panel.locator("#link-item-button").click()
    agent.wait_for_load_state("domcontentloaded")
    assert "srv-mail-01" in agent.locator("#configuration-items").inner_text()
    linked = translated(language, "%(who)s linked the configuration item %(item)s") % {
        "who": e2e_desk["agent1"].display_name, "item": "srv-mail-01"}
    assert agent.get_by_text(linked).count() >= 1
    ticket.refresh_from_db()
    assert ticket.impact == 1  # the e-mail service depends on the server
    screenshot(agent, f"console-ticket-configuration-items-{language}")

    agent.locator("#configuration-items").get_by_role("link", name="srv-mail-01").click()
    agent.wait_for_load_state("domcontentloaded")
    tickets = agent.locator("#item-tickets")
    assert ticket.number in tickets.inner_text()
    assert translated(language, "Incident") in tickets.inner_text()
    screenshot(agent, f"console-configuration-item-{language}")

    agent.goto(f"{agent.base_url}/console/cmdb/{host.pk}/impact/")
    agent.locator("#impact-chart canvas").first.wait_for()
    assert "E-mail" in agent.locator("#impact-services").inner_text()
    assert agent.js_errors == []
    screenshot(agent, f"console-configuration-item-impact-{language}")
