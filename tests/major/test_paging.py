"""Declaring pages the contact table's first contacts by e-mail, each in their language with a link that
records the acknowledgement without a sign-in; a contact who does not acknowledge in time escalates to the
next in order."""

import datetime

from django.test import Client
from django.utils import timezone

from servicedesk.core.models import AuditEntry
from servicedesk.major import actions
from servicedesk.major.models import AckVia, Contact, ContactChannel, Page
from servicedesk.notify.models import Event, OutboundMessage

from .conftest import CONSOLE, ack_link, declare, subject, to


def test_declaring_pages_the_first_contacts_by_mail_in_their_language(desk, contacts, incident, smtp_sink,
                                                                        committed):
    major = committed(declare, incident, desk.manager)
    pages = list(major.pages.order_by("id"))
    assert [(p.name, p.channel, p.order) for p in pages] == [
        (desk.agent1.display_name, "email", 1), ("Duty officer", "email", 1)]  # lead1 is next, not yet
    assert all(p.due_at == p.sent_at + datetime.timedelta(minutes=15) for p in pages)
    rows = OutboundMessage.objects.filter(event=Event.MAJOR_INCIDENT).order_by("id")
    # An outsider is written to in the desk's language (the demo desk's: Chinese).
    assert [(r.address, r.language) for r in rows] == [("agent1@example.com", "en"), ("duty@example.net", "zh-hans")]
    messages = smtp_sink.wait_for(2)
    mail = to(messages, "agent1@example.com")[0]
    assert subject(mail).startswith(f"MAJOR INCIDENT [{incident.number}] Nobody can print")
    body = mail.get_body(preferencelist=("plain",)).get_content()
    assert "Every printer of the building is down" in body and "within 15 minutes" in body
    assert "/console/tickets/" in body  # staff get the ticket's link too
    outsider = to(messages, "duty@example.net")[0].get_body(preferencelist=("plain",)).get_content()
    assert "/console/tickets/" not in outsider and "/major/ack/" in outsider
    assert AuditEntry.objects.filter(action="declared", object_id=str(major.pk)).exists()


def test_the_link_in_the_mail_records_the_acknowledgement_without_sign_in(desk, contacts, incident, smtp_sink,
                                                                           committed):
    committed(declare, incident, desk.manager)
    link = ack_link(to(smtp_sink.wait_for(2), "agent1@example.com")[0])
    anonymous = Client()
    shown = anonymous.get(link)
    assert shown.status_code == 200 and 'id="acknowledge"' in shown.content.decode()
    page = Page.objects.get(user=desk.agent1)
    assert page.acknowledged_at is None  # looking is not acknowledging (mail scanners follow links)
    done = anonymous.post(link)
    assert done.status_code == 200 and 'id="ack-done"' in done.content.decode()
    page.refresh_from_db()
    assert page.acknowledged_at is not None and page.acknowledged_by == desk.agent1
    assert page.acknowledged_via == AckVia.LINK
    first = page.acknowledged_at
    anonymous.post(link)  # again: nothing changes
    page.refresh_from_db()
    assert page.acknowledged_at == first


def test_a_link_not_signed_by_the_desk_is_not_found(desk, contacts, incident, smtp_sink, committed):
    committed(declare, incident, desk.manager)
    page = Page.objects.get(user=desk.agent1)
    other = Page.objects.get(name="Duty officer")
    forged = actions.ack_token(page).replace(f"{page.pk}:", f"{other.pk}:", 1)
    assert Client().post(f"/major/ack/{forged}/").status_code == 404
    assert Client().get("/major/ack/nonsense/").status_code == 404
    other.refresh_from_db()
    assert other.acknowledged_at is None


def test_no_acknowledgement_in_time_escalates_to_the_next_contacts(desk, contacts, incident, smtp_sink, committed):
    major = committed(declare, incident, desk.manager)
    smtp_sink.wait_for(2)
    smtp_sink.clear()
    assert committed(actions.escalate_overdue, timezone.now() + datetime.timedelta(minutes=10)) == 0
    later = timezone.now() + datetime.timedelta(minutes=16)
    assert committed(actions.escalate_overdue, later) == 2
    assert set(major.pages.filter(escalated=True).values_list("name", flat=True)) == {
        desk.agent1.display_name, "Duty officer"}
    lead_page = major.pages.get(user=desk.lead1)
    assert lead_page.order == 2 and lead_page.due_at == later + datetime.timedelta(minutes=30)
    mail = smtp_sink.wait_for(1)[0]
    assert "lead1@example.com" in str(mail["To"])
    assert subject(mail).startswith(f"已升级：重大事件 [{incident.number}]")  # lead1 reads Chinese
    assert committed(actions.escalate_overdue, later) == 0  # escalated once
    note = AuditEntry.objects.filter(action="escalated", object_id=str(major.pk)).get().note
    assert "Duty officer" in note and desk.lead1.display_name in note


def test_an_acknowledgement_stops_the_escalation_to_the_next_contacts(desk, contacts, incident, smtp_sink, committed):
    major = committed(declare, incident, desk.manager)
    page = major.pages.get(name="Duty officer")
    committed(actions.acknowledge, page, actor=desk.agent2, via=AckVia.CONSOLE, channel=CONSOLE)
    page.refresh_from_db()
    assert page.acknowledged_by == desk.agent2 and page.acknowledged_via == AckVia.CONSOLE
    committed(actions.escalate_overdue, timezone.now() + datetime.timedelta(minutes=16))
    assert major.pages.get(user=desk.agent1).escalated
    assert not major.pages.filter(user=desk.lead1).exists()


def test_the_contacts_of_the_tickets_category_come_before_the_default_list(desk, contacts, incident):
    from servicedesk.tickets.models import Category

    category = Category.objects.filter(parent__isnull=False).first()
    Contact.objects.create(order=3, service=category.service, user=desk.agent2, channel=ContactChannel.EMAIL)
    specific = Contact.objects.create(order=1, category=category.parent, user=desk.admin,
                                      channel=ContactChannel.PHONE, phone="+86 21 5555 0199")
    incident.category = category
    assert actions.contacts_for(incident) == [specific]  # the parent's line, not the service's nor the default
    incident.category = None
    assert actions.contacts_for(incident) == contacts


def test_a_phone_contact_is_a_call_to_make_not_a_mail(desk, incident, smtp_sink, committed):
    Contact.objects.create(order=1, user=desk.agent1, channel=ContactChannel.PHONE, phone="+86 10 5555 0101")
    major = committed(declare, incident, desk.manager)
    [page] = major.pages.all()
    assert (page.channel, page.phone, page.address) == ("phone", "+86 10 5555 0101", "agent1@example.com")
    assert not OutboundMessage.objects.filter(event=Event.MAJOR_INCIDENT).exists()
    shown = actions.acknowledge(page, actor=desk.agent2, via=AckVia.CONSOLE, channel=CONSOLE)  # they answered
    assert shown.acknowledged_by == desk.agent2
