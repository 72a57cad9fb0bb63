"""Who sees what: customers their own (and, where allowed, their organisation's), agents their groups'
queues and the unrouted intake, managers and administrators everything; internal matter never
reaches customers; and the SQL rule and the Python rule say the same thing."""

import itertools
import json

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from servicedesk.accounts.identity import system_user
from servicedesk.accounts.models import Organisation, User
from servicedesk.tickets import actions, permissions
from servicedesk.tickets.models import (
    Attachment,
    Comment,
    HistoryEntry,
    Status,
    Ticket,
    TicketLink,
    TicketType,
    TimeEntry,
)
from tests.tickets.lifecycle import fresh, history_count, make_ticket

SECRET = "INTERNAL-ONLY root password is hunter2"


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


def allow_organisation(user, allowed=True):
    Organisation.objects.filter(pk=user.organisation_id).update(customers_see_organisation_tickets=allowed)


def listed(api, user, **params):
    response = api(user).get("tickets", {"limit": 200, **params})
    assert response.status_code == 200, response.json_body
    assert response.json_body["next_cursor"] is None
    return {t["id"] for t in response.json_body["items"]}


def upload(name, content=b"data"):
    return SimpleUploadedFile(name, content, content_type="text/plain")


def every_endpoint(ticket, other, attachment, link):
    """Every route about one ticket, with a request body that would succeed for someone who sees it.
    `other` is a ticket the caller does see: routes from it that name the hidden ticket must fail alike."""
    t = ticket.pk
    return [
        ("get", f"tickets/{t}", None),
        ("patch", f"tickets/{t}", {"title": "taken over"}),
        ("post", f"tickets/{t}/transitions", {"action": "resolve", "comment": "Fixed."}),
        ("post", f"tickets/{t}/transitions", {"action": "reopen"}),
        ("get", f"tickets/{t}/comments", None),
        ("post", f"tickets/{t}/comments", {"body": "hello"}),
        ("get", f"tickets/{t}/history", None),
        ("get", f"tickets/{t}/links", None),
        ("post", f"tickets/{t}/links", {"target": other.number, "kind": "related"}),
        ("delete", f"tickets/{t}/links/{link.pk}", None),
        ("get", f"tickets/{t}/attachments", None),
        ("get", f"tickets/attachments/{attachment.pk}/download", None),
        ("get", f"tickets/{t}/time-entries", None),
        ("post", f"tickets/{t}/time-entries", {"minutes": 5}),
        ("post", f"tickets/{t}/watchers", {"add": []}),
        ("post", f"tickets/{t}/merge", {"into": other.number}),
        ("post", f"tickets/{other.pk}/merge", {"into": ticket.number}),
        ("post", f"tickets/{other.pk}/merge", {"into": str(ticket.pk)}),
        ("post", f"tickets/{other.pk}/links", {"target": ticket.number, "kind": "related"}),
        ("post", f"tickets/{other.pk}/links", {"target": str(ticket.pk), "kind": "related"}),
    ]


def snapshot(*tickets):
    return (
        [(fresh(t).version, fresh(t).status, history_count(t)) for t in tickets],
        Comment.objects.count(), TicketLink.objects.count(), TimeEntry.objects.count(),
        Attachment.objects.count(),
    )


def assert_hidden(api, username, ticket, other, attachment, link):
    client = api(username)
    assert client.get(f"tickets/{other.pk}").status_code == 200, "the other ticket is one the caller sees"
    before = snapshot(ticket, other)
    for method, path, data in every_endpoint(ticket, other, attachment, link):
        response = client.delete(path) if method == "delete" else getattr(client, method)(path, data)
        assert response.status_code == 404, (username, method, path, response.status_code, response.json_body)
        assert response.json_body["message"], (method, path)
        assert ticket.title not in response.content.decode(), (method, path)
    # Multipart upload too.
    response = client.client.post(f"/api/v1/tickets/{ticket.pk}/attachments", {"file": upload("x.txt")})
    assert response.status_code == 404
    assert snapshot(ticket, other) == before, "nothing changed through a ticket the caller cannot see"
    assert ticket.pk not in listed(api, username)
    assert ticket.pk not in listed(api, username, q=ticket.number)
    assert ticket.pk not in listed(api, username, requester=str(ticket.requester_id))
    assert ticket.pk not in listed(api, username, status="open")


