"""Knowledge on the console's ticket page: the lazy panel (articles for the ticket and similar resolved
tickets, scoped), a reply that carries an inserted article links it, unlinking, "Turn into article",
articles on the search page, and the upkeep page."""

import re

import pytest
from django.urls import reverse
from django.utils import timezone

from servicedesk.knowledge import actions as knowledge_actions
from servicedesk.knowledge.actions import links
from servicedesk.knowledge.models import Article, Audience, LinkKind, SearchGap, State, TicketArticle
from servicedesk.tickets import actions
from servicedesk.tickets.models import HistoryEntry, Status
from tests.knowledge.kbdata import CONSOLE, published

from .test_ticket_page import url
from .ticketing import fresh, make_ticket


@pytest.fixture
def agent1(client, desk):
    client.force_login(desk.agent1)
    return client


def _panel(client, ticket, **params):
    response = client.get(url(ticket, "ticket_knowledge"), params)
    assert response.status_code == 200
    return response.content.decode()


def test_the_page_loads_the_panel_later_and_reads_no_article(agent1, desk, django_assert_max_num_queries):
    ticket = make_ticket(desk, Status.IN_PROGRESS, title="VPN keeps disconnecting")
    published(desk, title="VPN disconnects: update the client")
    agent1.get(url(ticket))  # warm the per-process caches
    with django_assert_max_num_queries(30) as captured:
        page = agent1.get(url(ticket)).content.decode()
    assert f'hx-get="{url(ticket, "ticket_knowledge")}"' in page and 'hx-trigger="load"' in page
    assert not [q for q in captured.captured_queries if "knowledge_" in q["sql"] or "search_" in q["sql"]]
    assert "console/knowledge.js" in page


def test_the_panel_suggests_live_articles_and_marks_those_the_requester_cannot_open(agent1, desk):
    ticket = make_ticket(desk, Status.IN_PROGRESS, title="VPN keeps disconnecting")
    public = published(desk, title="VPN disconnects: update the client", body="Install **5.2** of the client.")
    staff = published(desk, title="VPN gateway restart for staff", audience=Audience.STAFF)
    knowledge_actions.create_article(knowledge_actions.ArticleInput(title="VPN draft", body="x"),
                                     actor=desk.agent1, channel=CONSOLE)
    html = _panel(agent1, ticket)
    assert "<mark>" in html and "VPN draft" not in html
    public_item = re.search(rf'<li data-article="{public.pk}">.*?</li>', html, re.S).group(0)
    assert f'data-kb-value="http://127.0.0.1:8000/help/articles/{public.pk}/"' in public_item
    assert 'data-kb-insert="text"' in public_item and "Install 5.2 of the client." in public_item
    staff_item = re.search(rf'<li data-article="{staff.pk}">.*?</li>', html, re.S).group(0)
    assert "not for this requester" in staff_item and 'data-kb-insert="link"' not in staff_item
    # The search box looks further.
    assert "VPN disconnects" not in _panel(agent1, ticket, q="printer toner")


def test_similar_tickets_are_resolved_ones_the_agent_may_see(client, desk):
    ticket = make_ticket(desk, Status.IN_PROGRESS, title="Outlook crashes on start")
    seen = make_ticket(desk, Status.RESOLVED, title="Outlook crashes when opening")
    still_open = make_ticket(desk, Status.IN_PROGRESS, title="Outlook crashes again")
    hidden = actions.create_ticket(actor=desk.customer2, title="Outlook crashes for payroll")
    actions.assign(hidden, actor=desk.manager, group=desk.third_line)
    actions.transition(hidden, "start", actor=desk.manager)
    actions.transition(hidden, "resolve", actor=desk.manager, comment="Repaired Office.")
    client.force_login(desk.lead1)
    html = _panel(client, ticket)
    assert seen.number in html
    assert still_open.number not in html and fresh(hidden).number not in html
    assert f">{ticket.number}</a>" not in html  # the ticket itself is not its own similar ticket


def test_customers_get_no_panel(client, desk):
    ticket = make_ticket(desk, Status.IN_PROGRESS)
    client.force_login(desk.customer1)
    assert client.get(url(ticket, "ticket_knowledge")).status_code == 404


def _reply(client, ticket, body, articles, internal="0"):
    return client.post(url(ticket, "ticket_reply"), {"version": fresh(ticket).version, "body": body,
                                                     "internal": internal, "article": articles})


def test_a_sent_reply_links_the_inserted_article_once(agent1, desk):
    ticket = make_ticket(desk, Status.IN_PROGRESS)
    article, removed = published(desk), published(desk, title="Printer jams")
    link = f"http://127.0.0.1:8000/help/articles/{article.pk}/"
    assert _reply(agent1, ticket, f"Please follow {link}", [article.pk, removed.pk]).status_code == 302
    assert list(TicketArticle.objects.values_list("article_id", "kind")) == [(article.pk, LinkKind.ANSWERED)]
    assert _reply(agent1, ticket, f"Again: {link}", [article.pk]).status_code == 302
    assert TicketArticle.objects.count() == 1
    assert HistoryEntry.objects.filter(ticket=ticket, event=links.LINKED).count() == 1
    # An internal note is not an answer to the customer.
    other = make_ticket(desk, Status.IN_PROGRESS)
    _reply(agent1, other, f"See {link}", [article.pk], internal="1")
    assert not TicketArticle.objects.filter(ticket=other).exists()
    page = agent1.get(url(ticket)).content.decode()
    assert f"Alex Chen answered with the article #{article.pk} Reset your VPN password" in page


