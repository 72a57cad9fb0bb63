"""A problem in the browser, in both languages: a group lead opens a problem from three incidents, writes the
workaround, publishes the known error, resolves the problem and sees its incidents resolved."""

import pytest

from servicedesk.problems.models import ProblemRecord
from servicedesk.tickets import actions as ticket_actions
from servicedesk.tickets.models import Status, Ticket

from .conftest import screenshot, status_words, translated


@pytest.mark.parametrize("language", ["en", "zh-hans"])
def test_open_publish_and_resolve_a_problem_from_three_incidents(sign_in, e2e_desk, language):
    incidents = [ticket_actions.create_ticket(actor=e2e_desk[who], title=title) for who, title in (
        ("customer1", "VPN 每小时掉线"), ("customer2", "VPN drops every hour"), ("customer3", "VPN 连接自动断开"))]
    lead = sign_in("lead1", language)
    lead.goto(f"{lead.base_url}/console/problems/")
    assert lead.locator("h1").inner_text() == translated(language, "Problems")
    lead.fill("#id_incidents", " ".join(t.number for t in incidents))
    lead.fill("#id_title", "VPN 会话超时" if language == "zh-hans" else "VPN session timeout")
    screenshot(lead, f"console-problem-open-{language}")
    lead.locator("#open-problem button[type=submit]").click()
    lead.wait_for_load_state("domcontentloaded")
    record = ProblemRecord.objects.get()
    assert lead.url.endswith(f"/console/problems/{record.ticket.number}/")
    assert lead.locator("#incidents li[id^=incident-]").count() == 3

    lead.fill("#id_root_cause", "Session timer set to 60 minutes")
    lead.fill("#id_workaround", "勾选“自动重新连接”" if language == "zh-hans" else "Tick “Reconnect automatically”")
    lead.click("#save-analysis")
    lead.wait_for_load_state("domcontentloaded")
    lead.click("#publish-known-error")
    lead.wait_for_load_state("domcontentloaded")
    assert lead.locator("#known-error-badge").inner_text() == translated(language, "Known error")
    assert lead.locator("#known-error-article").is_visible()
    screenshot(lead, f"console-problem-known-error-{language}")

    resolution = "会话超时已改回 12 小时" if language == "zh-hans" else "The session timer is 12 hours again"
    lead.fill("#resolution", resolution)
    assert lead.locator("#resolve-incidents").is_checked()
    lead.click("#resolve-problem")
    lead.wait_for_load_state("domcontentloaded")
    resolved = status_words(language)["resolved"]
    assert lead.locator("#problem-status").inner_text() == resolved
    for ticket in incidents:
        assert resolved in lead.locator(f"#incident-{ticket.number}").inner_text()
        assert Ticket.objects.get(pk=ticket.pk).status == Status.RESOLVED
    screenshot(lead, f"console-problem-resolved-{language}")
    lead.goto(f"{lead.base_url}/console/tickets/{incidents[0].number}/")
    assert lead.locator("#problem-link").inner_text() == record.ticket.number
    screenshot(lead, f"console-ticket-problem-panel-{language}")
    lead.goto(f"{lead.base_url}/console/problems/trends/")
    assert lead.locator("#trend-categories").is_visible()
    screenshot(lead, f"console-problem-trends-{language}")
