"""Ticket search: Chinese and English words, mixed text, AND, hostile input, ticket numbers, an index that
follows every change, ranking, the rebuild, and the console queue and API list that use it.

Runs on whichever database the suite runs on (SQLite FTS5 or PostgreSQL full text)."""

import io
import re

import pytest
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext

from servicedesk import search
from servicedesk.search import index
from servicedesk.search.tokens import query_tokens, tokenize
from servicedesk.tickets import actions
from servicedesk.tickets.models import Status, Ticket

NUMBER = re.compile(r">(SD-\d{6})</a></td>")


def make(desk, title, description="", requester=None, group="first_line"):
    requester = requester or desk.customer1
    return actions.create_ticket(
        actor=desk.agent1, requester=requester, title=title, description=description, channel="phone",
        group=getattr(desk, group) if group else None,
    )


def found(text, queryset=None) -> set[int]:
    queryset = Ticket.objects.all() if queryset is None else queryset
    return set(search.search(queryset, text).values_list("pk", flat=True))


@pytest.fixture
def tickets(desk):
    return {
        "network": make(desk, "公司无线网络频繁断线", "会议室的网络很慢"),
        "password": make(desk, "域账号密码忘记了", "需要重置"),
        "printer": make(desk, "三楼打印机卡纸", "无法打印任何文件"),
        "vpn": make(desk, "VPN连接失败", "Since Monday the client says: authentication failed"),
        "english": make(desk, "Outlook cannot send mail", "The Mailbox is FULL, please help"),
        "mixed": make(desk, "Outlook 邮箱空间已满", "mailbox quota"),
    }


def pks(tickets, *names) -> set[int]:
    return {tickets[name].pk for name in names}


# ---------------------------------------------------------------------------------------------
# Words


def test_two_character_chinese_words_inside_longer_text(tickets):
    assert found("网络", ) == pks(tickets, "network")
    assert found("密码") == pks(tickets, "password")
    assert found("打印") == pks(tickets, "printer"), "打印 inside 打印机 and 无法打印"
    assert found("打印机") == pks(tickets, "printer")
    assert found("卡纸") == pks(tickets, "printer")
    assert found("无线网络") == pks(tickets, "network")
    assert found("邮箱") == pks(tickets, "mixed")


def test_mixed_text(tickets):
    assert found("VPN") == pks(tickets, "vpn")
    assert found("连接") == pks(tickets, "vpn")
    assert found("vpn 连接") == pks(tickets, "vpn")
    assert found("VPN连接") == pks(tickets, "vpn")
    assert found("连接 authentication") == pks(tickets, "vpn"), "title and description words together"
    assert found("vpn 打印") == set(), "every word must match"


def test_english_is_case_insensitive_and_words_are_anded(tickets):
    assert found("outlook") == pks(tickets, "english", "mixed")
    assert found("OUTLOOK mailbox") == pks(tickets, "english", "mixed")
    assert found("Outlook full") == pks(tickets, "english")
    assert found("mailbox, full!") == pks(tickets, "english"), "punctuation only separates words"
    assert found("mail") == pks(tickets, "english"), "a word, not a substring: mailbox is another word"
    assert found("outlook printer") == set()


@pytest.mark.parametrize("text", [
    'a & b | !c :*', '"', "'", "''", '""', "\\", "outlook' OR 1=1 --", 'outlook") OR ("1"="1',
    "outlook & !vpn", "outlook | vpn", "!outlook", "outlook:*", "NEAR(outlook mail)", "outlook AND vpn",
    "*", "(", ")", "^outlook", "-outlook", "'); DROP TABLE tickets_ticket; --", "\x00", "   ", "。，！",
])
def test_operators_and_quotes_in_user_text_are_only_text(tickets, text):
    result = found(text)  # no error, whatever the engine's query syntax
    words = query_tokens(text)
    expected = {t.pk for t in tickets.values() if all(w in tokenize(f"{t.title} {t.description}") for w in words)}
    assert result == (expected if words else set())
    assert Ticket.objects.count() == len(tickets)


