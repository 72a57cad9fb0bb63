"""The console's ticket page: timeline, forms, conflicts, visibility and query count."""

import re
import zoneinfo

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from servicedesk.tickets import actions
from servicedesk.tickets.models import Attachment, Comment, Status, TicketLink, TimeEntry

from .ticketing import fresh, make_ticket


def url(ticket, name="ticket", *args):
    return reverse(f"console:{name}", args=[ticket.number, *args])


@pytest.fixture
def agent1(client, desk):
    client.force_login(desk.agent1)
    return client


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


def test_page_shows_header_and_timeline(agent1, desk):
    ticket = make_ticket(desk, Status.IN_PROGRESS, title="Printer on floor 3 jams")
    actions.add_comment(ticket, actor=desk.agent2, body="Checked the tray rollers", internal=True)
    actions.add_comment(ticket, actor=desk.agent2, body="We are on it", internal=False)
    response = agent1.get(url(ticket))
    assert response.status_code == 200
    html = response.content.decode()
    assert ticket.number in html and "Printer on floor 3 jams" in html
    assert 'class="badge status-in_progress"' in html
    assert "badge prio-3" in html
    assert "Alex Chen changed status from New to Acknowledged" in html
    assert "Alex Chen set group to Network and Infrastructure (2nd line)" in html
    assert re.search(
        r'<li class="entry internal"[^>]*>.*?Internal note.*?Checked the tray rollers', html, re.S
    )
    assert re.search(r'<li class="entry public"[^>]*>.*?We are on it', html, re.S)
    # Oldest first: the acknowledgement comes before the note, the note before the reply.
    assert html.index("changed status from New to Acknowledged") < html.index("Checked the tray rollers")
    assert html.index("Checked the tray rollers") < html.index("We are on it")
    assert 'data-shortcut="reply"' in html
    # Times in the user's zone (the demo people are in Asia/Shanghai).
    ticket.refresh_from_db()
    shanghai = ticket.created_at.astimezone(zoneinfo.ZoneInfo("Asia/Shanghai")).strftime("%Y-%m-%d %H:%M")
    assert shanghai in html


def test_reply_with_attachments_and_download(agent1, desk):
    ticket = make_ticket(desk, Status.IN_PROGRESS)
    files = [
        SimpleUploadedFile("log.txt", b"error 42", content_type="text/plain"),
        SimpleUploadedFile("shot.png", b"\x89PNG fake", content_type="image/png"),
    ]
    response = agent1.post(
        url(ticket, "ticket_reply"),
        {"version": ticket.version, "body": "Please try again now", "internal": "0", "attachments": files},
    )
    assert response.status_code == 302
    comment = Comment.objects.get(ticket=ticket, body="Please try again now")
    assert not comment.internal
    assert sorted(a.filename for a in comment.attachments.all()) == ["log.txt", "shot.png"]
    page = agent1.get(url(ticket)).content.decode()
    attachment = Attachment.objects.get(filename="log.txt")
    download = url(ticket, "ticket_attachment", attachment.pk)
    assert download in page
    response = agent1.get(download)
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == b"error 42"
    assert "attachment" in response["Content-Disposition"]


def test_internal_note(agent1, desk):
    ticket = make_ticket(desk, Status.ASSIGNED)
    response = agent1.post(
        url(ticket, "ticket_reply"),
        {"version": ticket.version, "body": "Customer is VIP", "internal": "1"},
        follow=True,
    )
    assert Comment.objects.get(body="Customer is VIP").internal
    assert "Internal note added." in response.content.decode()


