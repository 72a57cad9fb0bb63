"""Tickets linked to the articles that answered them: once per ticket and article, a translated history
line, an event for the FAQ ranking, staff only, and a reply that names an inserted article links it."""

import pytest
from django.utils import translation

from servicedesk.console.ticket_timeline import timeline
from servicedesk.core.errors import ActionError, Conflict, NotAllowed, NotFound
from servicedesk.knowledge import actions
from servicedesk.knowledge.actions import links
from servicedesk.knowledge.models import ArticleEvent, Audience, EventKind, LinkKind, TicketArticle
from servicedesk.tickets import actions as ticket_actions
from servicedesk.tickets.models import HistoryEntry, Status
from tests.console.ticketing import fresh, make_ticket

from .kbdata import CONSOLE, published


def _lines(ticket, user):
    return [line for item in timeline(fresh(ticket), user) for line in item.lines]


def test_a_link_is_recorded_once_with_a_translated_history_line(desk):
    ticket = make_ticket(desk, Status.IN_PROGRESS)
    article = published(desk)
    link, new = links.link_article(ticket, article, actor=desk.agent2, channel=CONSOLE,
                                   expected_version=ticket.version)
    assert new and link.kind == LinkKind.ANSWERED and link.linked_by == desk.agent2
    again, new = links.link_article(fresh(ticket), article, actor=desk.agent1, channel=CONSOLE)
    assert not new and again.pk == link.pk
    assert TicketArticle.objects.filter(ticket=ticket).count() == 1
    assert ArticleEvent.objects.filter(article=article, kind=EventKind.LINKED, ticket=ticket).count() == 1
    entries = HistoryEntry.objects.filter(ticket=ticket, event=links.LINKED)
    assert entries.count() == 1 and not entries.get().internal
    assert f"张芳 answered with the article #{article.pk} Reset your VPN password" in _lines(ticket, desk.agent1)
    with translation.override("zh-hans"):
        assert f"张芳 以知识文章 #{article.pk} Reset your VPN password 答复" in _lines(ticket, desk.agent1)


def test_unlink_removes_the_link_and_its_count(desk):
    ticket = make_ticket(desk, Status.IN_PROGRESS)
    article = published(desk)
    links.link_article(ticket, article, actor=desk.agent2, channel=CONSOLE)
    links.unlink_article(ticket, article, actor=desk.agent2, channel=CONSOLE)
    assert not TicketArticle.objects.filter(ticket=ticket).exists()
    assert not ArticleEvent.objects.filter(article=article, kind=EventKind.LINKED).exists()
    assert f"张芳 removed the article #{article.pk} Reset your VPN password" in _lines(ticket, desk.agent1)
    with pytest.raises(NotFound):
        links.unlink_article(ticket, article, actor=desk.agent2, channel=CONSOLE)


def test_a_customer_cannot_link_and_a_stale_version_changes_nothing(desk):
    ticket = make_ticket(desk, Status.IN_PROGRESS)
    article = published(desk)
    with pytest.raises(NotAllowed):
        links.link_article(ticket, article, actor=desk.customer1, channel=CONSOLE)
    with pytest.raises(Conflict):
        links.link_article(ticket, article, actor=desk.agent2, channel=CONSOLE, expected_version=1)
    assert not TicketArticle.objects.exists() and not ArticleEvent.objects.exists()


def test_an_agent_links_only_tickets_they_see_and_only_live_articles(desk):
    hidden = ticket_actions.create_ticket(actor=desk.customer2, title="Payroll app down")
    ticket_actions.assign(hidden, actor=desk.manager, group=desk.third_line)
    article = published(desk)
    with pytest.raises(NotFound):
        links.link_article(hidden, article, actor=desk.lead1, channel=CONSOLE)
    withdrawn = actions.unpublish_article(published(desk, title="Old answer"), actor=desk.manager, channel=CONSOLE)
    with pytest.raises(ActionError):
        links.link_article(make_ticket(desk, Status.IN_PROGRESS), withdrawn, actor=desk.agent2, channel=CONSOLE)
    assert not TicketArticle.objects.exists()


def test_a_staff_only_article_is_an_internal_history_line(desk, api):
    ticket = make_ticket(desk, Status.IN_PROGRESS)
    article = published(desk, title="Server room door code", audience=Audience.STAFF)
    links.link_article(ticket, article, actor=desk.agent2, channel=CONSOLE)
    assert HistoryEntry.objects.get(ticket=ticket, event=links.LINKED).internal
    history = api("customer1").get(f"tickets/{ticket.pk}/history").content.decode()
    assert "Server room door code" not in history


def test_a_sent_reply_links_the_articles_it_still_names(desk):
    ticket = make_ticket(desk, Status.IN_PROGRESS)
    kept, dropped = published(desk), published(desk, title="Printer jams")
    body = f"Please follow https://desk.example.com{links.public_path(kept)} and tell us."
    ticket_actions.add_comment(ticket, actor=desk.agent2, body=body)
    found = links.linked_in_reply(fresh(ticket), body, [kept.pk, dropped.pk], actor=desk.agent2, channel=CONSOLE)
    assert found == [kept]
    assert list(TicketArticle.objects.values_list("article_id", flat=True)) == [kept.pk]


def test_the_api_links_lists_and_unlinks(desk, api):
    ticket = make_ticket(desk, Status.IN_PROGRESS)
    article = published(desk)
    staff_only = published(desk, title="Server room door code", audience=Audience.STAFF)
    agent = api("agent2")
    stale = agent.post(f"tickets/{ticket.pk}/articles", {"article": article.pk, "version": 1})
    assert stale.status_code == 409 and "message" in stale.json_body
    made = agent.post(f"tickets/{ticket.pk}/articles", {"article": article.pk, "version": ticket.version})
    assert made.status_code == 201 and made.json_body["article"]["url"] == f"/help/articles/{article.pk}/"
    assert agent.post(f"tickets/{ticket.pk}/articles", {"article": article.pk}).status_code == 200
    assert agent.post(f"tickets/{ticket.pk}/articles", {"article": staff_only.pk}).status_code == 201
    assert agent.post(f"tickets/{ticket.pk}/articles", {"article": 999999}).status_code == 404
    assert {a["article"]["id"] for a in agent.get(f"tickets/{ticket.pk}/articles").json_body} == {
        article.pk, staff_only.pk}
    # The requester sees the answer they may read, never the staff-only one, and cannot link.
    customer = api("customer1")
    assert [a["article"]["id"] for a in customer.get(f"tickets/{ticket.pk}/articles").json_body] == [article.pk]
    refused = customer.post(f"tickets/{ticket.pk}/articles", {"article": article.pk})
    assert refused.status_code == 403 and refused.json_body["message"]
    assert customer.delete(f"tickets/{ticket.pk}/articles/{article.pk}").status_code == 403
    assert api("customer3").get(f"tickets/{ticket.pk}/articles").status_code == 404
    assert agent.delete(f"tickets/{ticket.pk}/articles/{article.pk}").status_code == 204
    assert agent.delete(f"tickets/{ticket.pk}/articles/{article.pk}").status_code == 404


def test_the_api_upkeep_is_for_staff(desk, api):
    published(desk)
    assert api("customer1").get("knowledge/upkeep").status_code == 403
    answer = api("agent1").get("knowledge/upkeep", {"mine": "true"})
    assert answer.status_code == 200
    assert set(answer.json_body) == {"poor_feedback", "past_review_date", "waiting_for_my_review", "knowledge_gap"}
