"""The satisfaction survey in the browser, in both languages: a customer confirms a resolution in the portal and
rates it at once; the resolution mail's link rates without signing in (the rating clicked is chosen, only the
button stores), and a second use stores nothing; the agent reads the rating on the ticket page."""

import pytest

from servicedesk.surveys import links as survey_links
from servicedesk.surveys.models import SurveyResponse, SurveyText
from servicedesk.tickets import actions as ticket_actions
from servicedesk.tickets.models import Status

from .conftest import screenshot, translated

TEXTS = {"en": ("Printer jams on every job", "Replaced the roller."),
         "zh-hans": ("打印机每次都卡纸", "已更换搓纸轮。")}


def resolved(e2e_desk, language):
    title, fix = TEXTS[language]
    ticket = ticket_actions.create_ticket(actor=e2e_desk["customer2"], title=title, channel="portal")
    return ticket_actions.transition(ticket.pk, "resolve", actor=e2e_desk["agent1"], channel="console", comment=fix)


@pytest.mark.parametrize("language", ["en", "zh-hans"])
def test_the_customer_confirms_and_rates_in_the_portal(sign_in, e2e_desk, language):
    ticket = resolved(e2e_desk, language)
    customer = sign_in("customer2", language)
    customer.goto(f"{customer.base_url}/portal/requests/{ticket.number}/")
    customer.click("form.confirm button[type=submit]")
    customer.wait_for_load_state("domcontentloaded")
    heading = customer.locator("#survey-heading")
    assert heading.inner_text() == translated(language, "How did we do?")
    customer.locator('.survey-form input[name=rating][value="4"]').check()
    customer.fill("#survey_comment", "很快解决了" if language == "zh-hans" else "Sorted quickly")
    screenshot(customer, f"portal-survey-{language}")
    customer.click("#survey-send")
    customer.wait_for_load_state("domcontentloaded")
    assert translated(language, "Thank you for your rating: it helps us do better.") in customer.content()
    assert customer.locator("#survey-heading").count() == 0
    survey = SurveyResponse.objects.get(ticket=ticket)
    assert (survey.rating, survey.channel) == (4, "portal")
    ticket.refresh_from_db()
    assert ticket.status == Status.CLOSED

    agent = sign_in("agent1", language)
    agent.goto(f"{agent.base_url}/console/tickets/{ticket.number}/")
    panel = agent.locator("#survey")
    assert translated(language, "Customer satisfaction") in panel.inner_text()
    assert ("很快解决了" if language == "zh-hans" else "Sorted quickly") in panel.inner_text()
    screenshot(agent, f"console-ticket-survey-{language}")


@pytest.mark.parametrize("language", ["en", "zh-hans"])
def test_the_mail_link_rates_without_signing_in_once(browser, live_server, e2e_desk, language):
    ticket = resolved(e2e_desk, language)
    link = f"{live_server.url}/survey/{survey_links.token(ticket.pk, 1, 2)}/"
    reader = browser.new_context(locale="zh-CN" if language == "zh-hans" else "en-US",
                                 extra_http_headers={"Accept-Language": "zh-CN,zh-hans" if language == "zh-hans"
                                                     else "en-US,en"})
    try:
        page = reader.new_page()
        page.goto(link)
        assert page.locator('input[name=rating][value="2"]').is_checked()  # the rating clicked in the mail
        assert SurveyResponse.objects.get(ticket=ticket).rating is None  # opening the link stores nothing
        page.fill("#id_comment", "等了很久" if language == "zh-hans" else "Took long")
        screenshot(page, f"survey-link-{language}")
        page.click("#survey-send")
        page.wait_for_load_state("domcontentloaded")
        assert page.locator("#survey-done").is_visible()
        low = translated(language, "We are sorry we did not do better. The person who looked after your request "
                                   "will contact you about it.")
        assert low in page.locator("#survey-done").inner_text()
        screenshot(page, f"survey-link-done-{language}")
        survey = SurveyResponse.objects.get(ticket=ticket)
        assert (survey.rating, survey.channel, survey.answered_by.username) == (2, "email", "customer2")
        ticket.refresh_from_db()
        assert ticket.status == Status.CLOSED
        page.goto(f"{live_server.url}/survey/{survey_links.token(ticket.pk, 1, 5)}/")
        assert page.locator("#survey-used").is_visible() and page.locator("#survey-send").count() == 0
        page.goto(f"{live_server.url}/survey/{ticket.pk}/1/5:forged/")
        assert page.locator("#survey-invalid").inner_text() == translated(
            language, "This survey link is not valid, or it is too old. Nothing was recorded.")
    finally:
        reader.close()
    assert SurveyResponse.objects.get(ticket=ticket).rating == 2


@pytest.mark.parametrize("language", ["en", "zh-hans"])
def test_a_manager_edits_the_survey_texts(sign_in, e2e_desk, language):
    manager = sign_in("manager", language)
    manager.goto(f"{manager.base_url}/console/reports/")
    manager.click(f"text={translated(language, 'Survey texts')}")
    manager.wait_for_load_state("domcontentloaded")
    assert manager.url.endswith("/console/surveys/texts/")
    manager.fill("#id_zh-hans-question", "服务台这次做得怎么样？")
    screenshot(manager, f"console-survey-texts-{language}")
    manager.click("#save-survey-texts")
    manager.wait_for_load_state("domcontentloaded")
    assert translated(language, "The survey's texts were saved.") in manager.content()
    assert SurveyText.objects.get(language="zh-hans").question == "服务台这次做得怎么样？"