def test_operators_do_not_widen_the_match(tickets):
    assert found("outlook | vpn") == set(), "| is no OR: it is dropped, and 'outlook vpn' has no match"
    assert found("outlook & !mail") == pks(tickets, "english"), "! is no NOT"
    assert found("outl:*") == set(), ":* is no prefix search"


def test_ticket_number_matches_exactly(tickets):
    vpn = tickets["vpn"]
    assert found(vpn.number) == {vpn.pk}
    assert found(vpn.number.lower()) == {vpn.pk}
    assert found(f"  {vpn.number} ") == {vpn.pk}
    assert found("SD-999999") == set()


def test_search_keeps_the_callers_filters_and_order(desk, tickets):
    a = make(desk, "打印机 again", requester=desk.customer3)
    actions.update_ticket(tickets["printer"], actor=desk.agent1, changes={"description": "无法打印 again"})
    ordered = search.search(Ticket.objects.order_by("-updated_at", "-id"), "打印")
    assert list(ordered.values_list("pk", flat=True)) == [tickets["printer"].pk, a.pk]
    mine = search.search(Ticket.objects.filter(requester=desk.customer3), "打印")
    assert list(mine.values_list("pk", flat=True)) == [a.pk]
    assert list(ordered[:1].values_list("pk", flat=True)) == [tickets["printer"].pk]


# ---------------------------------------------------------------------------------------------
# Keeping the index current


def test_the_index_follows_edits(desk, tickets):
    ticket = tickets["password"]
    actions.update_ticket(ticket, actor=desk.agent1, changes={"title": "门禁卡失效"})
    assert found("密码") == set()
    assert found("门禁卡") == {ticket.pk}
    assert found("重置") == {ticket.pk}, "the description is unchanged"
    actions.update_ticket(ticket, actor=desk.agent1, changes={"description": "badge reader broken"})
    assert found("重置") == set()
    assert found("badge") == {ticket.pk}


def test_public_replies_are_indexed_internal_notes_are_not(desk, tickets):
    ticket = tickets["english"]
    actions.add_comment(ticket, actor=desk.customer1, body="Still broken after the 网关 restart")
    actions.add_comment(ticket, actor=desk.agent1, body="secret colleague remark", internal=True)
    assert found("网关") == {ticket.pk}
    assert found("secret") == set()
    assert found("outlook") == pks(tickets, "english", "mixed"), "the title is still indexed"


def test_a_merged_ticket_leaves_the_index_and_its_replies_follow(desk, tickets):
    source = make(desk, "Outlook crashes", "外网访问慢")
    actions.add_comment(source, actor=desk.customer1, body="also 防火墙 alerts")
    target = tickets["english"]
    actions.merge(source, target, actor=desk.agent1)
    assert found("crashes") == set()
    assert found("外网") == set(), "the description stays with the merged ticket, out of the index"
    assert found("防火墙") == {target.pk}, "the moved reply is found on the ticket it moved to"
    assert found(source.number) == {source.pk}, "the number still finds it"


def test_a_deleted_ticket_leaves_the_index(desk, tickets):
    ticket = tickets["printer"]
    pk = ticket.pk
    Ticket.objects.filter(pk=pk).delete()
    assert found("打印") == set()
    table, key = ((index.PG_TABLE, "ticket_id") if connection.vendor == "postgresql" else (index.FTS_TABLE, "rowid"))
    with connection.cursor() as cur:
        cur.execute(f"SELECT COUNT(*) FROM {table} WHERE {key} = %s", [pk])
        assert cur.fetchone()[0] == 0


def test_a_failed_change_leaves_the_index_as_it_was(desk, tickets):
    ticket = tickets["english"]
    with pytest.raises(actions.Conflict):
        actions.update_ticket(ticket, actor=desk.agent1, expected_version=ticket.version - 1,
                              changes={"title": "renamed"})
    assert found("renamed") == set()
    assert found("outlook cannot") == {ticket.pk}


