"""Only incidents are declared, by leads, managers and administrators; related incidents are linked under the
major one; resolving it resolves each open linked incident with its requester told, and the service notice
published at the declaration ends; standing down ends the notice and leaves the tickets."""

import pytest

from servicedesk.announcements.models import Announcement, Kind, Phase
from servicedesk.core.errors import ActionError, NotAllowed, NotFound
from servicedesk.major import actions
from servicedesk.major.models import State
from servicedesk.tickets import actions as ticket_actions
from servicedesk.tickets.models import Category, HistoryEntry, LinkKind, Status, Ticket, TicketLink

from .conftest import CONSOLE, declare, subject, to


def test_only_leads_managers_and_administrators_declare_and_only_incidents(desk, incident):
    with pytest.raises(NotAllowed):
        declare(incident, desk.agent1)
    request = ticket_actions.create_ticket(actor=desk.customer1, title="New laptop", type="service_request")
    with pytest.raises(ActionError, match="Only incidents"):
        declare(request, desk.manager)
    with pytest.raises(ActionError, match="Say why"):
        declare(incident, desk.manager, reason="  ")
    major = declare(incident, desk.lead1)
    assert major.state == State.ACTIVE and major.declared_by == desk.lead1
    with pytest.raises(ActionError, match="is a major incident already"):
        declare(incident, desk.manager)
    entry = HistoryEntry.objects.get(ticket=incident, event="major_declared")
    assert entry.internal and entry.note == "Every printer of the building is down"


def test_a_stale_version_is_refused(desk, incident):
    from servicedesk.core.errors import Conflict

    with pytest.raises(Conflict):
        declare(incident, desk.manager, expected_version=incident.version - 1 or 99)
    major = declare(incident, desk.manager, expected_version=incident.version)
    with pytest.raises(Conflict):
        actions.stand_down(major, actor=desk.manager, reason="No", channel=CONSOLE, expected_version=major.version - 1)


def test_related_incidents_are_linked_under_it_by_its_group_and_leads(desk):
    incident = ticket_actions.create_ticket(actor=desk.agent1, title="Nobody can print")  # agent1 sees it
    major = declare(incident, desk.manager)
    ticket_actions.assign(incident, actor=desk.manager, group=desk.second_line)
    other = ticket_actions.create_ticket(actor=desk.customer1, title="Printer on floor 2 dead")
    with pytest.raises(NotAllowed):  # agent1 sees it, but is not of the major incident's group
        actions.link_incident(major, other, actor=desk.agent1, channel=CONSOLE)
    link = actions.link_incident(major, other, actor=desk.agent2, channel=CONSOLE)  # an agent of the 2nd line
    assert (link.source, link.target, link.kind) == (other, incident, LinkKind.CHILD_OF)
    assert list(actions.linked_incidents(major)) == [other]
    request = ticket_actions.create_ticket(actor=desk.customer1, title="Toner please", type="service_request")
    with pytest.raises(ActionError, match="Only incidents"):
        actions.link_incident(major, request, actor=desk.manager, channel=CONSOLE)
    with pytest.raises(NotFound):  # a ticket the actor may not see is not found
        actions.link_incident(major, 999999, actor=desk.manager, channel=CONSOLE)


def test_resolving_resolves_each_open_linked_incident_and_tells_its_requester(desk, incident, smtp_sink, committed):
    major = committed(declare, incident, desk.manager)
    children = [ticket_actions.create_ticket(actor=desk.customer1, title=f"Printer {n} dead") for n in (1, 2)]
    done = ticket_actions.create_ticket(actor=desk.customer2, title="Printer 3 dead")
    for child in [*children, done]:
        actions.link_incident(major, child, actor=desk.manager, channel=CONSOLE)
    ticket_actions.transition(done, "resolve", actor=desk.manager, comment="Replaced the cable")
    ticket_actions.transition(done, "close", actor=desk.manager)
    committed(lambda: None)  # the acknowledgements and changes so far are told
    smtp_sink.clear()
    outcome = committed(actions.resolve, major, actor=desk.lead1, resolution="The print server is back",
                        channel=CONSOLE)
    assert outcome.resolved == [incident.number, children[0].number, children[1].number]
    assert outcome.major.state == State.RESOLVED and outcome.major.end_note == "The print server is back"
    for ticket in [incident, *children]:
        ticket.refresh_from_db()
        assert ticket.status == Status.RESOLVED
    assert Ticket.objects.get(pk=done.pk).status == Status.CLOSED  # a closed one stays closed
    messages = smtp_sink.wait_for(3)
    chinese = to(messages, "customer1@example.com")  # customer1 reads Chinese
    assert len(chinese) == 2 and all(subject(m).startswith("已解决") for m in chinese)
    english = to(messages, "customer2@example.com")[0]
    assert "The print server is back" in english.get_body(preferencelist=("plain",)).get_content()
    with pytest.raises(ActionError, match="not active"):
        actions.resolve(major, actor=desk.lead1, resolution="Again", channel=CONSOLE)


def test_a_linked_incident_the_resolver_cannot_see_is_resolved_by_the_system(desk, incident):
    major = declare(incident, desk.manager)
    hidden = ticket_actions.create_ticket(actor=desk.customer1, title="Plotter dead")
    ticket_actions.assign(hidden, actor=desk.manager, group=desk.third_line)  # lead1 does not see the 3rd line's
    actions.link_incident(major, hidden, actor=desk.manager, channel=CONSOLE)
    actions.resolve(major, actor=desk.lead1, resolution="Server back", channel=CONSOLE)
    entry = HistoryEntry.objects.get(ticket=hidden, field="status", new_value=Status.RESOLVED)
    assert entry.actor.is_system_identity


def test_declaring_publishes_a_notice_for_the_service_and_resolving_ends_it(desk, incident):
    category = Category.objects.filter(parent__isnull=True).first()
    ticket_actions.update_ticket(incident, actor=desk.manager, changes={"category": category})
    major = declare(incident, desk.manager, publish_notice=True)
    notice = Announcement.objects.get(pk=major.announcement_id)
    assert notice.kind == Kind.OUTAGE and notice.title == "Nobody can print" and notice.phase() == Phase.CURRENT
    assert list(notice.services.all()) == [category.service]
    assert incident.number in notice.body and incident.number in notice.body_zh and notice.body != notice.body_zh
    actions.resolve(major, actor=desk.manager, resolution="Back", channel=CONSOLE)
    notice.refresh_from_db()
    assert notice.phase() == Phase.ENDED and notice.resolved_early


def test_standing_down_ends_the_notice_and_leaves_the_tickets(desk, incident):
    major = declare(incident, desk.manager, publish_notice=True)
    other = ticket_actions.create_ticket(actor=desk.customer1, title="Printer 9 dead")
    actions.link_incident(major, other, actor=desk.manager, channel=CONSOLE)
    with pytest.raises(NotAllowed):
        actions.stand_down(major, actor=desk.agent1, reason="Small", channel=CONSOLE)
    actions.stand_down(major, actor=desk.manager, reason="Only one floor", channel=CONSOLE)
    major.refresh_from_db()
    assert major.state == State.STOOD_DOWN and major.end_note == "Only one floor"
    assert Announcement.objects.get(pk=major.announcement_id).phase() == Phase.ENDED
    assert Ticket.objects.get(pk=other.pk).status == Status.NEW
    assert TicketLink.objects.filter(source=other, target=incident).exists()
    again = declare(incident, desk.lead1, reason="It spread after all")
    assert again.pk == major.pk and again.state == State.ACTIVE and again.declared_by == desk.lead1
