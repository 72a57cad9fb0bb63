"""The resolution mail's five signed rating links: one click (GET) shows the rating chosen and a comment box,
only the button (POST) stores it and confirms the resolution; no sign-in. A forged, altered, expired or used link,
or one of a resolution since reopened, gets a clear page in the reader's language and stores nothing."""

import time
from unittest import mock

from django.test import Client

from servicedesk.core import links
from servicedesk.core.models import AuditEntry
from servicedesk.surveys import links as survey_links
from servicedesk.surveys.models import SurveyResponse
from servicedesk.tickets import actions as ticket_actions
from servicedesk.tickets.models import Status

from .conftest import CONSOLE, rating_links, resolve, to


def _resolution_mail(smtp_sink, ticket, address="customer2@example.com"):
    mails = [m for m in to(smtp_sink.wait_for(1), address) if ticket.number in str(m["Subject"])]
    return mails[-1]


def test_resolving_asks_once_and_the_mail_carries_five_signed_links(desk, ticket, smtp_sink, committed):
    smtp_sink.clear()
    committed(resolve, ticket, desk.agent1)
    survey = SurveyResponse.objects.get(ticket=ticket)
    assert (survey.resolution, survey.rating) == (1, None)
    found = rating_links(_resolution_mail(smtp_sink, ticket))
    assert sorted(found) == [1, 2, 3, 4, 5]
    # Each link names this ticket, its first resolution and its own rating.
    assert [survey_links.read(url.split("/survey/", 1)[1][:-1]) for url in found.values()] == [
        (ticket.pk, 1, rating) for rating in range(1, 6)]
    html = _resolution_mail(smtp_sink, ticket).get_body(preferencelist=("html",)).get_content()
    assert html.count("/survey/") == 5
    # Staff on the ticket are not asked (only the requester's mail has links).
    assert "/survey/" not in "".join(m.get_body(preferencelist=("plain",)).get_content()
                                     for m in to(smtp_sink.messages, "lead1@example.com"))


def test_a_link_shows_the_rating_and_only_the_button_stores_it_and_confirms(desk, ticket, smtp_sink, committed):
    smtp_sink.clear()
    committed(resolve, ticket, desk.agent1)
    link = rating_links(_resolution_mail(smtp_sink, ticket))[4]
    anonymous = Client(HTTP_ACCEPT_LANGUAGE="en")
    shown = anonymous.get(link)
    page = shown.content.decode()
    assert shown.status_code == 200 and ticket.number in page
    assert 'checked' in page.split('value="4"')[1].split(">")[0]
    assert SurveyResponse.objects.get(ticket=ticket).rating is None  # looking stores nothing
    ticket.refresh_from_db()
    assert ticket.status == Status.RESOLVED
    done = anonymous.post(link, {"rating": "5", "comment": "Quick and friendly"})
    assert done.status_code == 200 and 'id="survey-done"' in done.content.decode()
    survey = SurveyResponse.objects.get(ticket=ticket)
    assert (survey.rating, survey.comment, survey.channel, survey.answered_by) == (
        5, "Quick and friendly", "email", desk.customer2)
    ticket.refresh_from_db()
    assert ticket.status == Status.CLOSED  # the rating confirmed the resolution
    assert ticket.history.filter(event="confirm", actor=desk.customer2, channel="email").exists()
    assert AuditEntry.objects.filter(action="survey_answered", object_id=str(survey.pk)).exists()


def test_a_used_link_changes_nothing(desk, ticket, smtp_sink, committed):
    smtp_sink.clear()
    committed(resolve, ticket, desk.agent1)
    found = rating_links(_resolution_mail(smtp_sink, ticket))
    anonymous = Client(HTTP_ACCEPT_LANGUAGE="en")
    anonymous.post(found[2], {"rating": "2"})
    again = anonymous.post(found[5], {"rating": "5", "comment": "changed my mind"})
    assert again.status_code == 409 and 'id="survey-used"' in again.content.decode()
    assert "already been rated (2 of 5)" in again.content.decode()
    survey = SurveyResponse.objects.get(ticket=ticket)
    assert (survey.rating, survey.comment) == (2, "")
    assert AuditEntry.objects.filter(action="survey_answered").count() == 1