def test_rebuild_restores_the_index(desk, tickets):
    source = make(desk, "duplicate Outlook", requester=desk.customer1)
    actions.merge(source, tickets["english"], actor=desk.agent1)
    table = index.PG_TABLE if connection.vendor == "postgresql" else index.FTS_TABLE
    with connection.cursor() as cur:
        cur.execute(f"DELETE FROM {table}")
    assert found("网络") == set()
    out = io.StringIO()
    call_command("reindex-search", batch=4, stdout=out)
    assert f"{len(tickets)} tickets indexed" in out.getvalue(), "the merged one is left out"
    assert found("网络") == pks(tickets, "network")
    assert found("duplicate") == set()
    # Running it again replaces, never duplicates.
    call_command("reindex-search", batch=3, stdout=io.StringIO())
    assert list(search.search(Ticket.objects.all(), "outlook").values_list("pk", flat=True).order_by("pk")) == sorted(
        pks(tickets, "english", "mixed"))


# ---------------------------------------------------------------------------------------------
# Ranking


def test_ranked_puts_title_matches_first(desk, tickets):
    body_only = make(desk, "Question about the conference room", "the printer 打印 is fine, but the 网络 is down")
    title_hit = make(desk, "网络 down on floor 3", "")
    best = search.ranked(Ticket.objects.all(), "网络", limit=10)
    assert best[0].pk in {title_hit.pk, tickets["network"].pk}
    assert best[-1].pk == body_only.pk
    assert {t.pk for t in best} == {body_only.pk, title_hit.pk, tickets["network"].pk}
    assert len(search.ranked(Ticket.objects.all(), "网络", limit=2)) == 2
    assert search.ranked(Ticket.objects.all(), '" | !', limit=5) == []
    assert search.ranked(Ticket.objects.filter(requester=desk.customer3), "网络") == []


def test_ranked_puts_the_number_first(desk, tickets):
    vpn = tickets["vpn"]
    assert [t.pk for t in search.ranked(Ticket.objects.all(), vpn.number.lower())] == [vpn.pk]


def test_ranked_only_ranks_the_newest_candidates(desk, tickets):
    newer = make(desk, "Outlook Outlook Outlook")
    best = search.ranked(Ticket.objects.all(), "outlook", limit=5, candidates=1)
    assert [t.pk for t in best] == [newer.pk]


# ---------------------------------------------------------------------------------------------
# Through the real screens


def test_console_queue_search(client, desk, tickets):
    client.force_login(desk.agent1)
    url = "/console/queues/recent/"
    body = client.get(url, {"q": "打印"}).content.decode()
    assert NUMBER.findall(body) == [tickets["printer"].number]
    assert set(NUMBER.findall(client.get(url, {"q": "Outlook"}).content.decode())) == {
        tickets["english"].number, tickets["mixed"].number}
    assert NUMBER.findall(client.get(url, {"q": "a & b | !c :*"}).content.decode()) == []
    assert NUMBER.findall(client.get(url, {"q": tickets["vpn"].number.lower()}).content.decode()) == [
        tickets["vpn"].number]
    # Closed tickets leave the open queues but stay searchable in the status filter.
    actions.transition(tickets["printer"], "resolve", actor=desk.agent1, comment="fixed the 打印机")
    assert NUMBER.findall(client.get("/console/queues/groups/", {"q": "打印"}).content.decode()) == []


def test_api_list_search(api, desk, tickets):
    agent = api("agent1")
    response = agent.get("tickets", {"q": "网络"})
    assert response.status_code == 200
    assert [item["id"] for item in response.json_body["items"]] == [tickets["network"].pk]
    response = agent.get("tickets", {"q": "vpn 连接", "status": "open"})
    assert [item["id"] for item in response.json_body["items"]] == [tickets["vpn"].pk]
    assert agent.get("tickets", {"q": "' OR 1=1 --"}).json_body["items"] == []
    # A customer searches only their own tickets.
    other = make(desk, "网络 printer for customer3", requester=desk.customer3)
    assert [i["id"] for i in api("customer3").get("tickets", {"q": "网络"}).json_body["items"]] == [other.pk]