@pytest.fixture
def hidden(desk):
    """customer1's ticket, in the 2nd line queue, owned by the manager (not of the 1st line, whose
    people follow up what their colleagues own), with an attachment, a link and a note."""
    ticket = actions.create_ticket(actor=desk.manager, requester=desk.customer1, title="Payroll export fails",
                                   group=desk.second_line)
    sibling = actions.create_ticket(actor=desk.manager, requester=desk.customer1, title="Sibling",
                                    group=desk.second_line)
    attachment = actions.add_attachment(ticket, actor=desk.manager, upload=upload("log.txt"))
    link = actions.link(ticket, sibling, "related", actor=desk.manager)
    actions.add_comment(ticket, actor=desk.manager, body="note", internal=True)
    return ticket, attachment, link


def test_another_organisation_gets_404_everywhere(api, desk, hidden):
    ticket, attachment, link = hidden
    allow_organisation(desk.customer3)  # organisation B's own setting does not open organisation A's tickets
    own = make_ticket(desk, requester=desk.customer3, title="customer3's own")
    assert_hidden(api, "customer3", ticket, own, attachment, link)


def test_same_organisation_gets_404_unless_the_organisation_allows_it(api, desk, hidden):
    ticket, attachment, link = hidden
    allow_organisation(desk.customer2, False)
    own = make_ticket(desk, requester=desk.customer2, title="customer2's own")
    assert_hidden(api, "customer2", ticket, own, attachment, link)


def test_an_agent_outside_the_group_gets_404_everywhere(api, desk, hidden):
    ticket, attachment, link = hidden
    unrouted = make_ticket(desk, requester=desk.customer3, title="unrouted intake")
    assert_hidden(api, "agent1", ticket, unrouted, attachment, link)
    # ...and the people of the queue do see it.
    for user in ("agent2", "lead1", "manager", "admin"):
        assert api(user).get(f"tickets/{ticket.pk}").status_code == 200, user
        assert ticket.pk in listed(api, user)


def test_customers_see_their_own_tickets_only(api, desk):
    mine = make_ticket(desk, requester=desk.customer1, title="mine")
    colleague = make_ticket(desk, requester=desk.customer2, title="colleague's")
    stranger = make_ticket(desk, requester=desk.customer3, title="stranger's")
    assert listed(api, "customer1") == {mine.pk}
    assert listed(api, "customer2") == {colleague.pk}
    assert listed(api, "customer3") == {stranger.pk}
    assert api("customer1").get(f"tickets/{colleague.pk}").status_code == 404
    assert api("customer1").get(f"tickets/{mine.pk}").status_code == 200


def test_organisation_wide_visibility_when_allowed(api, desk):
    mine = make_ticket(desk, requester=desk.customer1, title="mine")
    colleague = make_ticket(desk, requester=desk.customer2, title="colleague's")
    stranger = make_ticket(desk, requester=desk.customer3, title="stranger's")
    allow_organisation(desk.customer1)
    assert listed(api, "customer1") == {mine.pk, colleague.pk}
    assert listed(api, "customer2") == {mine.pk, colleague.pk}
    assert listed(api, "customer3") == {stranger.pk}
    assert api("customer1").get(f"tickets/{colleague.pk}").status_code == 200
    assert api("customer1").get(f"tickets/{colleague.pk}/comments").status_code == 200
    assert api("customer1").get(f"tickets/{stranger.pk}").status_code == 404
    # A colleague may see it but may not act as the requester, nor edit it.
    assert api("customer1").patch(f"tickets/{colleague.pk}", {"title": "x"}).status_code == 403

    allow_organisation(desk.customer1, False)
    assert listed(api, "customer1") == {mine.pk}
    assert api("customer1").get(f"tickets/{colleague.pk}").status_code == 404


def second_line_agent(desk):
    """An agent of the 2nd line only (the demo's agents are all of the 1st line too)."""
    agent = User.objects.create(username="net1", role="agent", first_name="Net", last_name="One")
    desk.second_line.members.add(agent)
    return agent


