"""From a resolved ticket to an article a customer finds, in English and in Chinese: an agent turns the
ticket into a draft (its question and public answer, no internal note, no personal data), lead1
publishes it on the console's article page, a customer finds it in the help centre's search; then an
agent answers a new ticket with it from the ticket page's knowledge panel and the link is recorded."""

import re

import pytest

from servicedesk.knowledge.models import Article, LinkKind, State, TicketArticle
from servicedesk.tickets import actions
from servicedesk.tickets.models import Status, Ticket
from tests.console.ticketing import fresh

from .conftest import screenshot, translated

# Title, description, internal note, resolution; then the new ticket the article answers.
TEXTS = {
    "en": ("Outlook crashes when opening attachments",
           "Outlook closes each time I open a PDF attachment. Call me on 138 0013 8000.",
           "Internal: the mail server certificate expires on Friday",
           "Turn off the PDF preview add-in under File > Options > Add-ins, then restart Outlook.",
           "Outlook crashes on PDF attachments again", "Outlook"),
    "zh-hans": ("打开附件时 Outlook 崩溃",
                "每次打开 PDF 附件 Outlook 都会关闭。请打 138 0013 8000 联系我。",
                "内部：邮件服务器证书周五过期",
                "在 文件 > 选项 > 加载项 中关闭 PDF 预览加载项，然后重启 Outlook。",
                "Outlook 打开 PDF 附件又崩溃了", "附件"),
}


def _resolved_ticket(users, title, description, note, resolution) -> Ticket:
    ticket = actions.create_ticket(actor=users["customer1"], title=title, description=description)
    actions.transition(ticket, "acknowledge", actor=users["agent1"])
    actions.transition(ticket, "start", actor=users["agent1"])
    actions.add_comment(ticket, actor=users["agent1"], body=note, internal=True)
    actions.transition(ticket, "resolve", actor=users["agent1"], comment=resolution)
    return fresh(ticket)


@pytest.mark.parametrize("language", ["en", "zh-hans"])
def test_a_resolved_ticket_becomes_an_article_a_customer_finds(sign_in, e2e_desk, language):
    title, description, note, resolution, new_title, search_word = TEXTS[language]
    ticket = _resolved_ticket(e2e_desk, title, description, note, resolution)

    # -- An agent turns the resolved ticket into a draft ---------------------------------------
    agent = sign_in("agent1", language)
    agent.goto(f"{agent.base_url}/console/tickets/{ticket.number}/")
    button = agent.locator("[data-test=draft-article]")
    assert button.inner_text().strip() == translated(language, "Turn into article")
    screenshot(agent, f"console-ticket-resolved-knowledge-{language}")
    button.click()
    agent.wait_for_load_state("domcontentloaded")
    article = Article.objects.get()
    assert re.search(rf"/console/kb/{article.pk}/edit/$", agent.url)
    assert article.state == State.DRAFT and article.title == title
    assert note not in article.body and "138 0013 8000" not in article.body and resolution in article.body
    assert TicketArticle.objects.get(kind=LinkKind.SOURCE).ticket_id == ticket.pk
    screenshot(agent, f"console-article-from-ticket-{language}")

    # -- lead1 publishes it on the console's article page ---------------------------------------
    lead = sign_in("lead1", language)
    lead.goto(f"{lead.base_url}/console/kb/{article.pk}/")
    lead.locator(f"form[action$='/kb/{article.pk}/publish/'] button[type=submit]").click()
    lead.wait_for_load_state("domcontentloaded")
    article.refresh_from_db()
    assert article.is_live and article.published_by.username == "lead1"
    lead.goto(f"{lead.base_url}/console/kb/upkeep/?scope=all")
    assert lead.locator("h1").inner_text() == translated(language, "Knowledge upkeep")
    screenshot(lead, f"console-knowledge-upkeep-{language}")

    # -- A customer finds it in the help centre -------------------------------------------------
    customer = sign_in("customer2" if language == "en" else "customer1", language)
    customer.goto(f"{customer.base_url}/help/")
    customer.fill("#kb-q", search_word)
    customer.locator("form.kb-search button[type=submit]").click()
    customer.wait_for_load_state("domcontentloaded")
    found = customer.locator(f"a[href='/help/articles/{article.pk}/']").first
    found.wait_for()
    found.click()
    customer.wait_for_load_state("domcontentloaded")
    assert resolution in customer.locator("main").inner_text()
    screenshot(customer, f"help-article-from-ticket-{language}")

    # -- An agent answers a new ticket with it, from the knowledge panel ------------------------
    new = actions.create_ticket(actor=e2e_desk["customer1"], title=new_title, description=description)
    actions.transition(new, "acknowledge", actor=e2e_desk["agent1"])
    agent.goto(f"{agent.base_url}/console/tickets/{new.number}/")
    suggestion = agent.locator(f"#knowledge li[data-article='{article.pk}']")
    suggestion.wait_for()
    screenshot(agent, f"console-ticket-knowledge-panel-{language}")
    agent.locator("#knowledge-q").fill(search_word)
    with agent.expect_response(lambda r: "/knowledge/?q=" in r.url):
        agent.locator("#knowledge form.knowledge-search button[type=submit]").click()
    agent.wait_for_load_state("networkidle")
    suggestion = agent.locator(f"#knowledge li[data-article='{article.pk}']")
    suggestion.wait_for()
    suggestion.locator("[data-kb-insert=link]").click()
    reply = agent.locator("#reply-body").input_value()
    assert f"/help/articles/{article.pk}/" in reply
    agent.locator("form.reply-form button[type=submit]").click()
    agent.wait_for_load_state("domcontentloaded")
    assert new.comments.filter(internal=False).count() == 1
    assert TicketArticle.objects.filter(ticket=new, article=article, kind=LinkKind.ANSWERED).exists()
    assert fresh(new).status == Status.ACKNOWLEDGED
    sentence = translated(language, "%(who)s answered with the article %(article)s") % {
        "who": "Alex Chen", "article": f"#{article.pk} {title}"}
    assert sentence in agent.content()
    assert agent.js_errors == []