def test_api_search_pages_by_cursor(api, desk):
    made = [make(desk, f"打印 problem {i}") for i in range(5)]
    agent = api("agent1")
    first = agent.get("tickets", {"q": "打印", "limit": 2}).json_body
    second = agent.get("tickets", {"q": "打印", "limit": 2, "cursor": first["next_cursor"]}).json_body
    third = agent.get("tickets", {"q": "打印", "limit": 2, "cursor": second["next_cursor"]}).json_body
    seen = [i["id"] for page in (first, second, third) for i in page["items"]]
    assert sorted(seen) == sorted(t.pk for t in made) and len(set(seen)) == 5


def test_query_count_does_not_grow_with_the_matches(client, desk, django_assert_max_num_queries):
    client.force_login(desk.agent1)

    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            assert client.get("/console/queues/recent/", {"q": "网络"}).status_code == 200
        return len(captured)

    make(desk, "网络 1")
    queries()  # caches warm
    few = queries()
    for i in range(12):
        make(desk, f"网络 {i} 断线", requester=desk.customer2 if i % 2 else desk.customer1)
    assert queries() == few


def test_indexing_costs_a_bounded_number_of_queries(desk, django_assert_max_num_queries):
    ticket = make(desk, "Outlook")
    for i in range(5):
        actions.add_comment(ticket, actor=desk.customer1, body=f"reply {i}")
    with CaptureQueriesContext(connection) as captured:
        search.index_ticket(ticket.pk)
    assert len(captured) <= 4


# ---------------------------------------------------------------------------------------------
# Pieces


def test_tokenizer():
    assert tokenize("VPN连接失败") == ["vpn", "连接", "失败"]
    assert "打印" in tokenize("三楼打印机卡纸")
    assert tokenize("a & b | !c :* \" '") == ["a", "b", "c"]
    assert tokenize("") == [] and tokenize(None) == []
    assert query_tokens("vpn VPN vpn 连接") == ["vpn", "连接"]
    assert tokenize("x" * 65) == [], "blobs are no words"


def test_literals_quote_every_token():
    assert index.tsquery_literal(["a'b", "c\\d"]) == "'a''b' & 'c\\\\d'"
    assert index.fts5_query(['a"b', "c"]) == '"a""b" "c"'
    assert index.tsvector_literal(["vpn", "vpn"], ["连接"]) == "'vpn':1A,2A '连接':3B"


@pytest.mark.django_db
def test_status_of_open_tickets_is_not_part_of_the_match(desk):
    ticket = make(desk, "打印 broken")
    actions.transition(ticket, "resolve", actor=desk.agent1, comment="Fixed.")
    assert found("打印") == {ticket.pk}
    assert found("打印", Ticket.objects.filter(status__in=[Status.NEW, Status.ASSIGNED])) == set()


def test_sqlite_walks_the_queue_order_for_common_words_with_the_same_rows(desk, tickets, monkeypatch):
    if connection.vendor != "sqlite":
        pytest.skip("SQLite only: PostgreSQL's planner picks the plan from its statistics")
    base = Ticket.objects.filter(status__in=[Status.NEW, Status.ASSIGNED]).order_by("-updated_at", "-id")
    assert not index._sqlite_common(["outlook"], "default"), "two matches are not common"
    expected = list(search.search(base, "outlook", page=False).values_list("pk", flat=True))
    assert len(expected) == 2
    monkeypatch.setattr(index, "_sqlite_common", lambda tokens, using: True)
    walked = search.search(base, "outlook")
    assert "+" in str(walked.query) and list(walked.values_list("pk", flat=True)) == expected
    assert list(search.search(base, f"{tickets['vpn'].number}").values_list("pk", flat=True)) == [tickets["vpn"].pk]
    assert list(search.search(base, "outlook' OR 1=1").values_list("pk", flat=True)) == []
