"""Seed 003's journey end to end, in English and in Chinese.

The customer reports a problem in the portal (with a file); the 1st line finds it in the intake,
acknowledges it and routes it to the 2nd line (the person list reloads by HTMX); the 2nd line starts
work, replies and resolves; the customer reads the reply and confirms; the ticket is closed and its
timeline tells every step.
"""

import re

import pytest
from playwright.sync_api import expect

from servicedesk.accounts.models import Group
from servicedesk.tickets.models import Attachment, Category, Channel, Status, Ticket

from .conftest import phone_screenshot, screenshot, status_words, translated

SECOND_LINE = "Network and Infrastructure (2nd line)"
FILE_BYTES = b"2024-05-02 09:14 VPN: authentication failed (code 691)\n"
# What the customer and the agent write, in each language: title, description, reply, resolution.
TEXTS = {
    "en": ("VPN does not connect", "Authentication fails when I work from home.",
           "Please sign in to the VPN client again.", "Your VPN account was reset."),
    "zh-hans": ("VPN 无法连接", "在家办公时提示认证失败。",
                "请重新登录一次 VPN 客户端。", "已重置 VPN 账号。"),
}


def html_lang(page) -> str:
    return page.locator("html").get_attribute("lang")


def open_queue(page, slug: str) -> None:
    """The console's queue `slug`, reached from the sidebar as an agent does."""
    page.goto(f"{page.base_url}/console/")
    page.locator(f".queue-nav a[data-queue={slug}]").click()
    page.wait_for_load_state("domcontentloaded")
    assert page.url.rstrip("/").endswith(f"/console/queues/{slug}")


def click_transition(page, action: str) -> None:
    page.locator(f"#actions form[action$='/transition/{action}/'] button[type=submit]").click()
    page.wait_for_load_state("domcontentloaded")


def ticket_badge(page):
    return page.locator(".ticket-head .badges .badge[class*='status-']").first


