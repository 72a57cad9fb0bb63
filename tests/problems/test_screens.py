"""The console's problem screens: opening a problem from an incident's page and from typed numbers, linking from
either side, the analysis form with its version, publishing the known error, resolving with the incidents, and the
ticket page's problem panel — in both languages."""

from django.test import Client

from servicedesk.problems import actions
from servicedesk.problems.models import ProblemRecord
from servicedesk.tickets.models import Status

from .conftest import CONSOLE, open_problem


def client(user, language="en"):
    made = Client(HTTP_ACCEPT_LANGUAGE=language)
    made.force_login(user)
    return made


def test_a_problem_is_opened_from_an_incidents_page(desk, incidents):
    agent = client(desk.agent1)
    page = agent.get(f"/console/tickets/{incidents[0].number}/").content.decode()
    assert 'id="open-problem-from-ticket"' in page
    response = agent.post("/console/problems/new/", {"incidents": incidents[0].number,
                                                     "back": f"/console/tickets/{incidents[0].number}/"})
    record = ProblemRecord.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/console/problems/{record.ticket.number}/"
    page = agent.get(f"/console/tickets/{incidents[0].number}/").content.decode()
    assert 'id="problem-link"' in page and 'id="open-problem-from-ticket"' not in page
    # The incident's page links another incident's problem by its number.
    agent.post(f"/console/tickets/{incidents[1].number}/problem/link/", {"problem": record.ticket.number})
    assert set(actions.linked_incidents(record)) == set(incidents[:2])
    assert 'id="open-problem-page"' in agent.get(f"/console/tickets/{record.ticket.number}/").content.decode()


def test_typed_numbers_open_a_problem_and_unknown_ones_are_named(desk, incidents):
    agent = client(desk.agent2)  # agent2 reads Chinese
    response = agent.post("/console/problems/new/", {"incidents": f"{incidents[0].number}, SD-999999"}, follow=True)
    assert "SD-999999" in response.content.decode() and not ProblemRecord.objects.exists()
    numbers = "，".join(t.number for t in incidents)  # a Chinese comma too
    response = agent.post("/console/problems/new/", {"incidents": numbers, "title": "VPN 会话超时"}, follow=True)
    body = response.content.decode()
    assert response.status_code == 200 and "问题" in body and "VPN 会话超时" in body
    assert ProblemRecord.objects.get().ticket.title == "VPN 会话超时"


def test_the_problem_page_writes_the_analysis_publishes_and_resolves(desk, incidents):
    record = open_problem(incidents, desk.agent1)
    number = record.ticket.number
    lead = client(desk.lead1)  # lead1 reads Chinese
    page = lead.get(f"/console/problems/{number}/").content.decode()
    assert all(t.number in page for t in incidents) and 'id="publish-known-error"' in page
    lead.post(f"/console/problems/{number}/analysis/", {"root_cause": "Timer", "workaround": "Reconnect",
                                                       "version": record.version})
    stale = lead.post(f"/console/problems/{number}/analysis/", {"root_cause": "Other", "workaround": "",
                                                               "version": record.version}, follow=True)
    assert "其他人修改了这个问题" in stale.content.decode()
    record.refresh_from_db()
    assert (record.root_cause, record.workaround) == ("Timer", "Reconnect")
    lead.post(f"/console/problems/{number}/known-error/", {"version": record.version})
    record.refresh_from_db()
    assert record.is_known_error and record.article.is_live
    page = lead.get(f"/console/problems/{number}/").content.decode()
    assert 'id="known-error-badge"' in page and 'id="known-error-article"' in page
    response = lead.post(f"/console/problems/{number}/resolve/", {
        "resolution": "Timer fixed", "resolve_incidents": "on", "version": record.version}, follow=True)
    assert "一并解决" in response.content.decode()
    assert all(t.status == Status.RESOLVED for t in actions.linked_incidents(record))


def test_an_agent_does_not_publish_and_unlinks_from_the_problems_page(desk, incidents):
    record = open_problem(incidents, desk.agent1)
    actions.update_analysis(record, actor=desk.agent1, channel=CONSOLE, workaround="Reconnect")
    agent = client(desk.agent2)  # agent2 reads Chinese
    page = agent.get(f"/console/problems/{record.ticket.number}/").content.decode()
    assert 'id="publish-known-error"' not in page and "已知错误" in page
    response = agent.post(f"/console/problems/{record.ticket.number}/known-error/", {}, follow=True)
    assert not ProblemRecord.objects.get().is_known_error and response.status_code == 200
    agent.post(f"/console/problems/{record.ticket.number}/incidents/{incidents[2].pk}/unlink/")
    assert set(actions.linked_incidents(record)) == set(incidents[:2])
    agent.post(f"/console/problems/{record.ticket.number}/incidents/", {"number": incidents[2].number})
    assert set(actions.linked_incidents(record)) == set(incidents)


def test_the_list_and_customers(desk, incidents):
    record = open_problem(incidents, desk.agent1)
    assert record.ticket.number in client(desk.agent1).get("/console/problems/").content.decode()
    assert client(desk.customer1).get(f"/console/problems/{record.ticket.number}/").status_code == 404
    assert client(desk.agent1).get(f"/console/problems/{incidents[0].number}/").status_code == 404  # no problem


def test_incidents_ticked_in_a_queue_open_one_problem(desk, incidents):
    agent = client(desk.agent1)
    queue = agent.get("/console/queues/unassigned/").content.decode()
    assert 'id="pick-tickets"' in queue
    assert all(f'name="incidents" value="{t.number}" form="pick-tickets"' in queue for t in incidents)
    response = agent.post("/console/problems/new/", {"incidents": [t.number for t in incidents],
                                                     "back": "/console/queues/unassigned/"})
    record = ProblemRecord.objects.get()
    assert response["Location"] == f"/console/problems/{record.ticket.number}/"
    assert set(actions.linked_incidents(record)) == set(incidents)