@pytest.mark.parametrize(
    ("start", "action", "expected"),
    [
        (Status.NEW, "acknowledge", Status.ACKNOWLEDGED),
        (Status.ACKNOWLEDGED, "start", Status.IN_PROGRESS),
        (Status.ASSIGNED, "start", Status.IN_PROGRESS),
        (Status.IN_PROGRESS, "pend", Status.PENDING),
        (Status.PENDING, "resume", Status.IN_PROGRESS),
        (Status.IN_PROGRESS, "resolve", Status.RESOLVED),
        (Status.RESOLVED, "close", Status.CLOSED),
        (Status.RESOLVED, "reopen", Status.ASSIGNED),
        (Status.ACKNOWLEDGED, "assign", Status.ASSIGNED),
    ],
)
def test_each_transition_button(client, desk, start, action, expected):
    ticket = make_ticket(desk, start)
    client.force_login(desk.agent2)
    page = client.get(url(ticket)).content.decode()
    target = url(ticket, "ticket_transition", action)
    if action == "assign":
        assert 'href="#assign"' in page
    else:
        assert f'action="{target}"' in page
    data = {
        "version": ticket.version,
        "comment": "Fixed the driver",
        "pending_reason": "supplier",
        "group": desk.third_line.pk,
    }
    response = client.post(target, data)
    assert response.status_code == 302, response.content.decode()[:2000]
    ticket = fresh(ticket)
    assert ticket.status == expected
    if action == "pend":
        assert ticket.pending_reason == "supplier"
    if action == "resolve":
        assert Comment.objects.filter(ticket=ticket, body="Fixed the driver", internal=False).exists()


def test_resolve_needs_a_resolution(agent1, desk):
    ticket = make_ticket(desk, Status.IN_PROGRESS)
    response = agent1.post(
        url(ticket, "ticket_transition", "resolve"), {"version": ticket.version, "comment": ""}
    )
    assert response.status_code == 400
    assert "Describe the resolution" in response.content.decode()
    assert fresh(ticket).status == Status.IN_PROGRESS


