"""A major incident in the browser, in both languages: a group lead declares it from the incident's page, the
major incident's page shows the contacts paged; the duty officer acknowledges through the link in the page (no
sign-in), and the lead sees the acknowledgement."""

import pytest

from servicedesk.major.actions import ack_token
from servicedesk.major.models import Contact, ContactChannel, MajorIncident
from servicedesk.tickets import actions as ticket_actions

from .conftest import screenshot, translated


@pytest.mark.parametrize("language", ["en", "zh-hans"])
def test_declaring_pages_the_contacts_and_shows_their_acknowledgement(sign_in, browser, live_server, e2e_desk,
                                                                        smtp_sink, language):
    Contact.objects.create(order=1, user=e2e_desk["agent1"], channel=ContactChannel.EMAIL, respond_within=15)
    Contact.objects.create(order=1, name="Duty officer", email="duty@example.net", channel=ContactChannel.EMAIL)
    Contact.objects.create(order=2, user=e2e_desk["manager"], channel=ContactChannel.EMAIL, respond_within=30)
    incident = ticket_actions.create_ticket(actor=e2e_desk["customer2"], title="Nobody can print")
    lead = sign_in("lead1", language)
    lead.goto(f"{lead.base_url}/console/tickets/{incident.number}/")
    assert lead.locator("#major-title").inner_text() == translated(language, "Major incident")
    lead.fill("#major-reason", "整栋楼的打印机都停了" if language == "zh-hans" else "Every printer is down")
    assert lead.locator("#major-notice").is_checked()  # a service notice, unless unticked
    screenshot(lead, f"console-ticket-major-panel-{language}")
    lead.click("#declare-major")
    lead.wait_for_load_state("domcontentloaded")
    assert lead.url.endswith(f"/console/major/{incident.number}/")
    assert lead.locator("#major-state").inner_text() == translated(language, "Ongoing")
    paged = lead.locator("#pages tbody tr")
    assert paged.count() == 2  # the first order; the manager is paged only if nobody acknowledges
    assert "Alex Chen" in paged.nth(0).inner_text() and "Duty officer" in paged.nth(1).inner_text()
    assert lead.locator("#pages .page-ack").count() == 0
    screenshot(lead, f"console-major-declared-{language}")

    major = MajorIncident.objects.get(ticket=incident)
    duty = major.pages.get(name="Duty officer")
    outsider = browser.new_context(locale="zh-CN" if language == "zh-hans" else "en-US")
    try:
        page = outsider.new_page()
        page.goto(f"{live_server.url}/major/ack/{ack_token(duty)}/")
        page.click("#acknowledge")
        page.wait_for_load_state("domcontentloaded")
        assert page.locator("#ack-done").is_visible()
        screenshot(page, f"major-ack-{language}")
    finally:
        outsider.close()

    lead.reload()
    row = lead.locator(f"#page-{duty.pk}")
    assert row.locator(".page-ack").count() == 1
    assert translated(language, "the link in the page") in row.inner_text()
    assert lead.locator("#timeline .moment-acknowledged").count() == 1
    screenshot(lead, f"console-major-acknowledged-{language}")
    assert len(smtp_sink.wait_for(2)) >= 2  # the two pages went out by e-mail