def test_agents_see_their_groups_the_unrouted_intake_and_what_they_own(api, desk):
    net1 = second_line_agent(desk)
    desk.users["net1"] = net1
    unrouted = make_ticket(desk, requester=desk.customer3, title="unrouted")
    first = make_ticket(desk, Status.ASSIGNED, title="1st line", group=desk.first_line)
    second = actions.create_ticket(actor=desk.lead1, requester=desk.customer1, title="2nd line",
                                   group=desk.second_line)
    third = actions.create_ticket(actor=desk.manager, requester=desk.customer2, title="3rd line",
                                  group=desk.third_line)
    supplier = actions.create_ticket(actor=desk.admin, requester=desk.customer2, title="supplier",
                                     group=desk.supplier)
    owned_elsewhere = make_ticket(desk, Status.ASSIGNED, title="agent1 owns it", group=desk.third_line)
    assert owned_elsewhere.owner == desk.agent1
    everything = {unrouted.pk, first.pk, second.pk, third.pk, supplier.pk, owned_elsewhere.pk}

    # The 1st line follows up what its people own (lead1's 2nd-line ticket, agent1's 3rd-line one).
    assert listed(api, "agent1") == {unrouted.pk, first.pk, second.pk, owned_elsewhere.pk}
    assert listed(api, "agent2") == {unrouted.pk, first.pk, second.pk, third.pk, owned_elsewhere.pk}
    assert listed(api, "lead1") == {unrouted.pk, first.pk, second.pk, owned_elsewhere.pk}
    assert listed(api, "net1") == {unrouted.pk, second.pk}
    assert listed(api, "manager") == everything
    assert listed(api, "admin") == everything
    assert api("agent1").get(f"tickets/{supplier.pk}").status_code == 404
    assert api("agent2").get(f"tickets/{supplier.pk}").status_code == 404
    assert api("lead1").get(f"tickets/{third.pk}").status_code == 404
    assert api("net1").get(f"tickets/{first.pk}").status_code == 404
    assert api("manager").get(f"tickets/{supplier.pk}").status_code == 200


def test_a_ticket_nobody_owns_stays_with_the_first_line_wherever_it_is_routed(api, desk):
    """A rule (or the mail robot) routed it: the 1st line sees it until someone takes ownership."""
    net1 = second_line_agent(desk)
    desk.users["net1"] = net1
    ticket = actions.create_ticket(actor=desk.customer1, title="Printer broken")
    actions.update_ticket(ticket, actor=system_user(), changes={"group": desk.supplier}, note="routing rule: printers")
    ticket = Ticket.objects.get(pk=ticket.pk)
    assert ticket.owner_id is None and ticket.group_id == desk.supplier.pk and ticket.acknowledged_at is None
    for user in ("agent1", "agent2", "lead1"):
        assert api(user).get(f"tickets/{ticket.pk}").status_code == 200, user
    assert api("net1").get(f"tickets/{ticket.pk}").status_code == 404
    # agent1 takes ownership (acknowledging it); the 1st line still follows it up, net1 still does not see it.
    response = api("agent1").patch(f"tickets/{ticket.pk}", {"owner": desk.agent1.pk})
    assert response.status_code == 200 and response.json_body["acknowledged_at"]
    assert api("lead1").get(f"tickets/{ticket.pk}").status_code == 200
    assert api("net1").get(f"tickets/{ticket.pk}").status_code == 404


def test_an_agent_sees_a_ticket_assigned_to_them_in_another_group(api, desk):
    ticket = actions.create_ticket(actor=desk.manager, requester=desk.customer1, title="x",
                                   group=desk.third_line, assignee=desk.agent2)
    assert api("agent2").get(f"tickets/{ticket.pk}").status_code == 200
    assert api("agent1").get(f"tickets/{ticket.pk}").status_code == 404
    assert api("lead1").get(f"tickets/{ticket.pk}").status_code == 404


def test_an_agent_loses_sight_of_a_ticket_routed_away(api, desk):
    net1 = second_line_agent(desk)
    desk.users["net1"] = net1
    ticket = actions.create_ticket(actor=desk.manager, requester=desk.customer1, title="x",
                                   group=desk.second_line)
    assert api("net1").get(f"tickets/{ticket.pk}").status_code == 200
    assert api("manager").patch(f"tickets/{ticket.pk}", {"group": desk.third_line.pk}).status_code == 200
    assert api("net1").get(f"tickets/{ticket.pk}").status_code == 404
    assert api("agent1").get(f"tickets/{ticket.pk}").status_code == 404, "owned by the manager, not the 1st line"