@pytest.mark.parametrize("language", ["en", "zh-hans"])
def test_customer_problem_goes_through_the_desk_and_is_confirmed(sign_in, e2e_desk, language):
    words = status_words(language)
    tag = language
    title, description, reply_text, resolution = TEXTS[language]
    category = Category.objects.get(name="Cannot connect")
    second_line = Group.objects.get(name=SECOND_LINE)
    # The group as the reader's language names it (the demo gives it a Chinese name too).
    second_line_shown = "网络与基础设施（二线）" if language.startswith("zh") else SECOND_LINE

    # -- The customer reports a problem -------------------------------------------------------
    customer = sign_in("customer1", language)
    assert customer.url.endswith("/portal/")
    assert html_lang(customer) == language
    screenshot(customer, f"portal-home-{tag}")
    phone_screenshot(customer, f"portal-home-phone-{tag}")

    customer.locator("a.choice[href*='type=incident']").click()
    customer.wait_for_load_state("domcontentloaded")
    assert "/portal/new/" in customer.url
    assert customer.locator("input[name=type][value=incident]").is_checked()
    customer.select_option("#id_category", str(category.pk))
    customer.fill("#id_title", title)
    customer.fill("#id_description", description)
    customer.check("input[name=urgency][value='1']")
    customer.set_input_files("#id_attachments", files=[
        {"name": "vpn-log.txt", "mimeType": "text/plain", "buffer": FILE_BYTES},
    ])
    screenshot(customer, f"portal-new-request-{tag}")
    customer.locator("form.request-form button[type=submit]").click()
    customer.wait_for_load_state("domcontentloaded")

    number = customer.locator(".ticket-head .ticket-kicker .mono").inner_text().strip()
    assert re.fullmatch(r"[A-Z]+-\d+", number), number
    assert customer.url.endswith(f"/portal/requests/{number}/")
    assert number in customer.locator(".messages").inner_text()
    assert customer.locator(".ticket-head h1").inner_text() == title
    assert customer.locator(".ticket-status .badge").get_attribute("class").split() == ["badge", "status-new"]
    assert customer.locator(".ticket-status .badge").inner_text() == translated(language, "Received")
    assert customer.locator(".conversation .entry").first.locator(".body").inner_text() == description
    assert customer.locator(".conversation .files a").inner_text().strip() == "vpn-log.txt"
    screenshot(customer, f"portal-request-{tag}")
    ticket = Ticket.objects.get(number=number)
    assert (ticket.status, ticket.channel, ticket.category_id, ticket.urgency, ticket.group_id) == (
        Status.NEW, Channel.PORTAL, category.pk, 1, None)
    assert Attachment.objects.get(ticket=ticket).file.read() == FILE_BYTES

    # -- The 1st line finds it in the intake, acknowledges and routes it ----------------------
    agent1 = sign_in("agent1", language)
    open_queue(agent1, "unassigned")
    row = agent1.locator("table.queue-list tbody tr", has=agent1.get_by_role("link", name=number, exact=True))
    assert row.count() == 1
    assert row.locator(".badge.status-new").inner_text() == words["new"]
    screenshot(agent1, f"console-queue-{tag}")
    row.get_by_role("link", name=number, exact=True).click()
    agent1.wait_for_load_state("domcontentloaded")
    assert agent1.url.endswith(f"/console/tickets/{number}/")
    assert html_lang(agent1) == language
    assert ticket_badge(agent1).inner_text() == words["new"]
    assert "vpn-log.txt" in agent1.locator("main").inner_text()

    click_transition(agent1, "acknowledge")
    assert ticket_badge(agent1).inner_text() == words["acknowledged"]
    assert "status-acknowledged" in ticket_badge(agent1).get_attribute("class")

    with agent1.expect_response(lambda r: "/assign/members/" in r.url and r.ok):
        agent1.select_option("#assign-group", str(second_line.pk))
    people = agent1.locator("#assign-person option")
    # The old list (the 1st line's people) also names agent2: wait until agent1 has left it.
    expect(people.filter(has_text="(agent1)")).to_have_count(0)
    people.filter(has_text="(agent2)").wait_for(state="attached")
    names = people.all_inner_texts()
    assert any("(agent2)" in n for n in names) and not any("(agent1)" in n for n in names), names
    screenshot(agent1, f"console-ticket-assign-{tag}")
    agent1.locator("#assign form[action$='/assign/'] button[type=submit]").click()
    agent1.wait_for_load_state("domcontentloaded")
    assert ticket_badge(agent1).inner_text() == words["assigned"]
    assert second_line_shown in agent1.locator(".ticket-facts").inner_text()
    ticket.refresh_from_db()
    assert (ticket.status, ticket.group_id, ticket.assignee_id) == (Status.ASSIGNED, second_line.pk, None)

    # -- The 2nd line starts, replies and resolves ---------------------------------------------
    agent2 = sign_in("agent2", language)
    open_queue(agent2, "groups")
    row = agent2.locator("table.queue-list tbody tr", has=agent2.get_by_role("link", name=number, exact=True))
    assert row.locator(".badge.status-assigned").inner_text() == words["assigned"]
    screenshot(agent2, f"console-queue-groups-{tag}")
    row.get_by_role("link", name=number, exact=True).click()
    agent2.wait_for_load_state("domcontentloaded")

    click_transition(agent2, "start")
    assert ticket_badge(agent2).inner_text() == words["in_progress"]

    assert agent2.locator("input[name=internal][value='0']").is_checked()
    agent2.fill("#reply-body", reply_text)
    agent2.locator("form.reply-form button[type=submit]").click()
    agent2.wait_for_load_state("domcontentloaded")
    public = agent2.locator("#timeline .entry.public")
    assert public.last.locator(".body").inner_text() == reply_text
    screenshot(agent2, f"console-ticket-{tag}")

    resolve = agent2.locator("#actions details.pop:has(form[action$='/transition/resolve/'])")
    resolve.locator("summary").click()
    agent2.fill("#resolve-comment", resolution)
    resolve.locator("button[type=submit]").click()
    agent2.wait_for_load_state("domcontentloaded")
    assert ticket_badge(agent2).inner_text() == words["resolved"]

    # -- The customer reads the reply and confirms ------------------------------------------
    customer.reload()
    desk_entries = customer.locator(".conversation .entry.from-desk .body").all_inner_texts()
    assert reply_text in desk_entries and resolution in desk_entries, desk_entries
    badge = customer.locator(".ticket-status .badge")
    assert "needs-confirm" in badge.get_attribute("class")
    assert badge.inner_text() == translated(language, "Solved – please confirm")
    assert customer.locator(".confirm-box form.confirm button[type=submit]").is_visible()
    screenshot(customer, f"portal-request-resolved-{tag}")
    phone_screenshot(customer, f"portal-request-phone-{tag}")

    customer.locator(".confirm-box form.confirm button[type=submit]").click()
    customer.wait_for_load_state("domcontentloaded")
    badge = customer.locator(".ticket-status .badge")
    assert badge.get_attribute("class").split() == ["badge", "status-closed"]
    assert badge.inner_text() == translated(language, "Closed") == words["closed"]
    assert customer.locator(".confirm-box").count() == 0
    assert customer.locator(".reply-box").count() == 0
    assert customer.locator(".reopen-box").count() == 1  # within the reopen window
    current_step = customer.locator(".progress li[aria-current=step]").inner_text().strip()
    assert current_step == translated(language, "Closed")
    assert number in customer.locator(".messages").inner_text()
    screenshot(customer, f"portal-request-closed-{tag}")

    # -- The ticket is closed and its timeline has every step ---------------------------------
    agent2.reload()
    assert ticket_badge(agent2).inner_text() == words["closed"]
    assert "status-closed" in ticket_badge(agent2).get_attribute("class")
    events = agent2.locator("#timeline .entry.event").all_inner_texts()
    timeline = agent2.locator("#timeline").inner_text()
    steps = [(words["new"], words["acknowledged"]), (words["acknowledged"], words["assigned"]),
             (words["assigned"], words["in_progress"]), (words["in_progress"], words["resolved"]),
             (words["resolved"], words["closed"])]
    for old, new in steps:
        assert any(old in e and new in e for e in events), (old, new, events)
    assert any("刘伟" in e and words["closed"] in e for e in events), events  # customer1's name
    assert any("Alex Chen" in e and second_line_shown in e for e in events), events  # agent1's name
    assert description in timeline and reply_text in timeline and resolution in timeline
    screenshot(agent2, f"console-ticket-closed-{tag}")
    phone_screenshot(agent2, f"console-ticket-phone-{tag}")

    ticket.refresh_from_db()
    assert ticket.status == Status.CLOSED
    for page in (customer, agent1, agent2):
        assert page.js_errors == [], page.js_errors
