"""The quick log (seed 003): an agent on the phone records a contact in one screen, then either closes it
as solved on the spot (first-contact resolution) or leaves it open for routing."""

import pytest
from playwright.sync_api import expect

from servicedesk.accounts.models import Group, Role, User
from servicedesk.notify import tasks
from servicedesk.tickets.models import Category, Channel, Comment, Status, Ticket

from .conftest import screenshot, status_words, translated


def open_quick_log(page) -> None:
    page.goto(f"{page.base_url}/console/")
    page.locator(".quicklog-button").click()
    page.wait_for_load_state("domcontentloaded")
    assert page.url.endswith("/console/quick-log/")


def search_caller(page, text: str) -> None:
    """Type into the caller search; the matches come back by HTMX."""
    with page.expect_response(lambda r: "/quick-log/callers/" in r.url and f"caller_q={text}" in r.url):
        page.locator("#id_caller_q").press_sequentially(text, delay=20)
    page.locator("#caller-results .caller").first.wait_for()


def log_the_call(page) -> None:
    page.locator(".ql-outcome button[type=submit]").click()
    page.wait_for_load_state("domcontentloaded")


@pytest.mark.parametrize("language", ["en", "zh-hans"])
def test_call_solved_on_the_spot_is_closed_at_once(sign_in, e2e_desk, smtp_sink, language):
    words = status_words(language)
    customer2 = e2e_desk["customer2"]
    category = Category.objects.get(name="Password reset")
    page = sign_in("agent1", language)
    open_quick_log(page)
    assert page.locator("h1").inner_text() == translated(language, "Quick log")
    assert page.locator("html").get_attribute("lang") == language
    screenshot(page, f"console-quick-log-{language}")

    search_caller(page, "Hopper")
    callers = page.locator("#caller-results .caller")
    assert callers.count() == 1
    assert "@customer2" in callers.first.inner_text()
    page.check(f"#caller-results input[name=requester][value='{customer2.pk}']")
    page.fill("#id_title", "Forgot the mail password")
    page.fill("#id_description", "Came back from holiday and cannot sign in to mail.")
    page.select_option("#id_category", str(category.pk))
    page.check("input[name=outcome][value=solved]")
    assert page.locator("#id_solution").is_visible()
    assert not page.locator("#id_group").is_visible()  # routing is for the other outcome
    page.fill("#id_solution", "Reset the password and read it out; the caller signed in.")
    screenshot(page, f"console-quick-log-filled-{language}")
    log_the_call(page)

    ticket = Ticket.objects.get(title="Forgot the mail password")
    assert page.url.endswith(f"/console/tickets/{ticket.number}/")
    badge = page.locator(".ticket-head .badge[class*='status-']").first
    assert "status-closed" in badge.get_attribute("class")
    assert badge.inner_text() == words["closed"]
    facts = page.locator(".ticket-facts").inner_text()
    assert translated(language, "Phone") in facts
    assert customer2.username in facts
    assert "Reset the password and read it out" in page.locator("#timeline .entry.public").inner_text()
    assert ticket.number in page.locator(".messages").inner_text()
    screenshot(page, f"console-quick-log-solved-{language}")

    assert (ticket.status, ticket.channel, ticket.requester_id, ticket.category_id) == (
        Status.CLOSED, Channel.PHONE, customer2.pk, category.pk)
    assert ticket.group.name == "Service Desk (1st line)" and ticket.assignee.username == "agent1"
    reply = Comment.objects.get(ticket=ticket, internal=False)
    assert reply.body.startswith("Reset the password")
    assert page.js_errors == []

    # The caller gets one mail, in their language (English), saying it was recorded and solved.
    tasks.send_due.delay().get()
    [mail] = smtp_sink.wait_for(1)
    assert mail["To"] == customer2.email
    assert str(mail["Subject"]).startswith(f"Recorded and solved: [{ticket.number}]")
    assert "Reset the password and read it out" in mail.get_body(preferencelist=("plain",)).get_content()


def test_call_from_a_new_caller_left_open_for_routing(sign_in, e2e_desk):
    page = sign_in("agent1", "en")
    open_quick_log(page)
    with page.expect_response(lambda r: "/quick-log/callers/" in r.url):
        page.locator("#id_caller_q").press_sequentially("Lovelace", delay=20)
    expect(page.locator("#caller-results [role=status]")).to_be_visible()  # nobody matches (once swapped in)
    assert page.locator("#caller-results .caller").count() == 0

    page.locator("details.new-caller summary").click()
    page.fill("#id_new_name", "Ada Lovelace")
    page.fill("#id_new_email", "ada.lovelace@example.com")
    page.fill("#id_new_phone", "+44 20 7946 0000")
    page.select_option("#id_new_organisation", label="Organisation A")
    page.fill("#id_title", "Printer on floor 3 prints blank pages")
    page.select_option("#id_category", str(Category.objects.get(name="Printer fault").pk))
    page.check("input[name=outcome][value=route]")
    assert page.locator("#id_group").is_visible()
    assert not page.locator("#id_solution").is_visible()
    log_the_call(page)

    ticket = Ticket.objects.get(title="Printer on floor 3 prints blank pages")
    assert page.url.endswith(f"/console/tickets/{ticket.number}/")
    caller = User.objects.get(email="ada.lovelace@example.com")
    assert (caller.role, caller.first_name, caller.organisation.name) == (
        Role.CUSTOMER, "Ada Lovelace", "Organisation A")
    assert not caller.has_usable_password()
    # Left in the intake: acknowledged (the caller was told the desk has it), nobody assigned yet.
    assert (ticket.status, ticket.channel, ticket.requester_id, ticket.group_id, ticket.assignee_id) == (
        Status.ACKNOWLEDGED, Channel.PHONE, caller.pk, None, None)
    assert ticket.owner.username == "agent1"
    badge = page.locator(".ticket-head .badge[class*='status-']").first
    assert badge.inner_text() == "Acknowledged"
    assert "Phone" in page.locator(".ticket-facts").inner_text()

    # It waits in agent1's intake queue.
    page.goto(f"{page.base_url}/console/queues/unassigned/")
    assert page.get_by_role("link", name=ticket.number, exact=True).is_visible()
    assert page.js_errors == []


def test_call_routed_straight_to_a_group(sign_in, e2e_desk):
    second_line = Group.objects.get(name="Network and Infrastructure (2nd line)")
    page = sign_in("agent1", "en")
    open_quick_log(page)
    search_caller(page, "customer1")
    page.check(f"#caller-results input[name=requester][value='{e2e_desk['customer1'].pk}']")
    page.fill("#id_title", "Office Wi-Fi drops every ten minutes")
    page.check("input[name=outcome][value=route]")
    page.select_option("#id_group", str(second_line.pk))
    log_the_call(page)

    ticket = Ticket.objects.get(title="Office Wi-Fi drops every ten minutes")
    assert (ticket.status, ticket.group_id, ticket.channel) == (
        Status.ASSIGNED, second_line.pk, Channel.PHONE)
    assert second_line.name in page.locator(".ticket-facts").inner_text()