def test_a_refused_reply_keeps_the_inserted_articles(agent1, desk):
    ticket = make_ticket(desk, Status.IN_PROGRESS)
    article = published(desk)
    response = agent1.post(url(ticket, "ticket_reply"), {"version": 1, "body": "x", "article": [article.pk]})
    assert response.status_code == 409
    assert f'<input type="hidden" name="article" value="{article.pk}">' in response.content.decode()


def test_the_panel_lists_and_unlinks_linked_articles(agent1, desk):
    ticket = make_ticket(desk, Status.IN_PROGRESS)
    article = published(desk)
    links.link_article(ticket, article, actor=desk.agent1, channel=CONSOLE)
    ticket = fresh(ticket)
    assert url(ticket, "ticket_article_unlink", article.pk) in _panel(agent1, ticket)
    stale = agent1.post(url(ticket, "ticket_article_unlink", article.pk), {"version": ticket.version - 1})
    assert stale.status_code == 409 and TicketArticle.objects.exists()
    done = agent1.post(url(ticket, "ticket_article_unlink", article.pk), {"version": ticket.version})
    assert done.status_code == 302 and not TicketArticle.objects.exists()


def test_turn_into_article_on_a_resolved_ticket_opens_the_editor(agent1, desk):
    open_ticket = make_ticket(desk, Status.IN_PROGRESS)
    assert 'data-test="draft-article"' not in agent1.get(url(open_ticket)).content.decode()
    refused = agent1.post(url(open_ticket, "ticket_draft_article"), {"version": open_ticket.version})
    assert refused.status_code == 400 and "resolved or closed" in refused.content.decode()
    ticket = make_ticket(desk, Status.RESOLVED, title="Printer on floor 3 jams")
    assert 'data-test="draft-article"' in agent1.get(url(ticket)).content.decode()
    response = agent1.post(url(ticket, "ticket_draft_article"), {"version": ticket.version})
    article = Article.objects.get()
    assert response.status_code == 302 and response["Location"] == reverse("console:kb_edit", args=[article.pk])
    assert article.state == State.DRAFT and article.owner == desk.agent1 and article.title == ticket.title


def test_the_search_page_shows_articles_beside_tickets(agent1, desk):
    published(desk, title="Printer toner replacement")
    knowledge_actions.create_article(knowledge_actions.ArticleInput(title="Printer driver draft", body="x"),
                                     actor=desk.agent2, channel=CONSOLE)
    html = agent1.get(reverse("console:search"), {"q": "printer"}).content.decode()
    section = html[html.index('id="articles-title"'):]
    assert "<mark>Printer</mark> toner replacement" in section or "<mark>printer</mark>" in section.lower()
    assert "Printer driver draft" in section


def test_the_upkeep_page_mine_all_and_a_gap_dealt_with(agent1, desk):
    mine = published(desk, title="My stale article")
    knowledge_actions.update_article(mine, knowledge_actions.ArticleInput(
        review_by=timezone.localdate() - timezone.timedelta(days=2)), actor=desk.agent1, channel=CONSOLE)
    theirs = knowledge_actions.create_article(knowledge_actions.ArticleInput(
        title="Their stale article", body="x", review_by=timezone.localdate() - timezone.timedelta(days=2)),
        actor=desk.agent2, channel=CONSOLE)
    gap = SearchGap.objects.create(query="蓝屏 0x0000007B", key="0x0000007b 蓝屏", count=7)
    page = agent1.get(reverse("console:kb_upkeep")).content.decode()
    assert mine.title in page and theirs.title not in page and "蓝屏 0x0000007B" in page
    everything = agent1.get(reverse("console:kb_upkeep"), {"scope": "all"}).content.decode()
    assert mine.title in everything and theirs.title in everything
    done = agent1.post(reverse("console:kb_gap_dealt_with", args=[gap.pk]), {"scope": "all"})
    assert done.status_code == 302 and done["Location"].endswith("?scope=all#gaps")
    assert SearchGap.objects.get().resolved
    after = agent1.get(reverse("console:kb_upkeep")).content.decode()
    assert reverse("console:kb_gap_dealt_with", args=[gap.pk]) not in after


def test_the_screens_speak_chinese(client, desk):
    client.force_login(desk.agent2)  # saved zh-hans
    ticket = make_ticket(desk, Status.RESOLVED)
    page = client.get(url(ticket)).content.decode()
    assert "转为知识文章" in page and "知识" in page
    assert "相似的已解决工单" in _panel(client, ticket)
    assert "知识维护" in client.get(reverse("console:kb_upkeep")).content.decode()
