"""The console search's statements: the ranking reads its pool of candidates in the same statement (no list
of ids read and sent back), and the count does not grow with the matches."""

from django.db import connection
from django.test.utils import CaptureQueriesContext

from servicedesk.search.index import RANK_CANDIDATES
from servicedesk.tickets import actions


def statements(client) -> list[str]:
    with CaptureQueriesContext(connection) as captured:
        response = client.get("/console/search/", {"q": "printer"})
    assert response.status_code == 200
    return [q["sql"] for q in captured.captured_queries]


def test_the_pool_is_ranked_in_one_statement(client, desk):
    for i in range(6):
        actions.create_ticket(actor=desk.agent1, requester=desk.customer1, title=f"Printer {i} jams",
                              channel="phone", group=desk.first_line)
    client.force_login(desk.agent1)
    statements(client)  # caches warm
    few = statements(client)
    pooled = [sql for sql in few if f"LIMIT {RANK_CANDIDATES}" in sql and '"tickets_ticket"."id"' in sql]
    assert len(pooled) == 1 and ("bm25(" in pooled[0] or "ts_rank(" in pooled[0])
    assert "Printer 5 jams" in client.get("/console/search/", {"q": "printer"}).content.decode()
    # PostgreSQL's article search reads its statistics and pool in statements of their own.
    assert len(few) <= {"sqlite": 9, "postgresql": 14}[connection.vendor]
    for i in range(10):
        actions.create_ticket(actor=desk.agent1, requester=desk.customer2, title=f"Printer {i} again",
                              channel="phone", group=desk.first_line)
    assert len(statements(client)) == len(few)
