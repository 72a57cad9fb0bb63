"""The console's screens: declaring from the ticket page, the major incident's page with its pages, the
console's acknowledgement, linking from the ticket page and from the possible duplicates, the timeline's
downloads, and the contact table kept by managers."""

from django.test import Client

from servicedesk.major import actions
from servicedesk.major.models import AckVia, Contact, MajorIncident
from servicedesk.tickets import actions as ticket_actions
from servicedesk.tickets.models import LinkKind, TicketLink

from .conftest import declare


def client(user, language="en"):
    made = Client(HTTP_ACCEPT_LANGUAGE=language)
    made.force_login(user)
    return made


def test_declaring_from_the_ticket_page_shows_the_contacts_paged(desk, contacts, incident, smtp_sink):
    lead = client(desk.lead1)
    page = lead.get(f"/console/tickets/{incident.number}/").content.decode()
    assert 'id="declare-major"' in page
    assert 'id="declare-major"' not in client(desk.agent1).get(f"/console/tickets/{incident.number}/").content.decode()
    response = lead.post(f"/console/tickets/{incident.number}/major/", {
        "reason": "All printers down", "notice": "on", "version": incident.version})
    assert response.status_code == 302 and response["Location"] == f"/console/major/{incident.number}/"
    major = MajorIncident.objects.get(ticket=incident)
    assert major.announcement is not None
    shown = lead.get(response["Location"]).content.decode()
    paged = shown.split('id="pages"')[1].split('id="timeline"')[0]
    assert "Alex Chen" in paged and "Duty officer" in paged and "李娜" not in paged  # lead1 is the next order
    assert paged.count("/acknowledge/") == 2  # an Acknowledge button per page


def test_the_console_records_an_acknowledgement_and_shows_it(desk, contacts, incident):
    major = declare(incident, desk.manager)
    duty = major.pages.get(name="Duty officer")
    agent = client(desk.agent2, "zh-hans")
    response = agent.post(f"/console/major/{incident.number}/pages/{duty.pk}/acknowledge/")
    assert response.status_code == 302
    duty.refresh_from_db()
    assert duty.acknowledged_by == desk.agent2 and duty.acknowledged_via == AckVia.CONSOLE
    shown = agent.get(f"/console/major/{incident.number}/").content.decode()
    assert "已确认" in shown and "张芳" in shown


def test_an_incident_is_linked_from_its_page_and_from_the_possible_duplicates(desk, incident):
    declare(incident, desk.manager)
    other = ticket_actions.create_ticket(actor=desk.customer2, title="Nobody can print on floor 4")
    page = client(desk.manager).get(f"/console/tickets/{other.number}/").content.decode()
    assert 'id="link-major"' in page and incident.number in page
    major = MajorIncident.objects.get(ticket=incident)
    shown = client(desk.manager).get(f"/console/major/{incident.number}/").content.decode()
    assert other.number in shown.split('id="linked-incidents"')[1]  # a possible duplicate: same requester, words, week
    response = client(desk.manager).post(f"/console/tickets/{other.number}/major/link/", {"major": major.pk})
    assert response.status_code == 302
    assert TicketLink.objects.filter(source=other, target=incident, kind=LinkKind.CHILD_OF).exists()


def test_the_timeline_downloads_as_markdown_and_csv(desk, incident):
    Contact.objects.create(order=1, name="=1+2 duty", email="duty@example.net")
    major = declare(incident, desk.manager)
    actions.acknowledge(major.pages.first(), actor=desk.agent1, via=AckVia.CONSOLE, channel="console")
    ticket_actions.add_comment(incident, actor=desk.agent1, body="=cmd|' /C calc'!A0 on it", internal=True)
    manager = client(desk.admin)  # reads English
    markdown = manager.get(f"/console/major/{incident.number}/timeline.md")
    text = b"".join(markdown.streaming_content if markdown.streaming else [markdown.content]).decode()
    assert markdown["Content-Disposition"].startswith("attachment")
    assert text.startswith(f"# Major incident {incident.number}: Nobody can print")
    lines = [line for line in text.splitlines() if line.startswith("| 20")]
    assert "Declared a major incident" in lines[0] and "acknowledged" in lines[-2] and "Internal note" in lines[-1]
    csv = manager.get(f"/console/major/{incident.number}/timeline.csv")
    body = b"".join(csv.streaming_content if csv.streaming else [csv.content]).decode()
    assert body.splitlines()[0] == "time_utc,kind,who,what"
    assert ",'=1+2 duty acknowledged" in body  # what people typed is never a formula in a spreadsheet


def test_managers_keep_the_contact_table_in_the_console(desk):
    form = {"order": "1", "name": "Facilities hotline", "phone": "+86 10 5555 0110", "channel": "phone",
            "respond_within": "10", "is_active": "on"}
    assert client(desk.lead1).post("/console/major/contacts/new/", form).status_code == 400  # refused, kept
    assert not Contact.objects.exists()
    response = client(desk.manager).post("/console/major/contacts/new/", form)
    assert response.status_code == 302
    contact = Contact.objects.get()
    assert (contact.name, contact.channel, contact.respond_within) == ("Facilities hotline", "phone", 10)
    refused = client(desk.manager, "zh-hans").post("/console/major/contacts/new/", {**form, "phone": ""})
    assert refused.status_code == 400 and "电话" in refused.content.decode()
    listed = client(desk.agent1).get("/console/major/contacts/").content.decode()
    assert "Facilities hotline" in listed and "/console/major/contacts/new/" not in listed


def test_the_ticket_timeline_says_who_declared_it(desk, incident):
    declare(incident, desk.manager)
    page = client(desk.admin).get(f"/console/tickets/{incident.number}/").content.decode()
    assert "王明 declared this ticket a major incident" in page
    chinese = client(desk.lead1).get(f"/console/tickets/{incident.number}/").content.decode()
    assert "将本工单宣布为重大事件" in chinese


def test_managers_change_and_remove_a_line_of_the_table(desk):
    contact = Contact.objects.create(order=1, name="Hotline", phone="110", channel="phone")
    manager = client(desk.manager)
    changed = manager.post(f"/console/major/contacts/{contact.pk}/", {
        "order": "2", "name": "Hotline", "phone": "119", "channel": "phone", "respond_within": "5", "is_active": "on"})
    assert changed.status_code == 302
    contact.refresh_from_db()
    assert (contact.order, contact.phone) == (2, "119")
    assert manager.post(f"/console/major/contacts/{contact.pk}/delete/").status_code == 302
    assert not Contact.objects.exists()
