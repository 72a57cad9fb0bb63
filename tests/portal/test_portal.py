"""The customer portal, driven through Django's test client as the demo customers."""

import re
import zoneinfo

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client, override_settings
from django.urls import reverse
from django.utils import formats, timezone, translation

from servicedesk.tickets import actions
from servicedesk.tickets.models import Attachment, Category, Channel, Comment, Status, Ticket, TicketType


@pytest.fixture
def english(desk):
    """The demo customers read English here (customer1 and customer3 default to zh-Hans)."""
    for name in ("customer1", "customer2", "customer3"):
        user = desk.users[name]
        user.language = "en"
        user.save(update_fields=["language"])
    return desk


def client_for(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def new_ticket(user, title="Printer jams on floor 3", **kwargs) -> Ticket:
    return actions.create_ticket(actor=user, title=title, description=kwargs.pop("description", "It jams."),
                                 channel=Channel.PORTAL, **kwargs)


def resolved_ticket(desk, requester=None) -> Ticket:
    """A ticket taken to `resolved` the way the desk does it: routed, started and resolved by agent2."""
    ticket = new_ticket(requester or desk.customer1, title="VPN drops every hour")
    actions.transition(ticket, "acknowledge", actor=desk.agent1)
    actions.assign(ticket, actor=desk.agent1, group=desk.second_line)
    actions.transition(ticket, "start", actor=desk.agent2)
    actions.transition(ticket, "resolve", actor=desk.agent2, comment="Replaced the VPN profile.")
    ticket.refresh_from_db()
    assert ticket.status == Status.RESOLVED
    return ticket


def page_version(response) -> int:
    return int(re.search(rb'name="version" value="(\d+)"', response.content).group(1))


# ---------------------------------------------------------------------------------------------
# Home and the form


def test_home_offers_both_choices_the_catalogue_and_open_requests(english):
    desk = english
    ticket = new_ticket(desk.customer1)
    response = client_for(desk.customer1).get(reverse("portal:home"))
    assert response.status_code == 200
    text = response.content.decode()
    assert "Report a problem" in text and "Request something" in text
    assert "?type=incident" in text and "?type=service_request" in text
    assert "Workplace IT" in text and "Printer fault" in text
    assert ticket.number in text and "Received" in text


def test_home_shows_catalogue_in_chinese_under_zh_hans(desk):
    desk.customer1.language = "zh-hans"
    desk.customer1.save(update_fields=["language"])
    text = client_for(desk.customer1).get(reverse("portal:home")).content.decode()
    assert "办公IT" in text and "打印机故障" in text
    assert "Workplace IT" not in text


def test_anonymous_visitors_sign_in_first(desk):
    response = Client().get(reverse("portal:home"))
    assert response.status_code == 302 and "/login/" in response["Location"]


def test_staff_may_preview_the_portal(english):
    response = client_for(english.agent1).get(reverse("portal:home"))
    assert response.status_code == 200
    assert b"Back to the console" in response.content


def test_new_form_preselects_type_and_category(english):
    leaf = Category.objects.get(name="Printer fault")
    response = client_for(english.customer1).get(
        reverse("portal:new"), {"type": "service_request", "category": leaf.pk}
    )
    assert response.status_code == 200
    text = response.content.decode()
    assert re.search(r'value="service_request"[^>]*checked', text)
    assert re.search(rf'<option value="{leaf.pk}" selected', text)
    assert "<optgroup" in text
    assert 'type="file"' in text and "multiple" in text
    assert "How much does this stop your work?" in text


def test_create_a_request_with_attachments(english):
    desk = english
    client = client_for(desk.customer1)
    leaf = Category.objects.get(name="Cannot connect")
    response = client.post(reverse("portal:new"), {
        "type": "incident", "category": leaf.pk, "title": "VPN will not connect",
        "description": "Error 809 since this morning.", "urgency": "1",
        "attachments": [SimpleUploadedFile("error.png", b"\x89PNG fake", content_type="image/png"),
                        SimpleUploadedFile("log.txt", b"vpn log", content_type="text/plain")],
    }, follow=True)
    ticket = Ticket.objects.get(title="VPN will not connect")
    assert response.redirect_chain[-1][0] == reverse("portal:request", args=[ticket.number])
    assert ticket.requester == desk.customer1 and ticket.channel == Channel.PORTAL
    assert ticket.type == TicketType.INCIDENT and ticket.category == leaf and ticket.urgency == 1
    assert sorted(a.filename for a in ticket.attachments.all()) == ["error.png", "log.txt"]
    assert all(not a.internal for a in ticket.attachments.all())
    text = response.content.decode()
    assert f"Your request {ticket.number} has been received" in text
    assert "error.png" in text and "Error 809 since this morning." in text

    download = client.get(reverse("portal:download", args=[ticket.attachments.get(filename="log.txt").pk]))
    assert download.status_code == 200
    assert b"".join(download.streaming_content) == b"vpn log"
    assert "attachment" in download["Content-Disposition"]


def test_a_request_needs_a_summary_and_keeps_what_was_typed(english):
    response = client_for(english.customer1).post(reverse("portal:new"), {
        "type": "service_request", "title": "", "description": "Please give me access.", "urgency": "3",
    })
    assert response.status_code == 200
    assert b"This field is required." in response.content
    assert b"Please give me access." in response.content
    assert not Ticket.objects.exists()


@override_settings(SERVICEDESK_ATTACHMENT_MAX_BYTES=10)
def test_oversize_attachment_is_refused_and_keeps_the_text(english):
    response = client_for(english.customer1).post(reverse("portal:new"), {
        "type": "incident", "title": "Laptop will not boot", "description": "Black screen after the update.",
        "urgency": "2", "attachments": [SimpleUploadedFile("dump.bin", b"x" * 50)],
    })
    assert response.status_code == 200
    text = response.content.decode()
    assert "dump.bin is too large" in text
    assert 'value="Laptop will not boot"' in text
    assert "Black screen after the update." in text
    assert not Ticket.objects.exists() and not Attachment.objects.exists()


# ---------------------------------------------------------------------------------------------
# Lists and who sees what


def test_list_shows_own_requests_and_not_others(english):
    desk = english
    mine = new_ticket(desk.customer1, title="My printer")
    theirs = new_ticket(desk.customer3, title="Their printer")
    colleague = new_ticket(desk.customer2, title="Colleague's printer")
    text = client_for(desk.customer1).get(reverse("portal:requests")).content.decode()
    assert mine.number in text and "My printer" in text
    assert theirs.number not in text and colleague.number not in text
    assert "My organisation" not in text  # organisation A does not share by default


def test_another_customers_request_and_files_are_not_found(english):
    desk = english
    ticket = new_ticket(desk.customer1)
    attachment = actions.add_attachment(ticket, actor=desk.customer1,
                                        upload=SimpleUploadedFile("secret.txt", b"secret"))
    stranger = client_for(desk.customer3)
    assert stranger.get(reverse("portal:request", args=[ticket.number])).status_code == 404
    assert stranger.get(reverse("portal:download", args=[attachment.pk])).status_code == 404
    reply = stranger.post(reverse("portal:request", args=[ticket.number]),
                          {"action": "reply", "body": "hi", "version": ticket.version})
    assert reply.status_code == 404
    assert not Comment.objects.filter(author=desk.customer3).exists()
    # Same organisation, but the organisation does not share its tickets.
    assert client_for(desk.customer2).get(reverse("portal:request", args=[ticket.number])).status_code == 404


def test_organisation_wide_view_when_the_organisation_allows_it(english):
    desk = english
    organisation = desk.customer1.organisation
    organisation.customers_see_organisation_tickets = True
    organisation.save()
    mine = new_ticket(desk.customer1, title="Mine")
    colleague = new_ticket(desk.customer2, title="Colleague's")
    other_org = new_ticket(desk.customer3, title="Other organisation's")
    client = client_for(desk.customer1)

    text = client.get(reverse("portal:requests")).content.decode()
    assert "My organisation" in text
    assert mine.number in text and colleague.number not in text

    text = client.get(reverse("portal:requests"), {"scope": "organisation"}).content.decode()
    assert mine.number in text and colleague.number in text and other_org.number not in text
    assert "Grace Hopper" in text  # whose request it is

    page = client.get(reverse("portal:request", args=[colleague.number]))
    assert page.status_code == 200 and b"Requested by" in page.content
    assert client.get(reverse("portal:request", args=[other_org.number])).status_code == 404


def test_organisation_scope_is_ignored_when_not_allowed(english):
    desk = english
    colleague = new_ticket(desk.customer2, title="Colleague's")
    response = client_for(desk.customer1).get(reverse("portal:requests"), {"scope": "organisation"})
    assert colleague.number not in response.content.decode()


def test_open_and_closed_filters_and_plain_status(english):
    desk = english
    fresh = new_ticket(desk.customer1, title="Fresh one")
    waiting = new_ticket(desk.customer1, title="Waiting one")
    actions.transition(waiting, "acknowledge", actor=desk.agent1)
    actions.transition(waiting, "pend", actor=desk.agent1, pending_reason="customer")
    solved = resolved_ticket(desk)
    done = resolved_ticket(desk)
    actions.transition(done, "confirm", actor=desk.customer1)
    client = client_for(desk.customer1)

    text = client.get(reverse("portal:requests")).content.decode()
    for t in (fresh, waiting, solved):
        assert t.number in text
    assert done.number not in text
    assert "Received" in text and "Waiting for your reply" in text and "Solved – please confirm" in text

    text = client.get(reverse("portal:requests"), {"state": "closed"}).content.decode()
    assert done.number in text and fresh.number not in text and "Closed" in text

    text = client.get(reverse("portal:requests"), {"state": "all"}).content.decode()
    assert all(t.number in text for t in (fresh, waiting, solved, done))


def test_keyset_pages_and_htmx_show_more(english):
    desk = english
    tickets = [new_ticket(desk.customer1, title=f"Request {i:02d}") for i in range(23)]
    client = client_for(desk.customer1)
    first = client.get(reverse("portal:requests"))
    text = first.content.decode()
    assert text.count('class="req"') == 20
    assert tickets[-1].number in text and tickets[0].number not in text
    next_url = re.search(r'hx-get="([^"]+)"', text).group(1).replace("&amp;", "&")
    assert "cursor=" in next_url

    more = client.get(next_url, HTTP_HX_REQUEST="true")
    part = more.content.decode()
    assert "<html" not in part and part.count('class="req"') == 3
    assert tickets[0].number in part and 'id="more"' not in part

    full = client.get(next_url)  # the same link without JavaScript: a whole page
    assert b"<html" in full.content and tickets[0].number.encode() in full.content


def test_bad_cursor_shows_the_first_page_as_a_400(english):
    ticket = actions.create_ticket(actor=english.customer1, title="Printer jam")
    response = client_for(english.customer1).get(reverse("portal:requests"), {"cursor": "not-a-cursor"})
    assert response.status_code == 400
    assert ticket.number in response.content.decode()
    assert "That page link is no longer valid" in response.content.decode()


@pytest.mark.parametrize("scope", ["mine", "organisation"])
def test_list_query_count_does_not_grow_with_the_tickets(english, django_assert_max_num_queries, scope):
    desk = english
    organisation = desk.customer1.organisation
    organisation.customers_see_organisation_tickets = True
    organisation.save()
    client = client_for(desk.customer1)
    category = Category.objects.filter(parent__isnull=False).first()
    for i in range(5):
        new_ticket(desk.customer1 if i % 2 else desk.customer2, title=f"Early {i}", category=category)
    client.get(reverse("portal:requests"))  # warm the session

    with django_assert_max_num_queries(5):
        small = client.get(reverse("portal:requests"), {"scope": scope})
    assert small.status_code == 200

    for i in range(55):
        new_ticket(desk.customer1 if i % 2 else desk.customer2, title=f"Later {i}", category=category)
    with django_assert_max_num_queries(5):
        large = client.get(reverse("portal:requests"), {"scope": scope})
    assert large.status_code == 200
    assert large.content.decode().count('class="req"') == 20


# ---------------------------------------------------------------------------------------------
# One request: conversation, reply, confirm, still a problem, conflicts


def test_request_page_shows_public_conversation_only(english):
    desk = english
    ticket = new_ticket(desk.customer1, description="The printer jams on every page.")
    actions.transition(ticket, "acknowledge", actor=desk.agent1, comment="We are on it.")
    actions.add_comment(ticket, actor=desk.agent1, body="Internal: toner supplier is slow.", internal=True)
    internal_file = actions.add_attachment(ticket, actor=desk.agent1, internal=True,
                                           upload=SimpleUploadedFile("internal.txt", b"internal"))
    client = client_for(desk.customer1)
    text = client.get(reverse("portal:request", args=[ticket.number])).content.decode()
    assert ticket.number in text and ticket.title in text and "Accepted" in text
    assert "The printer jams on every page." in text and "We are on it." in text
    assert "toner supplier" not in text and "internal.txt" not in text
    assert client.get(reverse("portal:download", args=[internal_file.pk])).status_code == 404


def test_reply_with_attachment_resumes_a_request_pending_on_the_customer(english):
    desk = english
    ticket = new_ticket(desk.customer1)
    actions.transition(ticket, "acknowledge", actor=desk.agent1)
    actions.transition(ticket, "pend", actor=desk.agent1, pending_reason="customer",
                       comment="Which printer exactly?")
    client = client_for(desk.customer1)
    page = client.get(reverse("portal:request", args=[ticket.number]))
    assert b"Waiting for your reply" in page.content
    response = client.post(reverse("portal:request", args=[ticket.number]), {
        "action": "reply", "body": "The HP on floor 3.", "version": page_version(page),
        "attachments": [SimpleUploadedFile("photo.jpg", b"jpeg", content_type="image/jpeg")],
    }, follow=True)
    assert b"Your reply was added." in response.content
    comment = Comment.objects.get(ticket=ticket, author=desk.customer1)
    assert comment.body == "The HP on floor 3." and not comment.internal and comment.channel == Channel.PORTAL
    assert [a.filename for a in comment.attachments.all()] == ["photo.jpg"]
    ticket.refresh_from_db()
    assert ticket.status == Status.IN_PROGRESS
    assert b"photo.jpg" in response.content


def test_empty_reply_is_refused(english):
    desk = english
    ticket = new_ticket(desk.customer1)
    response = client_for(desk.customer1).post(reverse("portal:request", args=[ticket.number]),
                                               {"action": "reply", "body": "  ", "version": ticket.version})
    assert response.status_code == 400
    assert b"Write something or attach a file." in response.content
    assert not Comment.objects.exists()


def test_confirm_a_resolved_request(english):
    desk = english
    ticket = resolved_ticket(desk)
    client = client_for(desk.customer1)
    page = client.get(reverse("portal:request", args=[ticket.number]))
    text = page.content.decode()
    assert "Solved – please confirm" in text and "Replaced the VPN profile." in text
    assert "Confirm" in text and "Still a problem" in text
    response = client.post(reverse("portal:request", args=[ticket.number]),
                           {"action": "confirm", "version": page_version(page)}, follow=True)
    assert b"is now closed" in response.content
    ticket.refresh_from_db()
    assert ticket.status == Status.CLOSED and ticket.closed_at is not None
    assert b"Send reply" not in response.content  # a closed request takes no replies


def test_still_a_problem_reopens_with_a_comment(english):
    desk = english
    ticket = resolved_ticket(desk)
    client = client_for(desk.customer1)
    page = client.get(reverse("portal:request", args=[ticket.number]))
    response = client.post(reverse("portal:request", args=[ticket.number]), {
        "action": "reopen", "comment": "It dropped again at 10:00.", "version": page_version(page),
    }, follow=True)
    assert b"We have reopened" in response.content
    ticket.refresh_from_db()
    assert ticket.status == Status.ASSIGNED and ticket.resolved_at is None
    comment = Comment.objects.get(ticket=ticket, author=desk.customer1)
    assert comment.body == "It dropped again at 10:00." and not comment.internal


def test_still_a_problem_without_a_comment(english):
    desk = english
    ticket = resolved_ticket(desk)
    response = client_for(desk.customer1).post(reverse("portal:request", args=[ticket.number]),
                                               {"action": "reopen", "comment": "", "version": ticket.version})
    assert response.status_code == 302
    ticket.refresh_from_db()
    assert ticket.status == Status.ASSIGNED
    assert not Comment.objects.filter(author=desk.customer1).exists()


def test_customers_see_no_confirm_buttons_before_resolution(english):
    desk = english
    ticket = new_ticket(desk.customer1)
    text = client_for(desk.customer1).get(reverse("portal:request", args=[ticket.number])).content.decode()
    assert 'value="confirm"' not in text and 'value="reopen"' not in text
    response = client_for(desk.customer1).post(reverse("portal:request", args=[ticket.number]),
                                               {"action": "confirm", "version": ticket.version})
    assert response.status_code == 400
    ticket.refresh_from_db()
    assert ticket.status == Status.NEW


def test_stale_reply_shows_the_conflict_and_keeps_the_text(english):
    desk = english
    ticket = new_ticket(desk.customer1)
    client = client_for(desk.customer1)
    page = client.get(reverse("portal:request", args=[ticket.number]))
    stale = page_version(page)
    actions.add_comment(ticket, actor=desk.agent1, body="Could you restart the printer?")

    response = client.post(reverse("portal:request", args=[ticket.number]),
                           {"action": "reply", "body": "Here is what I typed meanwhile.", "version": stale})
    assert response.status_code == 409
    text = response.content.decode()
    assert "Someone else changed this ticket since you loaded it" in text
    assert "Here is what I typed meanwhile." in text
    assert "Could you restart the printer?" in text  # the page shows the change now
    assert not Comment.objects.filter(author=desk.customer1).exists()

    # The re-rendered page carries the current version, so sending again works.
    again = client.post(reverse("portal:request", args=[ticket.number]),
                        {"action": "reply", "body": "Here is what I typed meanwhile.",
                         "version": page_version(response)})
    assert again.status_code == 302
    assert Comment.objects.filter(author=desk.customer1).count() == 1


def test_stale_confirm_and_reopen_are_refused(english):
    desk = english
    ticket = resolved_ticket(desk)
    client = client_for(desk.customer1)
    stale = page_version(client.get(reverse("portal:request", args=[ticket.number])))
    actions.add_comment(ticket, actor=desk.agent2, body="One more note for you.")

    url = reverse("portal:request", args=[ticket.number])
    response = client.post(url, {"action": "confirm", "version": stale})
    assert response.status_code == 409 and b"Someone else changed this ticket" in response.content
    response = client.post(reverse("portal:request", args=[ticket.number]),
                           {"action": "reopen", "comment": "Still broken here.", "version": stale})
    assert response.status_code == 409 and b"Still broken here." in response.content
    ticket.refresh_from_db()
    assert ticket.status == Status.RESOLVED


@override_settings(SERVICEDESK_ATTACHMENT_MAX_BYTES=10)
def test_oversize_reply_attachment_keeps_the_text(english):
    desk = english
    ticket = new_ticket(desk.customer1)
    response = client_for(desk.customer1).post(reverse("portal:request", args=[ticket.number]), {
        "action": "reply", "body": "See the attached dump.", "version": ticket.version,
        "attachments": [SimpleUploadedFile("dump.bin", b"x" * 50)],
    })
    assert response.status_code == 400
    text = response.content.decode()
    assert "dump.bin is too large" in text and "See the attached dump." in text
    assert not Comment.objects.exists() and not Attachment.objects.exists()


def test_closed_request_offers_reopen_within_the_window(english):
    desk = english
    ticket = resolved_ticket(desk)
    actions.transition(ticket, "close", actor=desk.agent2)
    client = client_for(desk.customer1)
    text = client.get(reverse("portal:request", args=[ticket.number])).content.decode()
    assert "Still a problem?" in text and "Send reply" not in text
    ticket.refresh_from_db()
    response = client.post(reverse("portal:request", args=[ticket.number]),
                           {"action": "reopen", "comment": "", "version": ticket.version})
    assert response.status_code == 302
    ticket.refresh_from_db()
    assert ticket.status == Status.ASSIGNED


def test_unknown_action_is_not_found(english):
    ticket = new_ticket(english.customer1)
    response = client_for(english.customer1).post(reverse("portal:request", args=[ticket.number]),
                                                  {"action": "resolve", "version": ticket.version})
    assert response.status_code == 404


def test_times_are_shown_in_the_users_time_zone(english):
    desk = english
    ticket = new_ticket(desk.customer1)
    assert desk.customer1.time_zone == "Asia/Shanghai"
    text = client_for(desk.customer1).get(reverse("portal:request", args=[ticket.number])).content.decode()
    with translation.override("en"):
        shanghai = timezone.localtime(ticket.created_at, zoneinfo.ZoneInfo("Asia/Shanghai"))
        expected = formats.date_format(shanghai, "DATETIME_FORMAT")
    assert expected in text