def test_the_first_line_keeps_sight_of_what_its_people_own_when_routed_away(api, desk):
    ticket = actions.create_ticket(actor=desk.lead1, requester=desk.customer1, title="x",
                                   group=desk.first_line)
    assert api("lead1").patch(f"tickets/{ticket.pk}", {"group": desk.third_line.pk}).status_code == 200
    assert api("agent1").get(f"tickets/{ticket.pk}").status_code == 200
    assert api("agent1").post(f"tickets/{ticket.pk}/comments", {"body": "Chased the 3rd line", "internal": True}
                              ).status_code == 201


# ---------------------------------------------------------------------------------------------
# Internal matter


@pytest.fixture
def conversation(desk):
    ticket = make_ticket(desk, Status.IN_PROGRESS)
    public = actions.add_comment(ticket, actor=desk.agent2, body="Please restart the laptop.",
                                 attachments=[upload("howto.txt", b"public steps")])
    note = actions.add_comment(ticket, actor=desk.agent2, body=SECRET, internal=True,
                               attachments=[upload("secret.txt", b"internal data")])
    loose_internal = actions.add_attachment(ticket, actor=desk.agent2, upload=upload("dump.txt", b"core"),
                                            internal=True)
    loose_public = actions.add_attachment(ticket, actor=desk.customer1, upload=upload("screen.txt", b"pic"))
    actions.log_time(ticket, actor=desk.agent2, minutes=15, note=SECRET)
    actions.transition(ticket, "pend", actor=desk.agent2, comment=SECRET, internal=True,
                       pending_reason="supplier")
    return ticket, public, note, loose_internal, loose_public


def test_internal_notes_never_reach_customers(api, desk, conversation):
    ticket, public, note, *_ = conversation
    for user in ("customer1",):
        comments = api(user).get(f"tickets/{ticket.pk}/comments").json_body
        assert [c["id"] for c in comments] == [public.pk]
        assert [a["filename"] for a in comments[0]["attachments"]] == ["howto.txt"]
    staff = api("agent2").get(f"tickets/{ticket.pk}/comments").json_body
    all_comments = list(Comment.objects.filter(ticket=ticket).values_list("id", flat=True))
    assert [c["id"] for c in staff] == all_comments
    assert [(c["internal"], c["body"]) for c in staff] == [
        (False, "Please restart the laptop."), (True, SECRET), (True, SECRET)
    ]
    assert staff[1]["id"] == note.pk
    assert [a["filename"] for a in staff[1]["attachments"]] == ["secret.txt"]


def test_internal_history_never_reaches_customers(api, desk, conversation):
    ticket = conversation[0]
    customer = api("customer1").get(f"tickets/{ticket.pk}/history").json_body
    staff = api("agent2").get(f"tickets/{ticket.pk}/history").json_body
    internal_ids = set(HistoryEntry.objects.filter(ticket=ticket, internal=True).values_list("id", flat=True))
    assert len(internal_ids) == 5  # 2 notes (one came with the transition), 2 internal files, the time log
    every_id = set(HistoryEntry.objects.filter(ticket=ticket).values_list("id", flat=True))
    assert {h["id"] for h in staff} == every_id
    assert {h["id"] for h in customer} == {h["id"] for h in staff} - internal_ids
    events = [h["event"] for h in customer]
    assert "internal_note" not in events and "time_logged" not in events
    assert ("pend", "status", "pending") in [(h["event"], h["field"], h["new"]) for h in customer]
    added = [h["new"] for h in customer if h["event"] == "attachment_added"]
    assert sorted(added) == ["howto.txt", "screen.txt"]


def test_internal_attachments_never_reach_customers(api, desk, conversation):
    ticket, _public, _note, loose_internal, loose_public = conversation
    customer = api("customer1")
    listed_files = sorted(a["filename"] for a in customer.get(f"tickets/{ticket.pk}/attachments").json_body)
    assert listed_files == ["howto.txt", "screen.txt"]
    staff_list = api("agent2").get(f"tickets/{ticket.pk}/attachments").json_body
    staff_files = sorted(a["filename"] for a in staff_list)
    assert staff_files == ["dump.txt", "howto.txt", "screen.txt", "secret.txt"]
    contents = {"howto.txt": b"public steps", "secret.txt": b"internal data", "dump.txt": b"core",
                "screen.txt": b"pic"}
    for attachment in Attachment.objects.filter(ticket=ticket):
        url = f"/api/v1/tickets/attachments/{attachment.pk}/download"
        response = customer.client.get(url)
        if attachment.internal:
            assert response.status_code == 404, attachment.filename
            assert json.loads(response.content)["message"]
        else:
            assert response.status_code == 200, attachment.filename
            assert b"".join(response.streaming_content) == contents[attachment.filename]
        staff = api("agent2").client.get(url)
        assert staff.status_code == 200
        assert b"".join(staff.streaming_content) == contents[attachment.filename]
    assert {loose_internal.filename, loose_public.filename} == {"dump.txt", "screen.txt"}


