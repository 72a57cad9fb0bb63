"""A problem is opened from incidents (each linked to it as "caused by", history on both tickets), incidents are
linked and unlinked from either side, the analysis is versioned and audited, and resolving the problem resolves
its open incidents with each requester told — through the cascade a major incident uses."""

import pytest

from servicedesk.core.errors import ActionError, Conflict, NotAllowed, NotFound
from servicedesk.core.models import AuditEntry
from servicedesk.problems import actions
from servicedesk.problems.models import ProblemRecord
from servicedesk.tickets import actions as ticket_actions
from servicedesk.tickets.models import HistoryEntry, LinkKind, Status, TicketLink, TicketType

from .conftest import CONSOLE, open_problem, subject, to


def test_a_problem_is_opened_from_incidents_and_linked_to_each(desk, incidents):
    record = open_problem(incidents, desk.agent1)
    ticket = record.ticket
    assert ticket.type == TicketType.PROBLEM and ticket.title == "VPN drops every hour"
    assert ticket.description == "The VPN client disconnects every hour on the hour"
    assert ticket.requester == desk.agent1 and record.created_by == desk.agent1 and record.version == 1
    assert set(actions.linked_incidents(record)) == set(incidents)
    for incident in incidents:
        assert TicketLink.objects.filter(source=incident, target=ticket, kind=LinkKind.CAUSED_BY).exists()
        assert HistoryEntry.objects.filter(ticket=incident, event="linked", new_value=f"caused_by {ticket.number}")
        assert HistoryEntry.objects.filter(ticket=ticket, event="linked_from", new_value__endswith=incident.number)
    assert AuditEntry.objects.filter(object_id=str(record.pk), action="created").exists()


def test_only_desk_staff_open_problems_from_incidents_they_see(desk, incidents):
    with pytest.raises(NotAllowed):
        open_problem(incidents, desk.customer1)
    with pytest.raises(ActionError, match="Choose the incidents"):
        open_problem([], desk.agent1)
    request = ticket_actions.create_ticket(actor=desk.customer1, title="New laptop", type="service_request")
    with pytest.raises(ActionError, match="not an incident"):
        open_problem([incidents[0], request], desk.agent1)
    with pytest.raises(NotFound):
        open_problem([999999], desk.agent1)
    assert not ProblemRecord.objects.exists()


def test_incidents_are_linked_and_unlinked_from_either_side_once(desk, incidents):
    record = open_problem(incidents[:1], desk.agent1, title="VPN concentrator overload")
    assert record.ticket.title == "VPN concentrator overload"
    actions.link_incident(record, incidents[1], actor=desk.agent1, channel=CONSOLE)
    actions.link_incident(record.ticket, incidents[2], actor=desk.agent2, channel=CONSOLE)  # by its ticket
    with pytest.raises(ActionError, match="already"):
        actions.link_incident(record, incidents[2], actor=desk.agent1, channel=CONSOLE)
    other = open_problem([ticket_actions.create_ticket(actor=desk.customer2, title="Printer jam")], desk.agent1)
    with pytest.raises(ActionError, match=record.ticket.number):
        actions.link_incident(other, incidents[2], actor=desk.agent1, channel=CONSOLE)
    assert actions.problem_of(incidents[2]) == record
    actions.unlink_incident(record, incidents[2], actor=desk.agent1, channel=CONSOLE)
    assert set(actions.linked_incidents(record)) == set(incidents[:2])
    assert HistoryEntry.objects.filter(ticket=incidents[2], event="unlinked").exists()
    assert HistoryEntry.objects.filter(ticket=record.ticket, event="unlinked").exists()
    with pytest.raises(NotFound):
        actions.unlink_incident(record, incidents[2], actor=desk.agent1, channel=CONSOLE)
    with pytest.raises(NotFound):  # a customer does not learn of the problem
        actions.link_incident(record, incidents[2], actor=desk.customer1, channel=CONSOLE)


