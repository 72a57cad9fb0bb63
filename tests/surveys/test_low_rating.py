"""A low rating (SERVICEDESK_SURVEY_LOW_RATING, default 2 or less) mails the ticket's owner and its group's lead,
each in their language; an agent opens a follow-up ticket from it on the ticket page, linked to the rated one."""

import pytest
from django.test import Client

from servicedesk.core.errors import NotFound
from servicedesk.notify.models import Event, OutboundMessage
from servicedesk.surveys import actions
from servicedesk.surveys.models import SurveyResponse
from servicedesk.tickets.models import LinkKind, Ticket, TicketLink, TicketType

from .conftest import CONSOLE, resolve, subject, to


def rate(ticket, customer, rating, comment=""):
    return actions.answer(ticket, actor=customer, rating=rating, comment=comment, channel="portal")


def test_a_low_rating_mails_the_owner_and_the_group_lead_in_their_languages(desk, ticket, smtp_sink, committed):
    committed(resolve, ticket, desk.agent1)
    smtp_sink.clear()
    committed(rate, ticket, desk.customer2, 2, "It took three days")
    rows = OutboundMessage.objects.filter(event=Event.SURVEY_LOW_RATING).order_by("address")
    assert [(r.address, r.language) for r in rows] == [("agent1@example.com", "en"), ("lead1@example.com", "zh-hans")]
    messages = smtp_sink.wait_for(2)
    owner = to(messages, "agent1@example.com")[0]
    assert subject(owner).startswith(f"Low rating (2 of 5) for [{ticket.number}]")
    body = owner.get_body(preferencelist=("plain",)).get_content()
    assert "It took three days" in body and f"/console/tickets/{ticket.number}/#survey" in body
    lead = to(messages, "lead1@example.com")[0]
    assert subject(lead).startswith("满意度评分偏低（2 分")


def test_a_good_rating_mails_nobody_and_the_threshold_is_configurable(desk, ticket, committed, settings):
    committed(resolve, ticket, desk.agent1)
    committed(rate, ticket, desk.customer2, 3)
    assert not OutboundMessage.objects.filter(event=Event.SURVEY_LOW_RATING).exists()
    settings.SERVICEDESK_SURVEY_LOW_RATING = 3
    assert SurveyResponse.objects.get(ticket=ticket).is_low


def test_an_agent_opens_a_follow_up_from_the_ticket_page_once(desk, ticket, committed):
    committed(resolve, ticket, desk.agent1)
    committed(rate, ticket, desk.customer2, 1, "Still jams sometimes")
    survey = SurveyResponse.objects.get(ticket=ticket)
    agent = Client()
    agent.force_login(desk.agent2)
    page = agent.get(f"/console/tickets/{ticket.number}/").content.decode()
    assert 'id="survey"' in page and "Still jams sometimes" in page and f'id="survey-follow-up-{survey.pk}"' in page
    answer = agent.post(f"/console/tickets/{ticket.number}/surveys/{survey.pk}/follow-up/")
    follow_up = Ticket.objects.exclude(pk=ticket.pk).get()
    assert answer.status_code == 302 and answer["Location"] == f"/console/tickets/{follow_up.number}/"
    assert (follow_up.type, follow_up.requester, follow_up.owner, follow_up.group) == (
        TicketType.COMPLAINT, desk.customer2, desk.agent2, desk.first_line)
    assert follow_up.title == f"Follow-up of {ticket.number}: rated 1 of 5"
    assert follow_up.description == "Still jams sometimes"
    assert TicketLink.objects.filter(source=follow_up, target=ticket, kind=LinkKind.RELATED).exists()
    survey.refresh_from_db()
    assert survey.follow_up == follow_up
    again = agent.post(f"/console/tickets/{ticket.number}/surveys/{survey.pk}/follow-up/", follow=True)
    assert f"已开过跟进工单：{follow_up.number}。" in again.content.decode()  # agent2 reads Chinese
    assert Ticket.objects.count() == 2


def test_customers_cannot_open_a_follow_up(desk, ticket, committed):
    committed(resolve, ticket, desk.agent1)
    committed(rate, ticket, desk.customer2, 1)
    survey = SurveyResponse.objects.get(ticket=ticket)
    customer = Client()
    customer.force_login(desk.customer2)
    assert customer.post(f"/console/tickets/{ticket.number}/surveys/{survey.pk}/follow-up/").status_code == 404
    assert Ticket.objects.count() == 1
    with pytest.raises(NotFound):
        actions.open_follow_up(survey, actor=desk.customer2, channel=CONSOLE)
