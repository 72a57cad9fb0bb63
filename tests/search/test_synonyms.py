"""Synonyms an administrator edits (admin site or search.actions), applied at the next search; the desk's
own words and the synonyms' Chinese terms in jieba's dictionary; English stemming for tickets too."""

import pytest
from django.test import Client

from servicedesk import search
from servicedesk.core import audit
from servicedesk.core.errors import ActionError, NotAllowed
from servicedesk.search import actions, synonyms
from servicedesk.search.models import Synonym, split_terms
from servicedesk.search.tokens import any_tokens, tokenize
from servicedesk.tickets import actions as ticket_actions
from servicedesk.tickets.models import Ticket

CONSOLE = audit.Channel.CONSOLE


def test_terms_split_on_either_languages_commas():
    assert split_terms("打印机，打印, Printer;print\n printer ") == ["打印机", "打印", "Printer", "print"]


def test_defaults_and_demo_sets_exist(desk):
    terms = {t for s in Synonym.objects.all() for t in s.term_list()}
    assert {"打印机", "printer", "远程接入", "VPN", "钉钉", "DingTalk"} <= terms


def test_actions_are_for_administrators_and_audited(desk):
    with pytest.raises(NotAllowed):
        actions.create_synonym("工位, desk", actor=desk.users["manager"], channel=CONSOLE)
    synonym = actions.create_synonym("工位， desk ,workplace", actor=desk.users["admin"], channel=CONSOLE)
    assert synonym.terms == "工位, desk, workplace"
    with pytest.raises(ActionError):
        actions.update_synonym(synonym, "only one", actor=desk.users["admin"], channel=CONSOLE)
    actions.update_synonym(synonym, "工位, desk", actor=desk.users["admin"], channel=CONSOLE)
    assert {"created", "changed"} <= set(audit.trail(synonym).values_list("action", flat=True))
    actions.delete_synonym(synonym, actor=desk.users["admin"], channel=CONSOLE)
    assert not Synonym.objects.filter(pk=synonym.pk).exists()


def test_admin_site_edits_synonyms_and_search_follows(desk):
    client = Client()
    client.force_login(desk.admin)
    assert client.get("/admin/search/synonym/add/").status_code == 200
    assert client.post("/admin/search/synonym/add/", {"terms": "lonely"}).status_code == 200, "one term refused"
    response = client.post("/admin/search/synonym/add/", {"terms": "工作台, workbench"})
    assert response.status_code == 302
    synonym = Synonym.objects.get(terms="工作台, workbench")
    assert audit.trail(synonym).filter(action="created").exists()
    assert "工作台" in synonyms.expand(["workbench"])
    client.post(f"/admin/search/synonym/{synonym.pk}/delete/", {"post": "yes"})
    assert "工作台" not in synonyms.expand(["workbench"])


def test_a_synonyms_chinese_term_becomes_a_word_of_the_segmenter(desk):
    assert "云桌面" not in tokenize("云桌面打不开"), "not a word of jieba's own dictionary"
    actions.create_synonym("云桌面, VDI", actor=desk.users["admin"], channel=CONSOLE)
    assert "云桌面" in tokenize("云桌面打不开"), "documents and queries segmented alike from now on"


def test_the_desks_own_words_are_whole_tokens():
    for word in ["企业微信", "钉钉", "飞书", "远程接入", "蓝屏"]:
        assert word in tokenize(f"我的{word}出问题了"), word


def test_any_word_queries_leave_out_what_tells_nothing():
    assert any_tokens("my printer on floor 3 will not print") == ["printer", "floor", "print"]
    assert any_tokens("the") == ["the"], "a query of stopwords only keeps them"


def test_ticket_search_is_stemmed(desk):
    ticket = ticket_actions.create_ticket(actor=desk.agent1, requester=desk.customer1, title="Printers offline",
                                          description="Both printing rooms", channel="phone", group=desk.first_line)
    assert set(search.search(Ticket.objects.all(), "printer").values_list("pk", flat=True)) == {ticket.pk}
    assert set(search.search(Ticket.objects.all(), "printed rooms").values_list("pk", flat=True)) == {ticket.pk}
