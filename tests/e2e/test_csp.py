"""The Content-Security-Policy in real Chromium: the main screens, their HTMX parts, the admin and the
API docs work under it, and nothing on them is blocked (sign_in fails a test on any violation)."""

from playwright.sync_api import expect

from servicedesk.accounts.models import Group
from servicedesk.tickets import actions
from servicedesk.tickets.models import Channel


def visit(page, path: str) -> None:
    page.goto(f"{page.base_url}{path}")
    page.wait_for_load_state("networkidle")


def test_main_screens_work_under_the_policy(sign_in, e2e_desk):
    customer = sign_in("customer1", "en")
    response = customer.goto(f"{customer.base_url}/portal/")
    policy = response.headers["content-security-policy"]
    assert "script-src 'self'" in policy and "unsafe" not in policy and "frame-ancestors 'none'" in policy
    customer.wait_for_load_state("networkidle")
    # The brand colours come from /brand.css, not an inline <style>.
    assert customer.evaluate("getComputedStyle(document.documentElement).getPropertyValue('--brand')").strip()
    visit(customer, "/portal/new/")
    customer.fill("#id_title", "Printer shows error E5")
    customer.fill("#id_description", "Since this morning.")
    customer.set_input_files("#id_attachments", files=[{"name": "e5.txt", "mimeType": "text/plain",
                                                        "buffer": b"E5"}])
    customer.locator("form.request-form button[type=submit]").click()
    customer.wait_for_load_state("networkidle")
    number = customer.locator(".ticket-head .ticket-kicker .mono").inner_text().strip()
    customer.fill("textarea[name=body]", "It also makes a noise.")
    customer.locator(".reply-box button[type=submit]").click()
    customer.wait_for_load_state("networkidle")
    assert "It also makes a noise." in customer.locator(".conversation").inner_text()
    # The language switch submits from desk.js (no inline handler).
    with customer.expect_navigation():
        customer.select_option("#lang-switch", "zh-hans")
    assert customer.locator("html").get_attribute("lang") == "zh-hans"
    visit(customer, "/no-such-page/")

    agent = sign_in("agent1", "en")
    visit(agent, "/console/")
    agent.locator(".queue-nav").wait_for()
    visit(agent, f"/console/tickets/{number}/")
    agent.locator("#actions form[action$='/transition/acknowledge/'] button[type=submit]").click()
    agent.wait_for_load_state("networkidle")
    second_line = Group.objects.get(name="Network and Infrastructure (2nd line)")
    with agent.expect_response(lambda r: "/assign/members/" in r.url and r.ok):  # an HTMX partial
        agent.select_option("#assign-group", str(second_line.pk))
    # The swapped list is the 2nd line's: agent1 (1st line only) leaves it, agent2 is in it.
    expect(agent.locator("#assign-person option").filter(has_text="(agent1)")).to_have_count(0)
    agent.locator("#assign-person option").filter(has_text="(agent2)").wait_for(state="attached")
    agent.fill("#reply-body", "We are looking at it.")
    agent.locator("form.reply-form button[type=submit]").click()
    agent.wait_for_load_state("networkidle")
    assert "We are looking at it." in agent.locator("#timeline").inner_text()

    visit(agent, "/console/quick-log/")
    with agent.expect_response(lambda r: "/quick-log/callers/" in r.url):
        agent.locator("#id_caller_q").press_sequentially("Hopper", delay=20)
    agent.locator("#caller-results .caller").first.wait_for()

    for page in (customer, agent):
        assert page.js_errors == [], page.js_errors
        assert page.csp_violations == [], page.csp_violations

    # The watch sees what the policy blocks: an inline <style> (htmx's default config injects one) and an
    # inline event handler.
    agent.evaluate("""document.head.insertAdjacentHTML("beforeend", "<style>body { color: red }</style>");
                      document.body.insertAdjacentHTML("beforeend", "<img src=data:, onerror=alert(1)>");""")
    agent.wait_for_function("document.readyState === 'complete'")
    agent.wait_for_timeout(300)
    blocked = " ".join(agent.csp_violations)
    assert "style-src" in blocked and "script-src" in blocked, agent.csp_violations
    agent.csp_violations.clear()


def test_admin_and_api_docs_work_under_the_policy(sign_in, e2e_desk):
    ticket = actions.create_ticket(actor=e2e_desk["customer1"], title="Admin sees this", channel=Channel.PORTAL)
    admin = sign_in("admin", "en")
    visit(admin, "/admin/")
    # Every list and add form the admin index links to, and a ticket's and a person's change form.
    links = admin.eval_on_selector_all("#content-main a[href^='/admin/']", "links => links.map(a => a.pathname)")
    assert len(links) > 20, links
    for path in [*dict.fromkeys(links), f"/admin/tickets/ticket/{ticket.pk}/change/",
                 f"/admin/accounts/user/{e2e_desk['agent1'].pk}/change/"]:
        visit(admin, path)
        assert admin.locator("#content").count() == 1, path
    visit(admin, "/api/v1/docs")
    admin.locator(".swagger-ui .info .title").wait_for()
    assert "Service Desk API" in admin.locator(".swagger-ui .info .title").inner_text()
    admin.locator(".opblock-summary").first.wait_for()
    assert admin.js_errors == [], admin.js_errors
    assert admin.csp_violations == [], admin.csp_violations
