"""From a ticket to a draft article: only resolved or closed tickets, only the public answer, no personal
data, in the ticket's language, of its category, linked to it as its source; and the scrubber itself."""

import pytest
from django.utils import translation

from servicedesk.core.errors import ActionError, NotAllowed, NotFound
from servicedesk.knowledge.actions import from_ticket, links
from servicedesk.knowledge.models import Language, LinkKind, State, TicketArticle
from servicedesk.knowledge.scrub import scrub
from servicedesk.tickets import actions as ticket_actions
from servicedesk.tickets.models import Category, HistoryEntry, Status
from tests.console.ticketing import fresh, make_ticket

from .kbdata import CONSOLE

NOTE = "Internal: the admin password of the VPN box is hunter2"


def _resolved(desk, title="VPN drops every hour", description=None, category=None):
    description = description or ("Since Monday my VPN drops every hour. Call me on +86 138 0013 8000 or "
                                  "write to liu.wei@example.com. Same as SD-000041; my laptop is 10.20.30.40.")
    ticket = ticket_actions.create_ticket(actor=desk.customer1, title=title, description=description,
                                          category=category)
    ticket_actions.transition(ticket, "acknowledge", actor=desk.agent1)
    ticket_actions.transition(ticket, "start", actor=desk.agent1)
    ticket_actions.add_comment(ticket, actor=desk.agent1, body=NOTE, internal=True)
    ticket_actions.add_comment(ticket, actor=desk.agent1, body="Alex Chen here: we are looking at the gateway.")
    ticket_actions.add_comment(ticket, actor=desk.customer1, body="Still dropping, my number is 13800138000")
    ticket_actions.transition(ticket, "resolve", actor=desk.agent1,
                              comment="Update the VPN client to 5.2 and turn off Wi-Fi power saving. – agent1")
    return fresh(ticket)


def test_a_resolved_ticket_becomes_a_scrubbed_draft_linked_to_it(desk):
    category = Category.objects.filter(parent__isnull=False).first() or Category.objects.first()
    ticket = _resolved(desk, category=category)
    article = from_ticket.draft_from_ticket(ticket, actor=desk.agent2, channel=CONSOLE)
    assert article.state == State.DRAFT and not article.is_live
    assert article.owner == desk.agent2 and article.language == Language.EN
    assert article.title == "VPN drops every hour"
    assert article.category == category and article.service_id == category.service_id
    body = article.body
    # The resolution comes first under the solution, then the other public staff replies.
    assert body.index("## Problem") < body.index("Since Monday") < body.index("## Solution")
    assert body.index("Update the VPN client to 5.2") < body.index("we are looking at the gateway")
    for secret in (NOTE, "hunter2", "+86 138", "liu.wei@example.com", "SD-000041", "10.20.30.40", "Alex Chen",
                   "agent1", "刘伟", "13800138000", "Still dropping"):
        assert secret not in body, secret
    assert "[phone number]" in body and "[e-mail address]" in body and "[name]" in body
    link = TicketArticle.objects.get(ticket=ticket)
    assert link.article == article and link.kind == LinkKind.SOURCE
    assert HistoryEntry.objects.filter(ticket=ticket, event=links.DRAFTED).count() == 1


def test_a_chinese_ticket_gives_a_chinese_draft(desk):
    ticket = _resolved(desk, title="打印机卡纸", description="三楼的打印机一直卡纸，请联系我 13800138000。")
    article = from_ticket.draft_from_ticket(ticket, actor=desk.agent1, channel=CONSOLE)
    assert article.language == Language.ZH
    assert "## 问题" in article.body and "## 解决方法" in article.body
    assert "[电话号码]" in article.body and "13800138000" not in article.body


def test_an_open_ticket_is_refused_and_customers_cannot_draft(desk):
    ticket = make_ticket(desk, Status.IN_PROGRESS)
    with pytest.raises(ActionError, match="resolved or closed"):
        from_ticket.draft_from_ticket(ticket, actor=desk.agent2, channel=CONSOLE)
    resolved = _resolved(desk)
    with pytest.raises(NotAllowed):
        from_ticket.draft_from_ticket(resolved, actor=desk.customer1, channel=CONSOLE)
    hidden = ticket_actions.create_ticket(actor=desk.customer2, title="Payroll app down")
    ticket_actions.assign(hidden, actor=desk.manager, group=desk.third_line)
    ticket_actions.transition(hidden, "start", actor=desk.manager)
    ticket_actions.transition(hidden, "resolve", actor=desk.manager, comment="Restarted.")
    with pytest.raises(NotFound):
        from_ticket.draft_from_ticket(fresh(hidden), actor=desk.lead1, channel=CONSOLE)
    assert not TicketArticle.objects.exists()


@pytest.mark.parametrize(("text", "expected"), [
    ("mail a.b+c@mail.example.cn now", "mail [e-mail address] now"),
    ("call +86 138 0013 8000, or (021) 5555-1234.", "call [phone number], or [phone number]."),
    ("see SD-000123 and sd-38", "see [ticket] and [ticket]"),
    ("from 192.168.1.20 and fe80::1ff:fe23:4567:890a", "from [IP address] and [IP address]"),
    # What is not personal stays: dates, times, versions, error codes, encodings, product names.
    ("On 2026-12-07 at 10:30 install 5.2.1 (0x80070005, UTF-8, Windows-10, KB5034441)",
     "On 2026-12-07 at 10:30 install 5.2.1 (0x80070005, UTF-8, Windows-10, KB5034441)"),
    ("Alex Chen and alex chen; Will will help", "[name] and [name]; [name] will help"),
    ("陈静说重启后好了", "[name]说重启后好了"),
])
def test_the_scrubber(text, expected):
    assert scrub(text, names=["Alex Chen", "Alex", "Chen", "Will", "陈静", "陈"], prefixes=["SD"]) == expected


def test_the_scrubber_speaks_the_active_language():
    with translation.override("zh-hans"):
        assert scrub("mail me@example.com", prefixes=[]) == "mail [电子邮件地址]"


def test_the_api_drafts_from_a_resolved_ticket(desk, api):
    open_ticket = make_ticket(desk, Status.IN_PROGRESS)
    refused = api("agent2").post(f"tickets/{open_ticket.pk}/draft-article")
    assert refused.status_code == 400 and "resolved or closed" in refused.json_body["message"]
    ticket = _resolved(desk)
    assert api("customer1").post(f"tickets/{ticket.pk}/draft-article").status_code == 403
    made = api("agent2").post(f"tickets/{ticket.pk}/draft-article")
    assert made.status_code == 201 and made.json_body["state"] == "draft" and not made.json_body["is_live"]
    assert TicketArticle.objects.get(ticket=ticket, kind=LinkKind.SOURCE).article_id == made.json_body["id"]