def test_transition_labels_follow_the_language(agent1, desk):
    ticket = make_ticket(desk, Status.NEW)
    html = agent1.get(url(ticket), HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert ">Acknowledge</button>" in html
    desk.agent1.language = "zh-hans"
    desk.agent1.save()
    html = agent1.get(url(ticket)).content.decode()
    assert ">受理</button>" in html


def test_assign_group_then_person(agent1, desk):
    ticket = make_ticket(desk, Status.ACKNOWLEDGED)
    partial = agent1.get(url(ticket, "ticket_assign_members"), {"group": desk.third_line.pk})
    assert partial.status_code == 200
    html = partial.content.decode()
    assert 'id="assignee-field"' in html and "agent2" in html and "manager" in html and "agent1" not in html
    page = agent1.get(url(ticket)).content.decode()
    assert f'hx-get="{url(ticket, "ticket_assign_members")}"' in page
    response = agent1.post(
        url(ticket, "ticket_assign"),
        {"version": ticket.version, "group": desk.third_line.pk, "assignee": desk.agent2.pk},
    )
    assert response.status_code == 302
    ticket = fresh(ticket)
    assert (ticket.group, ticket.assignee, ticket.status) == (desk.third_line, desk.agent2, Status.ASSIGNED)


def test_assign_person_outside_group_is_refused(client, desk):
    ticket = make_ticket(desk, Status.ACKNOWLEDGED)
    client.force_login(desk.agent2)
    response = client.post(
        url(ticket, "ticket_assign"),
        {"version": ticket.version, "group": desk.third_line.pk, "assignee": desk.agent1.pk},
    )
    assert response.status_code == 400
    assert 'id="form-error"' in response.content.decode()
    assert fresh(ticket).group is None


def test_priority_change_and_override(agent1, desk):
    ticket = make_ticket(desk, Status.ASSIGNED)
    agent1.post(
        url(ticket, "ticket_priority"), {"version": ticket.version, "impact": 1, "urgency": 1, "priority": ""}
    )
    ticket = fresh(ticket)
    assert (ticket.impact, ticket.urgency, ticket.priority, ticket.priority_overridden) == (1, 1, 1, False)
    agent1.post(
        url(ticket, "ticket_priority"), {"version": ticket.version, "impact": 1, "urgency": 1, "priority": 4}
    )
    ticket = fresh(ticket)
    assert (ticket.priority, ticket.priority_overridden) == (4, True)
    assert "priority overridden" in agent1.get(url(ticket)).content.decode()


def test_category_change(agent1, desk):
    from servicedesk.tickets.models import Category

    ticket = make_ticket(desk, Status.ASSIGNED)
    category = Category.objects.filter(parent__isnull=False).first()
    response = agent1.post(
        url(ticket, "ticket_category"), {"version": ticket.version, "category": category.pk}
    )
    assert response.status_code == 302
    assert fresh(ticket).category == category


def test_links_both_directions_and_remove(agent1, desk):
    ticket = make_ticket(desk, Status.ASSIGNED)
    problem = make_ticket(desk, Status.ASSIGNED, title="ERP slow", type="problem")
    response = agent1.post(
        url(ticket, "ticket_link"),
        {"version": ticket.version, "number": problem.number.lower(), "kind": "caused_by"},
    )
    assert response.status_code == 302
    link = TicketLink.objects.get(source=ticket, target=problem, kind="caused_by")
    assert problem.number in agent1.get(url(ticket)).content.decode()
    other_side = agent1.get(url(problem)).content.decode()
    assert ticket.number in other_side and "caused by" in other_side
    response = agent1.post(url(problem, "ticket_unlink", link.pk), {"version": fresh(problem).version})
    assert response.status_code == 302
    assert not TicketLink.objects.exists()


def test_link_to_unknown_ticket(agent1, desk):
    ticket = make_ticket(desk, Status.ASSIGNED)
    response = agent1.post(
        url(ticket, "ticket_link"), {"version": ticket.version, "number": "SD-999999", "kind": "related"}
    )
    assert response.status_code == 400
    assert "There is no ticket SD-999999" in response.content.decode()


def test_merge_asks_then_merges(agent1, desk):
    duplicate = make_ticket(desk, Status.ACKNOWLEDGED, title="VPN down")
    original = make_ticket(desk, Status.ASSIGNED, title="VPN down for everyone")
    actions.add_comment(duplicate, actor=desk.customer1, body="Also me")
    duplicate = fresh(duplicate)
    confirm = agent1.get(
        url(duplicate, "ticket_merge"), {"into": original.number, "version": duplicate.version}
    )
    assert confirm.status_code == 200
    assert f"Merge {duplicate.number} into {original.number}?" in confirm.content.decode()
    assert fresh(duplicate).merged_into is None
    response = agent1.post(
        url(duplicate, "ticket_merge"), {"into": original.number, "version": duplicate.version}
    )
    assert response.status_code == 302 and response["Location"] == url(original)
    duplicate = fresh(duplicate)
    assert duplicate.merged_into == original and duplicate.status == Status.CLOSED
    assert Comment.objects.filter(ticket=original, body="Also me").exists()


def test_time_log_and_total(agent1, desk):
    ticket = make_ticket(desk, Status.IN_PROGRESS)
    agent1.post(
        url(ticket, "ticket_time"), {"version": ticket.version, "minutes": "20", "note": "Remote session"}
    )
    agent1.post(url(ticket, "ticket_time"), {"version": fresh(ticket).version, "minutes": "15", "note": ""})
    assert sum(TimeEntry.objects.filter(ticket=ticket).values_list("minutes", flat=True)) == 35
    html = agent1.get(url(ticket)).content.decode()
    assert "35 minutes" in html and "Remote session" in html
    response = agent1.post(url(ticket, "ticket_time"), {"version": fresh(ticket).version, "minutes": "0"})
    assert response.status_code == 400 and "between 1 and 1440" in response.content.decode()


def test_watchers_staff_and_customer(agent1, desk):
    ticket = make_ticket(desk, Status.ASSIGNED)
    agent1.post(url(ticket, "ticket_watchers"), {"version": ticket.version, "add": desk.lead1.pk})
    agent1.post(url(ticket, "ticket_watchers"), {"version": fresh(ticket).version, "add": desk.customer1.pk})
    assert set(fresh(ticket).watchers.all()) == {desk.lead1, desk.customer1}
    agent1.post(url(ticket, "ticket_watchers"), {"version": fresh(ticket).version, "remove": desk.lead1.pk})
    assert set(fresh(ticket).watchers.all()) == {desk.customer1}
    # Another organisation's customer cannot be added.
    response = agent1.post(
        url(ticket, "ticket_watchers"), {"version": fresh(ticket).version, "add": desk.customer3.pk}
    )
    assert response.status_code == 403
    assert "customer3 cannot watch it" in response.content.decode()
    assert desk.customer3 not in fresh(ticket).watchers.all()


def test_conflict_keeps_text_and_saves_nothing(agent1, desk):
    ticket = make_ticket(desk, Status.IN_PROGRESS)
    stale = ticket.version
    actions.transition(ticket, "pend", actor=desk.agent2, pending_reason="customer")
    comments = Comment.objects.count()
    response = agent1.post(
        url(ticket, "ticket_reply"), {"version": stale, "body": "My long careful answer", "internal": "1"}
    )
    assert response.status_code == 409
    html = response.content.decode()
    assert "Someone else changed this ticket" in html
    assert "In progress → Pending" in html and "agent2" in html
    assert "My long careful answer</textarea>" in html
    assert re.search(r'value="1" checked', html)
    assert Comment.objects.count() == comments
    # The re-rendered forms carry the current version, so sending again works.
    assert f'name="version" value="{fresh(ticket).version}"' in html


@pytest.mark.parametrize("form", ["ticket_time", "ticket_watchers", "ticket_link", "ticket_priority"])
def test_conflict_on_other_forms(agent1, desk, form):
    ticket = make_ticket(desk, Status.IN_PROGRESS)
    other = make_ticket(desk, Status.ASSIGNED)
    stale = ticket.version
    actions.update_ticket(ticket, actor=desk.agent2, changes={"title": "Renamed meanwhile"})
    before = fresh(ticket).version
    data = {
        "version": stale,
        "minutes": 5,
        "add": desk.lead1.pk,
        "number": other.number,
        "kind": "related",
        "impact": 1,
        "urgency": 1,
    }
    response = agent1.post(url(ticket, form), data)
    assert response.status_code == 409
    assert "Renamed meanwhile" in response.content.decode()
    assert fresh(ticket).version == before
    assert not TimeEntry.objects.exists() and not TicketLink.objects.exists()


def third_line_ticket(desk):
    ticket = actions.create_ticket(actor=desk.customer1, title="ERP report error")
    # Owned by the manager (not of the 1st line, whose people follow up what their colleagues own).
    actions.transition(ticket, "acknowledge", actor=desk.manager)
    actions.assign(ticket, actor=desk.manager, group=desk.third_line, assignee=desk.agent2)
    ticket = fresh(ticket)
    assert ticket.owner == desk.manager
    return ticket


def test_not_visible_is_404(client, desk):
    ticket = third_line_ticket(desk)
    actions.add_comment(
        ticket, actor=desk.agent2, body="with file", attachments=[SimpleUploadedFile("a.txt", b"x")]
    )
    attachment = Attachment.objects.get()
    client.force_login(desk.agent1)
    assert client.get(url(ticket)).status_code == 404
    assert client.post(url(ticket, "ticket_reply"), {"version": 1, "body": "x"}).status_code == 404
    assert client.get(url(ticket, "ticket_attachment", attachment.pk)).status_code == 404
    assert client.get(url(ticket, "ticket_assign_members"), {"group": desk.third_line.pk}).status_code == 404
    client.force_login(desk.agent2)
    assert client.get(url(ticket)).status_code == 200


def test_customers_get_404(client, desk):
    own = make_ticket(desk, Status.ASSIGNED, requester=desk.customer1)
    other = make_ticket(desk, Status.ASSIGNED, requester=desk.customer3)
    client.force_login(desk.customer1)
    assert client.get(url(own)).status_code == 404
    assert client.get(url(other)).status_code == 404
    assert (
        client.post(url(other, "ticket_reply"), {"version": other.version, "body": "hi"}).status_code == 404
    )


def test_anonymous_is_sent_to_login(client, desk):
    ticket = make_ticket(desk, Status.NEW)
    response = client.get(url(ticket))
    assert response.status_code == 302 and "/login/" in response["Location"]


def test_possible_duplicates_chinese_titles(agent1, desk):
    ticket = make_ticket(desk, Status.NEW, title="VPN 连接不上，提示认证失败")
    similar = make_ticket(desk, Status.NEW, title="今天VPN无法连接")
    unrelated = make_ticket(desk, Status.NEW, title="打印机卡纸")
    other_requester = make_ticket(desk, Status.NEW, title="VPN 连接失败", requester=desk.customer3)
    page = agent1.get(url(ticket)).content.decode()
    assert f'hx-get="{url(ticket)}duplicates/"' in page  # loaded after the page
    html = agent1.get(url(ticket) + "duplicates/").content.decode()
    section = html[html.index("Possible duplicates") :]
    assert similar.number in section
    assert unrelated.number not in section
    assert other_requester.number not in section  # neither same requester nor same category


def _page_queries(client, ticket, django_assert_max_num_queries, bound):
    with django_assert_max_num_queries(bound) as captured:
        response = client.get(url(ticket))
    assert response.status_code == 200
    return len(captured.captured_queries)


def test_query_count_does_not_grow_with_the_conversation(agent1, desk, django_assert_max_num_queries):
    bound = 12
    small = make_ticket(desk, Status.IN_PROGRESS)
    big = make_ticket(desk, Status.IN_PROGRESS)
    for i in range(3):
        actions.add_comment(
            small,
            actor=desk.agent2,
            body=f"note {i}",
            internal=bool(i % 2),
            attachments=[SimpleUploadedFile(f"f{i}.txt", b"x")],
        )
    for i in range(30):
        actions.add_comment(
            big,
            actor=desk.agent2 if i % 2 else desk.customer1,
            body=f"note {i}",
            internal=False,
            attachments=[SimpleUploadedFile(f"f{i}.txt", b"x")],
        )
        actions.log_time(big, actor=desk.agent2, minutes=5)
    actions.set_watchers(big, actor=desk.agent2, add=[desk.lead1, desk.agent1])
    # The small one has a row of each list too: a list without rows is not read at all (test_ticket_page_parts).
    actions.log_time(small, actor=desk.agent2, minutes=5)
    actions.set_watchers(small, actor=desk.agent2, add=[desk.lead1])
    agent1.get(url(small))  # warm the per-process caches (jieba's dictionary, the session)
    assert _page_queries(agent1, small, django_assert_max_num_queries, bound) == _page_queries(
        agent1, big, django_assert_max_num_queries, bound
    )


def test_apply_routing_rules_from_the_ticket_page(client, desk):
    """An agent asks for the rules on a ticket filed before the rule existed; the timeline says which
    rule moved it."""
    from servicedesk.routing.models import RoutingRule
    from servicedesk.tickets import actions

    ticket = actions.create_ticket(actor=desk.customer1, requester=desk.customer1, title="VPN drops every hour",
                                   channel="portal")
    client.force_login(desk.agent1)
    url = f"/console/tickets/{ticket.number}/"
    response = client.post(url + "route/", {"version": ticket.version}, follow=True)
    assert "No routing rule matches this ticket." in response.content.decode()
    RoutingRule.objects.create(name="Network words", keywords="VPN\n网络", set_group=desk.second_line)
    ticket.refresh_from_db()
    response = client.post(url + "route/", {"version": ticket.version}, follow=True)
    body = response.content.decode()
    assert "Routing rules applied: Network words." in body
    ticket.refresh_from_db()
    assert ticket.group == desk.second_line
    assert "routing rule: Network words" in body  # the timeline's note on the system's change
    # A stale form is refused with the conflict, not applied.
    response = client.post(url + "route/", {"version": ticket.version - 1})
    assert response.status_code == 409


def test_requester_other_open_tickets_only_those_the_agent_may_see(agent1, desk):
    shown = actions.create_ticket(actor=desk.customer1, requester=desk.customer1, title="Shown ticket")
    intake = actions.create_ticket(actor=desk.customer1, requester=desk.customer1, title="Still in intake")
    hidden = actions.create_ticket(actor=desk.customer1, requester=desk.customer1, title="Second line only")
    actions.assign(hidden, actor=desk.manager, group=desk.second_line)
    closed = make_ticket(desk, Status.CLOSED, title="Long closed")
    other = actions.create_ticket(actor=desk.customer2, requester=desk.customer2, title="Someone else's")
    html = agent1.get(url(shown)).content.decode()
    panel = html[html.index('id="others-title"'):]
    panel = panel[:panel.index("</section>")]
    assert intake.number in panel
    for ticket in (shown, hidden, closed, other):
        assert ticket.number not in panel
    agent1.force_login(desk.manager)  # the desk manager sees every ticket
    panel = agent1.get(url(shown)).content.decode()
    panel = panel[panel.index('id="others-title"'):]
    assert hidden.number in panel[:panel.index("</section>")]