def test_nothing_a_customer_reads_mentions_the_internal_text(api, desk, conversation):
    ticket = conversation[0]
    client = api("customer1")
    for path in (f"tickets/{ticket.pk}", f"tickets/{ticket.pk}/comments", f"tickets/{ticket.pk}/history",
                 f"tickets/{ticket.pk}/attachments", f"tickets/{ticket.pk}/links", "tickets"):
        response = client.get(path)
        assert response.status_code == 200, path
        assert SECRET not in response.content.decode(), path
        assert "secret.txt" not in response.content.decode(), path
    assert SECRET in api("agent2").get(f"tickets/{ticket.pk}/comments").content.decode()


def test_a_stale_version_conflict_does_not_leak_internal_changes(api, desk):
    ticket = make_ticket(desk, Status.IN_PROGRESS)
    version = fresh(ticket).version
    actions.add_comment(ticket, actor=desk.agent2, body=SECRET, internal=True)
    actions.add_comment(ticket, actor=desk.agent2, body="public answer")
    response = api("customer1").post(f"tickets/{ticket.pk}/comments", {"body": "me too", "version": version})
    assert response.status_code == 409
    assert [c["field"] for c in response.json_body["changes"]] == ["public_reply", "first_response_at"]
    assert SECRET not in response.content.decode()
    staff = api("agent1").patch(f"tickets/{ticket.pk}", {"title": "x", "version": version})
    assert staff.status_code == 409  # agent1 owns it and sees every change
    assert [c["field"] for c in staff.json_body["changes"]][0] == "internal_note"


def test_customers_cannot_edit_fields_nor_write_internal_notes(api, desk):
    ticket = make_ticket(desk, Status.NEW)
    before = history_count(ticket)
    client = api("customer1")
    for change in ({"title": "Urgent!!"}, {"description": "x"}, {"type": "problem"}, {"impact": 1},
                   {"group": desk.first_line.pk}, {"owner": desk.agent1.pk}):
        response = client.patch(f"tickets/{ticket.pk}", change)
        assert response.status_code == 403, (change, response.json_body)
        assert response.json_body["message"]
    t = fresh(ticket)
    assert (t.title, t.type, t.impact, t.group_id, t.owner_id, t.version) == (
        ticket.title, ticket.type, ticket.impact, None, None, ticket.version)

    note = client.post(f"tickets/{ticket.pk}/comments", {"body": "let me in", "internal": True})
    assert note.status_code == 403
    assert note.json_body["message"]
    internal_file = client.client.post(f"/api/v1/tickets/{ticket.pk}/attachments",
                                       {"file": upload("x.txt"), "internal": "true"})
    assert internal_file.status_code == 403
    assert not Comment.objects.filter(ticket=ticket).exists()
    assert not Attachment.objects.filter(ticket=ticket).exists()
    assert history_count(ticket) == before
    assert fresh(ticket).version == ticket.version


def test_an_internal_note_with_a_customers_transition_is_refused_whole(api, desk):
    ticket = make_ticket(desk, Status.RESOLVED)
    before = history_count(ticket)
    response = api("customer1").post(f"tickets/{ticket.pk}/transitions",
                                     {"action": "reopen", "comment": "psst", "internal": True})
    assert response.status_code == 403
    t = fresh(ticket)
    assert (t.status, t.version, t.resolved_at) == (Status.RESOLVED, ticket.version, ticket.resolved_at)
    assert history_count(ticket) == before
    assert not Comment.objects.filter(ticket=ticket, body="psst").exists()


