"""Seed 003 in the browser: a printer fault filed on the portal is routed by a rule to the supplier
(nobody in it); the customer reads "Received"; the 1st line finds it in its Unowned queue and an agent
takes ownership — in English and in Chinese."""

import pytest

from servicedesk.routing.demo import ensure_demo_routing
from servicedesk.tickets.models import Category, Ticket

from .conftest import screenshot


@pytest.mark.parametrize("language", ["en", "zh-hans"])
def test_supplier_routed_request_is_owned_by_the_first_line(sign_in, e2e_desk, language):
    ensure_demo_routing()
    zh = language.startswith("zh")
    customer = sign_in("customer1", language)
    leaf = Category.objects.get(name="Printer fault")
    customer.goto(f"{customer.base_url}/portal/new/?type=incident&category={leaf.pk}")
    customer.fill("#id_title", "打印机卡纸" if zh else "Printer jams")
    customer.fill("#id_description", "三楼的打印机一直卡纸。" if zh else "The printer on floor 3 keeps jamming.")
    customer.locator("form button[type=submit]").last.click()
    customer.wait_for_load_state("networkidle")
    ticket = Ticket.objects.latest("id")
    assert ticket.group.name == "Hardware supplier" and ticket.owner_id is None
    current = customer.locator("ol.progress li.current")
    assert current.inner_text().strip() == ("已收到" if zh else "Received"), current.inner_text()
    assert customer.locator("ol.progress li.done").count() == 0
    screenshot(customer, f"portal-request-routed-by-rule-{language}")

    agent = sign_in("agent1", language)
    agent.goto(f"{agent.base_url}/console/queues/unowned/")
    assert agent.locator(f"text={ticket.number}").first.is_visible()
    screenshot(agent, f"console-unowned-queue-{language}")
    agent.locator(f"a:has-text('{ticket.number}')").first.click()
    agent.wait_for_load_state("networkidle")
    with agent.expect_navigation():
        agent.locator("[data-test=take-ownership]").click()
    ticket.refresh_from_db()
    assert ticket.owner.username == "agent1" and ticket.acknowledged_at is not None
    facts = agent.locator(".ticket-facts").inner_text()
    assert "Alex Chen" in facts or "陈" in facts or "agent1" in facts, facts
    assert agent.locator("[data-test=take-ownership]").count() == 0
    screenshot(agent, f"console-ticket-owned-{language}")
