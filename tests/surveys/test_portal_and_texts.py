"""The portal asks for the rating right after the customer confirms; the survey's texts per language, the desk's
defaults until a desk manager changes them in the console."""

from django.test import Client

from servicedesk.accounts.models import Organisation
from servicedesk.core.models import AuditEntry
from servicedesk.surveys.models import SurveyResponse, SurveyText
from servicedesk.tickets.models import Status

from .conftest import resolve


def signed_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_the_customer_confirms_then_rates_in_the_portal(desk, ticket, committed):
    committed(resolve, ticket, desk.agent1)
    customer = signed_in(desk.customer2)
    page = f"/portal/requests/{ticket.number}/"
    assert 'id="survey-heading"' not in customer.get(page).content.decode()  # confirm first
    confirmed = customer.post(page, {"action": "confirm", "version": ticket.version + 1}, follow=True)
    ticket.refresh_from_db()
    assert ticket.status == Status.CLOSED
    shown = confirmed.content.decode()
    assert 'id="survey-heading"' in shown and "How satisfied are you with how we solved your request?" in shown
    refused = customer.post(page, {"action": "rate", "rating": "0"})
    assert refused.status_code == 400 and "Choose a rating from 1 to 5." in refused.content.decode()
    rated = customer.post(page, {"action": "rate", "rating": "2", "comment": "Slow"}, follow=True)
    text = rated.content.decode()
    assert "Thank you for your rating" in text and "will contact you about it" in text
    assert 'id="survey-heading"' not in text  # asked once per resolution
    survey = SurveyResponse.objects.get(ticket=ticket)
    assert (survey.rating, survey.comment, survey.channel) == (2, "Slow", "portal")
    again = customer.post(page, {"action": "rate", "rating": "5"})
    assert again.status_code == 409
    survey.refresh_from_db()
    assert survey.rating == 2


def test_only_the_requester_is_asked(desk, ticket, committed):
    committed(resolve, ticket, desk.agent1)
    # customer1 shares customer2's organisation, whose members see each other's requests.
    Organisation.objects.update(customers_see_organisation_tickets=True)
    assert signed_in(desk.customer1).get(f"/portal/requests/{ticket.number}/").status_code == 200
    colleague = signed_in(desk.customer1)
    answer = colleague.post(f"/portal/requests/{ticket.number}/", {"action": "rate", "rating": "5"})
    assert answer.status_code in (400, 403, 404)
    assert not SurveyResponse.objects.filter(rating__isnull=False).exists()


def test_a_manager_changes_the_texts_and_the_customer_reads_them(desk, ticket, committed):
    manager = signed_in(desk.manager)
    screen = manager.get("/console/surveys/texts/")
    assert screen.status_code == 200
    assert 'placeholder="您对我们解决您的请求是否满意？"' in screen.content.decode()  # the default, shown in grey
    saved = manager.post("/console/surveys/texts/", {
        "en-question": "How did the desk do?", "en-thanks": "", "en-low_rating": "",
        "zh-hans-question": "服务台做得怎么样？", "zh-hans-thanks": "谢谢！", "zh-hans-low_rating": ""})
    assert saved.status_code == 302
    assert SurveyText.objects.get(language="zh-hans").thanks == "谢谢！"
    trail = AuditEntry.objects.filter(content_type__model="surveytext", actor_id=desk.manager.pk, channel="console")
    assert trail.values("object_id").distinct().count() == 2
    committed(resolve, ticket, desk.agent1)
    customer = signed_in(desk.customer2)
    page = f"/portal/requests/{ticket.number}/"
    shown = customer.post(page, {"action": "confirm", "version": ticket.version + 1}, follow=True).content.decode()
    assert "How did the desk do?" in shown
    thanked = customer.post(page, {"action": "rate", "rating": "5"}, follow=True).content.decode()
    assert "Thank you for your rating: it helps us do better." in thanked  # English thank-you left to the default


def test_agents_and_leads_may_not_change_the_texts(desk):
    for user in (desk.agent1, desk.lead1, desk.customer1):
        assert signed_in(user).get("/console/surveys/texts/").status_code == 404
    assert signed_in(desk.lead1).post("/console/surveys/texts/", {"en-question": "x"}).status_code == 404
    assert not SurveyText.objects.exists()