def test_customers_cannot_see_time_entries_nor_log_time(api, desk):
    ticket = make_ticket(desk, Status.IN_PROGRESS)
    actions.log_time(ticket, actor=desk.agent2, minutes=20)
    assert api("customer1").get(f"tickets/{ticket.pk}/time-entries").status_code == 403
    response = api("customer1").post(f"tickets/{ticket.pk}/time-entries", {"minutes": 10})
    assert response.status_code == 403
    assert TimeEntry.objects.filter(ticket=ticket).count() == 1


def test_links_to_tickets_a_customer_cannot_see_are_not_listed(api, desk):
    mine = make_ticket(desk, requester=desk.customer1, title="mine")
    theirs = make_ticket(desk, requester=desk.customer3, title="theirs")
    problem = actions.create_ticket(actor=desk.agent1, requester=desk.agent1, title="Root cause",
                                    type=TicketType.PROBLEM)
    actions.link(mine, theirs, "related", actor=desk.agent1)
    actions.link(mine, problem, "caused_by", actor=desk.agent1)
    assert api("customer1").get(f"tickets/{mine.pk}/links").json_body == []
    assert len(api("agent1").get(f"tickets/{mine.pk}/links").json_body) == 2


# ---------------------------------------------------------------------------------------------
# The two statements of the rule agree


def varied_tickets(desk):
    """Tickets over every combination of requester, group, owner and assignee the rule looks at."""
    requesters = [desk.customer1, desk.customer2, desk.customer3, desk.agent1]
    groups = [None, desk.first_line, desk.second_line, desk.third_line, desk.supplier]
    owners = [None, desk.agent1, desk.agent2, desk.lead1, desk.manager]
    assignees = [None, desk.agent1, desk.agent2]
    statuses = ["new", "assigned", "in_progress", "pending", "resolved", "closed"]
    rows = []
    for n, (requester, group, owner, assignee) in enumerate(itertools.product(requesters, groups, owners,
                                                                              assignees)):
        rows.append(Ticket(desk_id=desk.first_line.desk_id, number=f"T-{n:05d}", title=f"ticket {n}",
                           requester=requester, organisation_id=requester.organisation_id, group=group,
                           owner=owner, assignee=assignee, status=statuses[n % len(statuses)]))
    return Ticket.objects.bulk_create(rows)


def test_visible_tickets_and_can_see_agree_for_every_demo_user(desk):
    second_line_agent(desk)
    tickets = varied_tickets(desk)
    assert len(tickets) == 300
    inactive = User.objects.create(username="gone", role="agent", is_active=False)
    for allowed in (False, True):
        Organisation.objects.update(customers_see_organisation_tickets=allowed)
        seen_by = {}
        for user in [*User.objects.all(), inactive]:
            user = User.objects.select_related("organisation").get(pk=user.pk)
            by_sql = set(permissions.visible_tickets(user).values_list("pk", flat=True))
            by_python = {t.pk for t in Ticket.objects.all() if permissions.can_see(user, t)}
            assert by_sql == by_python, (user.username, allowed, by_sql ^ by_python)
            seen_by[user.username] = by_sql
        every = {t.pk for t in tickets}
        assert seen_by["manager"] == seen_by["admin"] == every
        assert seen_by["gone"] == set()
        assert seen_by["agent1"] < every and seen_by["agent2"] < every and seen_by["lead1"] < every
        own = {t.pk for t in tickets if t.requester_id == desk.customer1.pk}
        organisation_a = {t.pk for t in tickets if t.organisation_id == desk.customer1.organisation_id}
        assert seen_by["customer1"] == (organisation_a if allowed else own)
        assert seen_by["customer3"] == {t.pk for t in tickets if t.requester_id == desk.customer3.pk}
        # The supplier's queue has no members: what nobody owns there is the 1st line's to follow up,
        # and nobody else's but the desk-wide roles'.
        supplier_unowned = {t.pk for t in tickets if t.group_id == desk.supplier.pk and t.owner_id is None
                            and t.assignee_id is None and not t.requester.is_desk_staff}
        assert supplier_unowned and supplier_unowned <= seen_by["agent1"] & seen_by["agent2"] & seen_by["lead1"]
        assert not supplier_unowned & seen_by["net1"]
        manager_owned_elsewhere = {t.pk for t in tickets if t.owner_id == desk.manager.pk
                                   and t.group_id in (desk.third_line.pk, desk.supplier.pk)
                                   and t.assignee_id is None and not t.requester.is_desk_staff}
        assert not manager_owned_elsewhere & (seen_by["agent1"] | seen_by["lead1"])
