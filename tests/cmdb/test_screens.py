"""The console's configuration item screens: the list, an item's page with its tickets grouped by type (open
and past), the impact page, the add and change forms, the ticket page's panel, and the import screen."""

from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from servicedesk.cmdb import actions
from servicedesk.cmdb.models import ConfigItem, TicketItem
from servicedesk.tickets import actions as ticket_actions
from servicedesk.tickets.models import TicketType

from .conftest import CONSOLE
from .test_import import CSV


def _client(user):
    client = Client()
    client.force_login(user)
    return client


def test_list_item_page_and_impact(desk, estate):
    agent = _client(desk.agent1)  # reads English
    assert "srv-db-01" in agent.get("/console/cmdb/?q=srv").content.decode()
    incident = ticket_actions.create_ticket(actor=desk.customer1, title="Payroll is down")
    problem = ticket_actions.create_ticket(actor=desk.agent1, requester=desk.customer1, title="Payroll keeps failing",
                                           type=TicketType.PROBLEM)
    for ticket in (incident, problem):
        actions.link_item(ticket, estate["server"], actor=desk.agent1, channel=CONSOLE)
    ticket_actions.transition(incident, "resolve", actor=desk.manager, comment="Restarted")
    page = agent.get(f"/console/cmdb/{estate['server'].pk}/").content.decode()
    # The resolved incident under "Past", then the open problem under its own type (read from the tickets' card:
    # the menu names "Problems" too).
    tickets = page[page.index('id="tickets-title"'):]
    assert tickets.index("Incident") < tickets.index("Past") < tickets.index(incident.number) < (
        tickets.index("Problem")) < tickets.index(problem.number)
    assert "Payroll app" in page  # its relations
    impact = agent.get(f"/console/cmdb/{estate['server'].pk}/impact/").content.decode()
    assert "Level 2" in impact and "Payroll" in impact and 'id="impact-graph"' in impact
    assert "customer1" in impact or desk.customer1.display_name in impact
    zh = _client(desk.lead1).get(f"/console/cmdb/{estate['server'].pk}/impact/").content.decode()
    assert "配置项" in zh
    assert _client(desk.customer1).get("/console/cmdb/").status_code == 404


def test_agents_read_and_managers_write(desk, types, estate):
    assert _client(desk.agent1).get("/console/cmdb/new/").status_code == 403
    lead = _client(desk.lead1)
    form = {"type": "server", "name": "srv-new", "status": "in_use", "attr_cpus": "2", "attr_os": "Linux",
            "user": "", "location": "Rack 4"}
    made = lead.post("/console/cmdb/new/?type=server", form)
    item = ConfigItem.objects.get(name="srv-new")
    assert made.status_code == 302 and item.attributes == {"cpus": 2, "os": "Linux"}
    refused = lead.post("/console/cmdb/new/?type=server", {**form, "name": "srv-bad", "attr_cpus": ""})
    assert refused.status_code == 400 and "处理器数" in refused.content.decode()
    changed = lead.post(f"/console/cmdb/{item.pk}/", {**form, "location": "Rack 5", "version": "1"})
    assert changed.status_code == 302
    assert ConfigItem.objects.get(pk=item.pk).location == "Rack 5"
    stale = lead.post(f"/console/cmdb/{item.pk}/", {**form, "location": "Rack 6", "version": "1"})
    assert stale.status_code == 400
    lead.post(f"/console/cmdb/{item.pk}/relations/", {"direction": "out", "kind": "runs_on", "other": "srv-db-01"})
    assert item.relations_out.get().target == estate["server"]
    assert _client(desk.agent1).post(f"/console/cmdb/{item.pk}/", {**form, "version": "2"}).status_code == 403


def test_the_ticket_panel_links_and_unlinks(desk, estate):
    ticket = ticket_actions.create_ticket(actor=desk.customer1, title="Laptop fan is loud")
    agent = _client(desk.agent1)
    page = agent.get(f"/console/tickets/{ticket.number}/").content.decode()
    assert "Configuration items" in page and "LT-0001" in page  # offered: the requester's device
    agent.post(f"/console/tickets/{ticket.number}/items/", {"name": "SN-0001"})
    assert TicketItem.objects.get().item == estate["laptop"]
    page = agent.get(f"/console/tickets/{ticket.number}/").content.decode()
    assert "linked the configuration item LT-0001" in page
    refused = agent.post(f"/console/tickets/{ticket.number}/items/", {"name": "no-such-thing"}, follow=True)
    assert "No configuration item is called no-such-thing" in refused.content.decode()
    agent.post(f"/console/tickets/{ticket.number}/items/{estate['laptop'].pk}/remove/")
    assert not TicketItem.objects.exists()


def test_the_import_screen_dry_runs_then_applies_the_same_file(desk, estate, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    manager = _client(desk.manager)
    upload = SimpleUploadedFile("estate.csv", CSV.encode(), content_type="text/csv")
    dry = manager.post("/console/cmdb/import/", {"file": upload}).content.decode()
    assert "srv-web-01" in dry and "nobody-here" in dry
    assert not ConfigItem.objects.filter(serial="SN-100").exists()
    manager.post("/console/cmdb/import/", {"apply": "1"})
    assert ConfigItem.objects.filter(serial="SN-100").exists()
    assert not list(tmp_path.rglob("*.csv"))
    assert manager.post("/console/cmdb/import/", {"apply": "1"}).status_code == 400
