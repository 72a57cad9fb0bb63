"""Publishing a known error: a knowledge article with the symptom and the workaround, published through the
knowledge base's actions, linked to the problem, updated (not duplicated) when published again — and a customer
searching the symptom in the portal's help centre finds the workaround."""

import pytest
from django.urls import reverse

from servicedesk.core.errors import ActionError, NotAllowed
from servicedesk.knowledge.models import Article, LinkKind, State, TicketArticle
from servicedesk.problems import actions
from servicedesk.tickets.models import HistoryEntry
from tests.portal.test_help import client_for

from .conftest import CONSOLE, open_problem


@pytest.fixture
def analysed(desk, incidents):
    record = open_problem(incidents, desk.agent1)
    return actions.update_analysis(record, actor=desk.agent1, channel=CONSOLE, root_cause="Session timer",
                                   workaround="Tick “Reconnect automatically” in the VPN client's settings")


def test_a_customer_searching_the_symptom_finds_the_workaround(desk, analysed):
    article = actions.publish_known_error(analysed, actor=desk.lead1, channel=CONSOLE)
    assert article.is_live and article.state == State.PUBLISHED and article.language == "en"
    assert article.live_title == "VPN drops every hour"
    assert "Reconnect automatically" in article.live_body and "disconnects every hour" in article.live_body
    assert "Session timer" not in article.live_body  # the root cause stays the desk's
    record = type(analysed).objects.get(pk=analysed.pk)
    assert record.is_known_error and record.known_error_by == desk.lead1 and record.article == article
    assert TicketArticle.objects.filter(ticket=record.ticket, article=article, kind=LinkKind.SOURCE).exists()
    assert HistoryEntry.objects.filter(ticket=record.ticket, event=actions.KNOWN_ERROR).exists()
    body = client_for(desk.customer2).get(reverse("help:search"), {"q": "VPN disconnects"}).content.decode()
    assert reverse("help:article", args=[article.pk]) in body
    page = client_for(desk.customer2).get(reverse("help:article", args=[article.pk])).content.decode()
    assert "Reconnect automatically" in page


def test_publishing_again_updates_the_same_article(desk, analysed):
    first = actions.publish_known_error(analysed, actor=desk.lead1, channel=CONSOLE)
    record = actions.update_analysis(analysed, actor=desk.agent1, channel=CONSOLE, workaround="Use the web VPN")
    again = actions.publish_known_error(record, actor=desk.manager, channel=CONSOLE, expected_version=record.version)
    assert again.pk == first.pk and Article.objects.count() == 1
    assert "Use the web VPN" in again.live_body and "Reconnect automatically" not in again.live_body
    record.refresh_from_db()
    assert record.known_error_by == desk.lead1  # a known error since its first publication


def test_a_known_error_needs_a_workaround_and_a_publisher(desk, incidents):
    record = open_problem(incidents, desk.agent1)
    with pytest.raises(ActionError, match="Write the workaround first"):
        actions.publish_known_error(record, actor=desk.lead1, channel=CONSOLE)
    actions.update_analysis(record, actor=desk.agent1, channel=CONSOLE, workaround="Reconnect")
    with pytest.raises(NotAllowed):
        actions.publish_known_error(record, actor=desk.agent1, channel=CONSOLE)
    assert not Article.objects.exists()


def test_a_chinese_problem_publishes_a_chinese_article(desk):
    from servicedesk.tickets import actions as ticket_actions

    incident = ticket_actions.create_ticket(actor=desk.customer1, title="打印机无法连接", description="三楼打印机脱机")
    record = open_problem([incident], desk.lead1)
    actions.update_analysis(record, actor=desk.lead1, channel=CONSOLE, workaround="重启打印机的网络模块")
    article = actions.publish_known_error(record, actor=desk.lead1, channel=CONSOLE)
    assert article.language == "zh-hans"
    body = client_for(desk.customer1).get(reverse("help:search"), {"q": "打印机"}).content.decode()
    assert reverse("help:article", args=[article.pk]) in body