def test_the_analysis_is_versioned_audited_and_in_the_history(desk, incidents):
    record = open_problem(incidents, desk.agent1)
    record = actions.update_analysis(record, actor=desk.agent1, channel=CONSOLE, root_cause="Session timer 60 min",
                                     workaround="Reconnect; or use the web VPN", expected_version=1)
    assert record.version == 2 and record.root_cause == "Session timer 60 min"
    with pytest.raises(Conflict):
        actions.update_analysis(record, actor=desk.agent2, channel=CONSOLE, root_cause="Other", expected_version=1)
    assert ProblemRecord.objects.get(pk=record.pk).root_cause == "Session timer 60 min"
    entries = HistoryEntry.objects.filter(ticket=record.ticket, event=actions.ANALYSED)
    assert {(e.field, e.new_value) for e in entries} == {("root_cause", "Session timer 60 min"),
                                                         ("workaround", "Reconnect; or use the web VPN")}
    assert all(e.internal for e in entries)
    changed = AuditEntry.objects.filter(object_id=str(record.pk), field="root_cause").get()
    assert changed.new_value == "Session timer 60 min"
    same = actions.update_analysis(record, actor=desk.agent1, channel=CONSOLE, root_cause="Session timer 60 min")
    assert same.version == 2  # nothing changed, nothing written


def test_resolving_the_problem_resolves_its_open_incidents_and_tells_each_requester(desk, incidents, smtp_sink,
                                                                                   committed):
    record = open_problem(incidents, desk.lead1)
    done = incidents[1]
    ticket_actions.transition(done, "resolve", actor=desk.manager, comment="Restarted the client")
    ticket_actions.transition(done, "close", actor=desk.manager)
    committed(lambda: None)  # the acknowledgements and changes so far are told
    smtp_sink.clear()
    outcome = committed(actions.resolve_problem, record, actor=desk.lead1, channel=CONSOLE,
                        resolution="The VPN session timer is fixed")
    assert outcome.resolved == [record.ticket.number, incidents[0].number, incidents[2].number]
    assert outcome.left == []
    for ticket in [record.ticket, incidents[0], incidents[2]]:
        ticket.refresh_from_db()
        assert ticket.status == Status.RESOLVED
    done.refresh_from_db()
    assert done.status == Status.CLOSED  # a closed one stays closed
    messages = smtp_sink.wait_for(2)
    chinese = to(messages, "customer1@example.com")  # customer1 reads Chinese
    assert len(chinese) == 1 and subject(chinese[0]).startswith("已解决")
    english = to(messages, "customer2@example.com")[0]
    assert "The VPN session timer is fixed" in english.get_body(preferencelist=("plain",)).get_content()
    entry = HistoryEntry.objects.get(ticket=record.ticket, event=actions.RESOLVED)
    assert incidents[0].number in entry.note and incidents[2].number in entry.note
    with pytest.raises(ActionError, match="resolved already"):
        actions.resolve_problem(record, actor=desk.lead1, channel=CONSOLE, resolution="Again")


def test_resolving_may_leave_the_incidents_open(desk, incidents):
    record = open_problem(incidents, desk.agent1)
    with pytest.raises(ActionError, match="Describe the resolution"):
        actions.resolve_problem(record, actor=desk.agent1, channel=CONSOLE, resolution=" ")
    outcome = actions.resolve_problem(record, actor=desk.agent1, channel=CONSOLE, resolution="Fixed",
                                      resolve_incidents=False)
    assert outcome.resolved == [record.ticket.number]
    assert all(t.status == Status.NEW for t in actions.linked_incidents(record))


def test_an_incident_the_resolver_cannot_see_is_resolved_by_the_system(desk, incidents):
    hidden = incidents[2]
    record = open_problem(incidents, desk.manager)
    ticket_actions.assign(hidden, actor=desk.manager, group=desk.third_line)  # lead1 does not see the 3rd line's
    ticket_actions.assign(record.ticket, actor=desk.manager, group=desk.second_line)
    actions.resolve_problem(record, actor=desk.lead1, channel=CONSOLE, resolution="Fixed")
    entry = HistoryEntry.objects.get(ticket=hidden, field="status", new_value=Status.RESOLVED)
    assert entry.actor.is_system_identity
