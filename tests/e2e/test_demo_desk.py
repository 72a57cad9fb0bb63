"""The full demo desk in Chromium: agent1, whose language is left to the browser, sees the console in
the browser's language and due times in the queues; the manager's "Breaching soon" is not empty."""

import importlib
import io
import re

import pytest
from django.apps import apps as django_apps
from django.core.management import call_command

from servicedesk.accounts.models import User

from .conftest import PASSWORD, screenshot, watch_csp


@pytest.fixture
def full_demo(transactional_db):
    # A transactional test before this one emptied the tables, the migrations' default calendar and
    # SLA policies included: put them back as a new desk has them.
    importlib.import_module("servicedesk.sla.migrations.0002_default_calendar_and_policies").create_defaults(
        django_apps, None)
    call_command("demo", stdout=io.StringIO())


def browser_page(browser, live_server, username: str, locale: str):
    """Signed in with the browser's own language only (the demo saves none for this user)."""
    context = browser.new_context(viewport={"width": 1400, "height": 900}, locale=locale,
                                  extra_http_headers={"Accept-Language": f"{locale},{locale[:2]};q=0.9"})
    context.set_default_timeout(15000)
    watch_csp(context, context.new_page())
    page = context.pages[0]
    page.goto(f"{live_server.url}/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_load_state("networkidle")
    return context, page


@pytest.mark.parametrize("locale", ["zh-CN", "en-US"])
def test_agent1_sees_due_times_in_the_browsers_language(browser, live_server, full_demo, locale):
    assert User.objects.get(username="agent1").language == ""
    context, page = browser_page(browser, live_server, "agent1", locale)
    try:
        due, titles = [], []
        for queue in ("owned", "unassigned"):
            page.goto(f"{live_server.url}/console/queues/{queue}/")
            assert page.locator("html").get_attribute("lang") == ("zh-hans" if locale == "zh-CN" else "en")
            due += page.locator("tbody td.due").all_inner_texts()
            titles += page.locator("tbody td a").all_inner_texts()
            screenshot(page, f"demo-agent1-{queue}-{locale}")
        assert len(due) >= 8
        assert all(text.strip() != "—" for text in due), due
        left = "剩余" if locale == "zh-CN" else "left"
        assert any(left in text for text in due), due
        # Tickets in both languages, as the desk's requesters write.
        assert any(re.search(r"[\u4e00-\u9fff]", t) for t in titles) and any(re.search("[a-z]{4}", t) for t in titles)
        assert context.csp_violations == []
    finally:
        context.close()


@pytest.mark.parametrize("locale", ["zh-CN", "en-US"])
def test_the_managers_breaching_soon_queue_has_tickets(browser, live_server, full_demo, locale):
    context, page = browser_page(browser, live_server, "manager", locale)
    try:
        page.goto(f"{live_server.url}/console/queues/breaching/")
        rows = page.locator("tbody td.due .clock")
        assert rows.count() >= 1
        screenshot(page, f"demo-manager-breaching-{locale}")
    finally:
        context.close()
