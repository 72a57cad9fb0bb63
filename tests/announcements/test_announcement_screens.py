"""The console's announcement screens, the ticket page's "link to announcement", and the portal: the known
problem shown above the new-request form with "subscribe instead", and the notice on a linked request."""

from django.test import Client

from servicedesk.announcements import actions
from servicedesk.announcements.models import Announcement, Subscription, TicketAnnouncement
from servicedesk.tickets import actions as ticket_actions
from servicedesk.tickets.models import Category, Service, Ticket

from .conftest import CONSOLE


def _client(user):
    client = Client()
    client.force_login(user)
    return client


FORM = {"kind": "outage", "title": "VPN down", "title_zh": "VPN 中断", "body": "Working on it.", "body_zh": "",
        "starts_at": "2026-12-07T08:00", "ends_at": ""}


def test_a_manager_publishes_edits_and_ends_a_notice_in_the_console(desk):
    client = _client(desk.manager)
    organisation = desk.customer1.organisation
    response = client.post("/console/announcements/new/", {**FORM, "organisations": [organisation.pk]})
    made = Announcement.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/console/announcements/{made.pk}/"
    assert made.title_zh == "VPN 中断" and list(made.organisations.all()) == [organisation]
    page = client.get(f"/console/announcements/{made.pk}/").content.decode()
    assert "VPN 中断" in page and "通过邮件通知受影响的客户" in page  # the manager reads Chinese
    stale = client.post(f"/console/announcements/{made.pk}/", {**FORM, "title": "Mine", "version": "0"})
    assert stale.status_code == 400 and "其他人修改了这条公告" in stale.content.decode()
    client.post(f"/console/announcements/{made.pk}/", {**FORM, "title": "VPN slow", "kind": "degradation",
                                                       "version": "1"})
    assert Announcement.objects.get().title == "VPN slow"
    client.post(f"/console/announcements/{made.pk}/end/", {"version": "2"})
    assert Announcement.objects.get().resolved_early
    assert "VPN" in client.get("/console/announcements/").content.decode()


def test_the_form_refuses_an_end_before_the_start_in_the_users_language(desk):
    response = _client(desk.manager).post("/console/announcements/new/",
                                          {**FORM, "ends_at": "2026-12-07T07:00"})
    assert response.status_code == 400 and "结束时间必须晚于开始时间。" in response.content.decode()
    response = _client(desk.agent1).post("/console/announcements/new/", {**FORM, "ends_at": "2026-12-07T07:00"})
    assert response.status_code == 403
    assert not Announcement.objects.exists()


def test_an_agent_links_a_ticket_from_its_page_and_the_requester_sees_the_notice(desk, notice):
    made = notice("A", title="Mail down", body="Restoring the mail server.")
    ticket = ticket_actions.create_ticket(actor=desk.customer1, title="No mail")
    agent = _client(desk.agent1)
    page = agent.get(f"/console/tickets/{ticket.number}/").content.decode()
    assert "Link to announcement" in page and "Mail down" in page
    response = agent.post(f"/console/tickets/{ticket.number}/announcement/", {"announcement": made.pk})
    assert response.status_code == 302 and TicketAnnouncement.objects.filter(ticket=ticket).exists()
    request_page = _client(desk.customer2).get(f"/portal/requests/{ticket.number}/")
    if request_page.status_code == 200:  # customer2 sees the organisation's requests where it allows it
        assert "Mail down" in request_page.content.decode()
    page = _client(desk.customer1).get(f"/portal/requests/{ticket.number}/").content.decode()
    assert "Restoring the mail server." in page
    agent.post(f"/console/announcements/{made.pk}/tickets/{ticket.number}/remove/", {"next": "ticket"})
    assert not TicketAnnouncement.objects.exists()


def test_the_new_request_form_shows_the_known_problem_and_offers_to_subscribe(desk, notice):
    service = Service.objects.order_by("order").first()
    category = Category.objects.filter(service=service).first()
    other = Category.objects.exclude(service=service).first()
    made = notice("A", title="Mail down", services=[service])
    page = _client(desk.customer1).get(f"/portal/new/?category={category.pk}").content.decode()
    assert "Mail down" in page and "订阅此公告" in page and 'data-disruption' in page
    assert f'data-services="{service.pk}" hidden' not in page
    hidden = _client(desk.customer1).get(f"/portal/new/?category={other.pk}").content.decode()
    assert f'data-services="{service.pk}" hidden' in hidden  # another service chosen: not shown
    assert "Mail down" not in _client(desk.customer3).get("/portal/new/").content.decode()
    response = _client(desk.customer2).post(f"/portal/notices/{made.pk}/subscribe/")
    assert response.status_code == 302
    assert Subscription.objects.filter(user=desk.customer2, announcement=made).exists()
    assert not Ticket.objects.exists()
    assert _client(desk.customer3).post(f"/portal/notices/{made.pk}/subscribe/").status_code == 404


def test_the_console_list_and_banner_in_english(desk, notice):
    notice(None, title="Printing slow", kind="degradation")
    page = _client(desk.agent1).get("/console/announcements/").content.decode()
    assert "Printing slow" in page and "Degradation" in page and "New announcement" not in page
    actions.end_announcement(Announcement.objects.get(), actor=desk.manager, channel=CONSOLE)
    assert "Printing slow" in _client(desk.agent1).get("/console/announcements/").content.decode()


def test_editing_an_ended_notice_keeps_its_early_end_and_tickets_link_by_any_reference(desk, notice):
    from django.utils import timezone

    made = actions.end_announcement(notice("A"), actor=desk.manager, channel=CONSOLE)
    client = _client(desk.manager)
    form = client.get(f"/console/announcements/{made.pk}/").context["form"]
    posted = {k: v for k, v in form.initial.items() if k not in ("services", "organisations")}
    posted["starts_at"] = timezone.localtime(made.starts_at).strftime("%Y-%m-%dT%H:%M")
    posted["ends_at"] = timezone.localtime(made.ends_at).strftime("%Y-%m-%dT%H:%M")
    client.post(f"/console/announcements/{made.pk}/", {**posted, "title": "Mail was down", "version": made.version})
    saved = Announcement.objects.get()
    assert saved.title == "Mail was down" and saved.resolved_early and saved.ends_at == made.ends_at
    ticket = ticket_actions.create_ticket(actor=desk.customer1, title="No mail")
    client.post(f"/console/announcements/{made.pk}/tickets/", {"number": str(ticket.pk)})
    assert TicketAnnouncement.objects.filter(ticket=ticket).exists()
    response = client.post(f"/console/announcements/{made.pk}/tickets/", {"number": "SD-999999"}, follow=True)
    assert "没有这个工单。" in response.content.decode()