def test_forged_altered_and_foreign_links_get_a_clear_page_and_store_nothing(desk, ticket):
    resolve(ticket, desk.agent1)
    good = survey_links.token(ticket.pk, 1, 4)
    other = ticket_actions.create_ticket(actor=desk.customer2, title="Other", channel="portal")
    value, signature = good.split(":", 1)
    altered = f"{other.pk}/1/4:{signature}"  # the same signature on another ticket's values
    forged = links._signer("other-purpose").sign(f"{ticket.pk}/1/4")  # signed for another purpose
    chinese = Client(HTTP_ACCEPT_LANGUAGE="zh-hans")
    for token in (altered, forged, "nonsense", f"{ticket.pk}/1/4"):
        answer = chinese.post(f"/survey/{token}/", {"rating": "4"})
        assert answer.status_code == 404, token
        assert 'id="survey-invalid"' in answer.content.decode()
        assert "此满意度调查链接无效或已过期" in answer.content.decode()
    assert not SurveyResponse.objects.filter(rating__isnull=False).exists()
    ticket.refresh_from_db()
    assert ticket.status == Status.RESOLVED


def test_an_expired_link_stores_nothing(desk, ticket, settings):
    settings.SERVICEDESK_SURVEY_LINK_DAYS = 30
    resolve(ticket, desk.agent1)
    made_31_days_ago = time.time() - 31 * 86400
    with mock.patch("django.core.signing.time.time", return_value=made_31_days_ago):
        token = survey_links.token(ticket.pk, 1, 5)
    answer = Client(HTTP_ACCEPT_LANGUAGE="en").post(f"/survey/{token}/", {"rating": "5"})
    assert answer.status_code == 404 and "not valid, or it is too old" in answer.content.decode()
    assert not SurveyResponse.objects.filter(rating__isnull=False).exists()


def test_a_reopened_ticket_asks_again_and_the_old_link_no_longer_rates(desk, ticket, committed):
    committed(resolve, ticket, desk.agent1)
    old = survey_links.token(ticket.pk, 1, 1)
    ticket_actions.transition(ticket.pk, "reopen", actor=desk.customer2, channel="portal", comment="Jams again")
    refused = Client(HTTP_ACCEPT_LANGUAGE="en").post(f"/survey/{old}/", {"rating": "1"})
    assert refused.status_code == 400 and "was reopened" in refused.content.decode()
    shown = Client(HTTP_ACCEPT_LANGUAGE="en").get(f"/survey/{old}/").content.decode()
    assert 'id="survey-refused"' in shown and 'id="survey-send"' not in shown  # said before anything is typed
    committed(resolve, ticket, desk.agent1, "Replaced the whole tray.")
    surveys = list(SurveyResponse.objects.filter(ticket=ticket).order_by("resolution"))
    assert [(s.resolution, s.rating) for s in surveys] == [(1, None), (2, None)]
    refused = Client(HTTP_ACCEPT_LANGUAGE="en").post(f"/survey/{old}/", {"rating": "1"})
    assert refused.status_code == 400
    new = survey_links.token(ticket.pk, 2, 4)
    assert Client(HTTP_ACCEPT_LANGUAGE="en").post(f"/survey/{new}/", {"rating": "4"}).status_code == 200
    assert [(s.resolution, s.rating) for s in SurveyResponse.objects.filter(ticket=ticket).order_by("resolution")] \
        == [(1, None), (2, 4)]


def test_a_bad_rating_or_comment_is_refused_with_a_message(desk, ticket):
    resolve(ticket, desk.agent1)
    token = survey_links.token(ticket.pk, 1, 3)
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    assert client.post(f"/survey/{token}/", {"rating": "9"}).status_code == 400
    assert client.post(f"/survey/{token}/", {"rating": "3", "comment": "x" * 2001}).status_code == 400
    assert not SurveyResponse.objects.filter(rating__isnull=False).exists()


def test_a_ticket_closed_in_the_change_that_resolved_it_is_not_surveyed(desk, committed):
    quick = ticket_actions.create_ticket(actor=desk.agent1, requester=desk.customer1, title="Password", channel="phone")

    def solve_on_the_spot():
        ticket_actions.transition(quick.pk, "resolve", actor=desk.agent1, channel=CONSOLE, comment="Reset it.")
        ticket_actions.transition(quick.pk, "close", actor=desk.agent1, channel=CONSOLE)

    from django.db import transaction
    committed(transaction.atomic(solve_on_the_spot))
    assert not SurveyResponse.objects.filter(ticket=quick).exists()


def test_a_chinese_requesters_mail_asks_in_chinese(desk, smtp_sink, committed):
    made = committed(ticket_actions.create_ticket, actor=desk.customer1, title="打印机卡纸", channel="portal")
    smtp_sink.clear()
    committed(resolve, made, desk.agent1, "已更换搓纸轮。")
    mail = _resolution_mail(smtp_sink, made, "customer1@example.com")
    text = mail.get_body(preferencelist=("plain",)).get_content()
    assert "您对我们解决您的请求是否满意？ 请选择评分" in text
    assert sorted(rating_links(mail)) == [1, 2, 3, 4, 5]
