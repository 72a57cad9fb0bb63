"""Linking tickets to configuration items: who may, the ticket's history, the audit trail, and an incident on
an item a major service depends on raised to high impact with the reason in the desk's language."""

import pytest

from servicedesk.cmdb import actions
from servicedesk.cmdb.impact import items_for_ticket, tickets_for_item
from servicedesk.cmdb.models import TicketItem
from servicedesk.core import audit
from servicedesk.core.errors import ActionError, NotAllowed, NotFound
from servicedesk.tickets import actions as ticket_actions
from servicedesk.tickets.models import Level, TicketType

from .conftest import CONSOLE


@pytest.fixture
def incident(desk):
    return ticket_actions.create_ticket(actor=desk.customer1, title="Laptop will not start", impact=Level.LOW)


def test_an_agent_links_and_unlinks_with_history_and_audit(desk, estate, incident):
    actions.link_item(incident, estate["laptop"], actor=desk.agent1, channel=CONSOLE)
    assert items_for_ticket(incident) == [estate["laptop"]]
    entry = incident.history.order_by("-id").first()
    assert (entry.event, entry.field, entry.new_value, entry.actor) == (
        "item_linked", "configuration_item", "LT-0001", desk.agent1)
    assert audit.trail(estate["laptop"]).first().action == "ticket_linked"
    with pytest.raises(ActionError, match="already"):
        actions.link_item(incident, estate["laptop"], actor=desk.agent1, channel=CONSOLE)
    actions.unlink_item(incident, estate["laptop"], actor=desk.agent1, channel=CONSOLE)
    assert not TicketItem.objects.exists()
    assert incident.history.order_by("-id").first().event == "item_unlinked"
    with pytest.raises(NotFound):
        actions.unlink_item(incident, estate["laptop"], actor=desk.agent1, channel=CONSOLE)


def test_a_customer_links_only_their_own_device_to_their_own_ticket(desk, estate, incident):
    with pytest.raises(NotFound):  # customers do not see the desk's servers
        actions.link_item(incident, estate["server"], actor=desk.customer1, channel="portal")
    actions.link_item(incident, estate["laptop"], actor=desk.customer1, channel="portal")
    assert incident.history.order_by("-id").first().actor == desk.customer1
    other = ticket_actions.create_ticket(actor=desk.customer2, title="Mine")
    with pytest.raises(NotFound):  # not their ticket: they cannot see it
        actions.link_item(other, estate["laptop"], actor=desk.customer1, channel="portal")
    staff_ticket = ticket_actions.create_ticket(actor=desk.agent1, requester=desk.customer2, title="For customer2")
    estate["laptop"].user = desk.customer2
    with pytest.raises(NotFound):
        actions.link_item(staff_ticket, estate["laptop"], actor=desk.customer1, channel="portal")


def test_a_customer_cannot_link_their_device_to_someone_elses_visible_ticket(desk, estate):
    organisation = desk.customer1.organisation
    organisation.customers_see_organisation_tickets = True
    organisation.save()
    colleague = ticket_actions.create_ticket(actor=desk.customer2, title="Colleague's")
    with pytest.raises(NotAllowed):
        actions.link_item(colleague, estate["laptop"], actor=desk.customer1, channel="portal")


def test_retired_items_are_not_linked(desk, estate, incident):
    actions.retire_item(estate["laptop"], actor=desk.manager, channel=CONSOLE)
    with pytest.raises(ActionError, match="retired"):
        actions.link_item(incident, estate["laptop"], actor=desk.agent1, channel=CONSOLE)


def test_tickets_for_item_are_those_the_viewer_may_see(desk, estate, incident):
    actions.link_item(incident, estate["laptop"], actor=desk.agent1, channel=CONSOLE)
    assert list(tickets_for_item(estate["laptop"], user=desk.customer1)) == [incident]
    assert list(tickets_for_item(estate["laptop"], user=desk.customer3)) == []


def test_an_incident_on_what_a_major_service_depends_on_gets_high_impact(desk, estate, incident):
    desk_record = incident.desk
    desk_record.language = "zh-hans"
    desk_record.save()
    actions.link_item(incident, estate["server"], actor=desk.agent1, channel=CONSOLE)
    incident.refresh_from_db()
    assert incident.impact == Level.HIGH
    note = incident.history.filter(field="impact").get().note
    assert "Payroll" in note and "srv-db-01" in note and "影响" in note


def test_no_raise_without_a_major_service_or_for_other_types(desk, estate, incident):
    actions.link_item(incident, estate["laptop"], actor=desk.agent1, channel=CONSOLE)
    incident.refresh_from_db()
    assert incident.impact == Level.LOW
    request = ticket_actions.create_ticket(actor=desk.agent1, requester=desk.customer1, title="New disk",
                                           type=TicketType.SERVICE_REQUEST, impact=Level.LOW)
    actions.link_item(request, estate["server"], actor=desk.agent1, channel=CONSOLE)
    request.refresh_from_db()
    assert request.impact == Level.LOW
