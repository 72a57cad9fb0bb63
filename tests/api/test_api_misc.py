"""The rest of the REST API: list filters and keyset pagination, bounded query counts, attachments,
time entries, watchers, authentication, the OpenAPI document, /me, and the shape of errors."""

import base64
import datetime
import io
import json
import os

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command
from django.db import connection
from django.http import HttpRequest
from django.middleware.csrf import _get_new_csrf_string
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from servicedesk.accounts.models import ApiToken, User
from servicedesk.tickets import actions
from servicedesk.tickets.models import (
    Attachment,
    Category,
    Comment,
    HistoryEntry,
    Status,
    Ticket,
    TicketType,
    TimeEntry,
)
from tests.tickets.lifecycle import fresh, history_count, make_ticket

DEMO_PASSWORD = "demo-pass-123"


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


def ids(response):
    assert response.status_code == 200, response.json_body
    return [t["id"] for t in response.json_body["items"]]


def upload(name, content, content_type="text/plain"):
    return SimpleUploadedFile(name, content, content_type=content_type)


def stored_files(root):
    return [os.path.join(d, f) for d, _, files in os.walk(root) for f in files]


# ---------------------------------------------------------------------------------------------
# Filters


@pytest.fixture
def queue(desk):
    """Six tickets of known shape (manager sees all of them)."""
    t = {}
    t["vpn"] = make_ticket(desk, Status.NEW, title="VPN broken", impact=1, urgency=1)
    t["laptop"] = make_ticket(desk, Status.ASSIGNED, requester=desk.customer2, title="Need a laptop",
                              type=TicketType.SERVICE_REQUEST, description="new hire on Monday")
    t["erp"] = make_ticket(desk, Status.ACKNOWLEDGED, requester=desk.customer3, title="ERP slow",
                           type=TicketType.PROBLEM, impact=3, urgency=3)
    actions.transition(t["erp"], "start", actor=desk.agent1)  # lands in agent1's 1st line group
    t["complaint"] = make_ticket(desk, Status.RESOLVED, title="Waited 20 minutes", type=TicketType.COMPLAINT)
    t["old"] = make_ticket(desk, Status.CLOSED, title="Printer jam")
    t["waiting"] = make_ticket(desk, Status.PENDING, title="Mailbox full", impact=1, urgency=3)
    return {name: fresh(ticket) for name, ticket in t.items()}


def test_filter_by_status_including_open(api, desk, queue):
    manager = api("manager")
    assert set(ids(manager.get("tickets", {"status": "new"}))) == {queue["vpn"].pk}
    assert set(ids(manager.get("tickets", {"status": "open"}))) == {
        queue[n].pk for n in ("vpn", "laptop", "erp", "waiting")}
    assert set(ids(manager.get("tickets", {"status": "resolved,closed"}))) == {
        queue["complaint"].pk, queue["old"].pk}
    assert set(ids(manager.get("tickets?status=resolved&status=pending"))) == {
        queue["complaint"].pk, queue["waiting"].pk}
    assert set(ids(manager.get("tickets", {"status": "open,closed"}))) == {
        t.pk for t in queue.values()} - {queue["complaint"].pk}
    bad = manager.get("tickets", {"status": "lost"})
    assert bad.status_code == 422
    assert "lost" in bad.json_body["message"]


def test_filter_by_type_priority_and_group(api, desk, queue):
    manager = api("manager")
    assert ids(manager.get("tickets", {"type": "problem"})) == [queue["erp"].pk]
    assert set(ids(manager.get("tickets", {"type": "complaint,service_request"}))) == {
        queue["complaint"].pk, queue["laptop"].pk}
    assert ids(manager.get("tickets", {"priority": 1})) == [queue["vpn"].pk]
    assert set(ids(manager.get("tickets?priority=3&priority=5"))) == {
        t.pk for t in queue.values() if t.priority in (3, 5)}
    assert {t.priority for t in queue.values()} == {1, 3, 5}
    assert ids(manager.get("tickets", {"group": desk.first_line.pk})) == [queue["erp"].pk]
    assert set(ids(manager.get("tickets", {"group": desk.second_line.pk}))) == {
        queue[n].pk for n in ("laptop", "complaint", "old", "waiting")}
    assert ids(manager.get("tickets", {"group": desk.supplier.pk})) == []


def test_filter_by_people(api, desk, queue):
    assert set(ids(api("agent2").get("tickets", {"assignee": "me"}))) == {
        queue[n].pk for n in ("complaint", "old", "waiting")}
    assert ids(api("agent1").get("tickets", {"assignee": "me"})) == [queue["erp"].pk]
    unassigned = {queue["vpn"].pk, queue["laptop"].pk}
    assert set(ids(api("manager").get("tickets", {"assignee": "none"}))) == unassigned
    assert ids(api("manager").get("tickets", {"assignee": str(desk.agent1.pk)})) == [queue["erp"].pk]
    assert set(ids(api("customer1").get("tickets", {"requester": "me"}))) == {
        queue[n].pk for n in ("vpn", "complaint", "old", "waiting")}
    assert ids(api("manager").get("tickets", {"requester": str(desk.customer3.pk)})) == [queue["erp"].pk]
    assert ids(api("manager").get("tickets", {"requester": "me"})) == []
    assert set(ids(api("agent1").get("tickets", {"owner": "me"}))) == {
        queue[n].pk for n in ("laptop", "erp", "complaint", "old", "waiting")}
    assert ids(api("manager").get("tickets", {"owner": "none"})) == [queue["vpn"].pk]
    bad = api("manager").get("tickets", {"assignee": "someone"})
    assert bad.status_code == 422
    assert bad.json_body["message"]


def test_search_by_number_and_text(api, desk, queue):
    manager = api("manager")
    laptop = queue["laptop"]
    assert ids(manager.get("tickets", {"q": laptop.number})) == [laptop.pk]
    assert ids(manager.get("tickets", {"q": laptop.number.lower()})) == [laptop.pk]
    assert ids(manager.get("tickets", {"q": "LAPTOP"})) == [laptop.pk]
    assert ids(manager.get("tickets", {"q": "  new hire "})) == [laptop.pk], "description text matches too"
    assert ids(manager.get("tickets", {"q": "printer"})) == [queue["old"].pk]
    assert ids(manager.get("tickets", {"q": "nothing like this"})) == []
    # Search never widens what the caller sees.
    assert ids(api("customer1").get("tickets", {"q": laptop.number})) == []
    assert ids(api("customer1").get("tickets", {"q": "VPN", "status": "open"})) == [queue["vpn"].pk]


ORDERINGS = ["-updated_at", "updated_at", "-created_at", "created_at", "priority", "-priority", "-id", "id"]


def expected_order(ordering, tickets):
    field = ordering.lstrip("-")
    ordered = sorted(tickets, key=lambda t: (getattr(t, field), t.pk), reverse=ordering.startswith("-"))
    return [t.pk for t in ordered]


def test_ordering(api, desk, queue):
    tickets = list(Ticket.objects.all())
    for ordering in ORDERINGS:
        listed = ids(api("manager").get("tickets", {"ordering": ordering}))
        assert listed == expected_order(ordering, tickets), ordering


def test_default_ordering_is_latest_activity_first(api, desk, queue):
    listed = ids(api("manager").get("tickets"))
    assert listed == expected_order("-updated_at", list(Ticket.objects.all()))
    api("agent1").post(f"tickets/{queue['old'].pk}/comments", {"body": "bump"})
    assert ids(api("manager").get("tickets"))[0] == queue["old"].pk


def test_unknown_ordering_is_refused(api, desk):
    response = api("manager").get("tickets", {"ordering": "title"})
    assert response.status_code == 422
    assert response.json_body["message"]


# ---------------------------------------------------------------------------------------------
# Keyset pagination


@pytest.fixture
def many(desk):
    """25 tickets whose ordering values tie in places: the tie-break on id must hold across pages."""
    made = [actions.create_ticket(actor=desk.agent1, requester=desk.customer1, title=f"ticket {n:02d}",
                                  impact=1 + n % 3, urgency=1 + (n // 3) % 3) for n in range(25)]
    moment = timezone.now() - datetime.timedelta(hours=1)
    same = [t.pk for t in made[5:15]]
    Ticket.objects.filter(pk__in=same).update(updated_at=moment, created_at=moment)
    return made


def walk(client, limit=3, **params):
    seen, cursor, pages = [], None, 0
    while True:
        query = {"limit": limit, **params, **({"cursor": cursor} if cursor else {})}
        response = client.get("tickets", query)
        assert response.status_code == 200, response.json_body
        page = response.json_body
        assert len(page["items"]) <= limit
        seen += [t["id"] for t in page["items"]]
        pages += 1
        cursor = page["next_cursor"]
        if cursor is None:
            return seen, pages
        assert len(page["items"]) == limit, "only the last page may be short"
        assert pages < 100


def test_walking_every_page_gives_the_full_list_once(api, desk, many):
    client = api("agent1")
    tickets = list(Ticket.objects.all())
    for ordering in ORDERINGS:
        full = ids(client.get("tickets", {"limit": 200, "ordering": ordering}))
        assert len(full) == 25
        assert full == expected_order(ordering, tickets), ordering
        seen, pages = walk(client, ordering=ordering)
        assert seen == full, f"{ordering}: no duplicates, no gaps, same order"
        assert pages == 9


def test_paging_with_a_filter(api, desk, many):
    client = api("agent1")
    full = ids(client.get("tickets", {"limit": 200, "priority": 3, "ordering": "-updated_at"}))
    assert len(full) >= 4
    seen, _ = walk(client, limit=2, priority=3, ordering="-updated_at")
    assert seen == full


def test_a_page_of_exactly_the_rest_has_no_next_cursor(api, desk, many):
    page = api("agent1").get("tickets", {"limit": 25}).json_body
    assert len(page["items"]) == 25 and page["next_cursor"] is None
    page = api("agent1").get("tickets", {"limit": 24}).json_body
    assert page["next_cursor"] is not None
    last = api("agent1").get("tickets", {"limit": 24, "cursor": page["next_cursor"]}).json_body
    assert len(last["items"]) == 1 and last["next_cursor"] is None


def _cursor(value, pk):
    return base64.urlsafe_b64encode(json.dumps([value, pk]).encode()).decode().rstrip("=")


@pytest.mark.parametrize(("ordering", "cursor"), [
    ("-updated_at", "not a cursor"),
    ("-updated_at", "%%%"),
    ("-updated_at", base64.urlsafe_b64encode(b"{}").decode()),
    ("-updated_at", _cursor({"t": "yesterday"}, 1)),
    ("id", _cursor(1, "one")),
    ("-updated_at", _cursor("yesterday", 1)),
    ("-updated_at", _cursor(5, 1)),
    ("priority", _cursor("high", 1)),
    ("priority", _cursor(None, 1)),
    ("priority", _cursor([1], 1)),
])
def test_a_bad_cursor_is_400_with_a_message(api, desk, ordering, cursor):
    for n in range(3):
        actions.create_ticket(actor=desk.agent1, requester=desk.customer1, title=f"t{n}")
    response = api("agent1").get("tickets", {"cursor": cursor, "ordering": ordering})
    assert response.status_code == 400
    assert response["Content-Type"].startswith("application/json")
    assert response.json_body["message"]


def test_limit_bounds(api, desk):
    for limit in (0, 201, -1):
        response = api("agent1").get("tickets", {"limit": limit})
        assert response.status_code == 422, limit
        assert response.json_body["message"]


# ---------------------------------------------------------------------------------------------
# Query counts


@pytest.fixture
def crowd(desk):
    """120 tickets spread over requesters, groups, owners and assignees, each with comments."""
    requesters = [desk.customer1, desk.customer2, desk.customer3]
    routing = [(None, None), (desk.first_line, desk.agent1), (desk.second_line, desk.agent2),
               (desk.first_line, None), (desk.third_line, desk.agent2)]
    category = Category.objects.first()
    now = timezone.now()
    owners = [None, desk.agent1, desk.lead1]
    tickets = Ticket.objects.bulk_create([
        Ticket(desk_id=desk.first_line.desk_id, number=f"Q-{n:05d}", title=f"crowd {n}",
               requester=requesters[n % 3], organisation_id=requesters[n % 3].organisation_id,
               group=routing[n % 5][0], assignee=routing[n % 5][1], owner=owners[n % 3],
               category=category if n % 2 else None,
               status=Status.ASSIGNED if routing[n % 5][0] else Status.NEW,
               updated_at=now - datetime.timedelta(minutes=n))
        for n in range(120)
    ])
    Comment.objects.bulk_create([
        Comment(ticket=t, author=desk.agent1, body=f"comment {i}", internal=bool(i % 2))
        for t in tickets for i in range(3)
    ])
    Ticket.objects.filter(pk=tickets[1].pk).update(merged_into=tickets[0])
    return tickets


def count_queries(client, path, params=None):
    with CaptureQueriesContext(connection) as queries:
        response = client.get(path, params)
    assert response.status_code == 200, response.json_body
    return len(queries), response


LIST_BOUND = 6  # the token, the scope, the page, the transitions; room for one more


@pytest.mark.parametrize("user", ["manager", "agent2", "customer1"])
def test_ticket_list_queries_do_not_grow_with_the_page(api, desk, crowd, user, django_assert_max_num_queries):
    client = api(user)
    client.get("tickets", {"limit": 1})  # warm up
    with django_assert_max_num_queries(LIST_BOUND):
        small = client.get("tickets", {"limit": 5})
    with django_assert_max_num_queries(LIST_BOUND):
        large = client.get("tickets", {"limit": 100, "ordering": "priority"})
    assert len(small.json_body["items"]) == 5
    assert len(large.json_body["items"]) == (100 if user != "customer1" else 40)
    n_small, _ = count_queries(client, "tickets", {"limit": 5})
    n_large, _ = count_queries(client, "tickets", {"limit": 100})
    assert n_small == n_large


def test_user_list_queries_do_not_grow_with_the_page(api, desk, django_assert_max_num_queries):
    organisation = desk.customer1.organisation
    User.objects.bulk_create([User(username=f"person{n:03d}", role="customer", organisation=organisation)
                              for n in range(110)])
    client = api("agent1")
    with django_assert_max_num_queries(4):
        small = client.get("users", {"limit": 5})
    with django_assert_max_num_queries(4):
        large = client.get("users", {"limit": 100})
    assert (len(small.json_body["items"]), len(large.json_body["items"])) == (5, 100)
    assert count_queries(client, "users", {"limit": 5})[0] == \
        count_queries(client, "users", {"limit": 100})[0]


def busy_ticket(desk, n):
    """A ticket with n replies (each with a file), n links, n time entries and the history that makes."""
    ticket = make_ticket(desk, Status.IN_PROGRESS, title=f"busy {n}")
    for i in range(n):
        actions.add_comment(ticket, actor=desk.agent2 if i % 2 else desk.customer1, body=f"reply {i}",
                            internal=bool(i % 2), attachments=[upload(f"f{i}.txt", b"x")])
        actions.log_time(ticket, actor=desk.agent2, minutes=5)
        other = actions.create_ticket(actor=desk.agent2, requester=desk.customer1, title=f"other {i}")
        actions.link(ticket, other, "related", actor=desk.agent2)
    return ticket


def test_detail_endpoints_queries_do_not_grow_with_the_ticket(api, desk, django_assert_max_num_queries):
    quiet, busy = busy_ticket(desk, 1), busy_ticket(desk, 12)
    client = api("agent2")
    client.get(f"tickets/{quiet.pk}")  # warm the cached reference data (transitions)
    for suffix in ("", "/comments", "/history", "/attachments", "/links", "/time-entries"):
        counts = []
        for ticket in (quiet, busy):
            with django_assert_max_num_queries(6):
                n, response = count_queries(client, f"tickets/{ticket.pk}{suffix}")
            counts.append(n)
        assert counts[0] == counts[1], (suffix, counts)
    assert len(client.get(f"tickets/{busy.pk}/comments").json_body) == 12
    assert len(client.get(f"tickets/{busy.pk}/links").json_body) == 12
    # And for a customer, who gets the filtered views.
    customer = api("customer1")
    customer.get("me")  # its token's first use is recorded (last_used_at): one write, not measured here
    for suffix in ("", "/comments", "/history", "/attachments", "/links"):
        assert count_queries(customer, f"tickets/{quiet.pk}{suffix}")[0] == \
            count_queries(customer, f"tickets/{busy.pk}{suffix}")[0], suffix


# ---------------------------------------------------------------------------------------------
# Attachments


def test_upload_and_download(api, desk, media):
    ticket = make_ticket(desk, Status.ACKNOWLEDGED)
    client = api("customer1")
    content = "截图 screenshot \x00\x01".encode()
    response = client.client.post(f"/api/v1/tickets/{ticket.pk}/attachments",
                                  {"file": upload("屏幕 截图.png", content, "image/png")})
    assert response.status_code == 201, response.content
    body = json.loads(response.content)
    assert (body["filename"], body["size"], body["content_type"], body["internal"]) == (
        "屏幕 截图.png", len(content), "image/png", False)
    assert body["uploaded_by"]["username"] == "customer1"
    attachment = Attachment.objects.get(pk=body["id"])
    assert attachment.ticket_id == ticket.pk
    assert stored_files(media) == [attachment.file.path]

    download = api("agent1").client.get(body["download_url"])
    assert download.status_code == 200
    assert b"".join(download.streaming_content) == content
    assert download["Content-Type"] == "image/png"
    assert download["Content-Disposition"].startswith("attachment;")
    assert download["X-Content-Type-Options"] == "nosniff"

    listed = client.get(f"tickets/{ticket.pk}/attachments").json_body
    assert [a["id"] for a in listed] == [body["id"]]
    assert [(h.event, h.new_value, h.actor.username, h.internal) for h in
            HistoryEntry.objects.filter(ticket=ticket, event="attachment_added")] == [
        ("attachment_added", "屏幕 截图.png", "customer1", False)]


def test_staff_upload_an_internal_file(api, desk):
    ticket = make_ticket(desk, Status.ACKNOWLEDGED)
    response = api("agent1").client.post(f"/api/v1/tickets/{ticket.pk}/attachments",
                                         {"file": upload("dump.txt", b"core"), "internal": "true"})
    assert response.status_code == 201
    assert json.loads(response.content)["internal"] is True
    assert api("customer1").get(f"tickets/{ticket.pk}/attachments").json_body == []


def test_an_oversize_upload_is_refused_and_nothing_is_stored(api, desk, settings, media):
    settings.SERVICEDESK_ATTACHMENT_MAX_BYTES = 10
    ticket = make_ticket(desk, Status.ACKNOWLEDGED)
    before = (history_count(ticket), fresh(ticket).version)
    response = api("customer1").client.post(f"/api/v1/tickets/{ticket.pk}/attachments",
                                            {"file": upload("big.bin", b"x" * 11)})
    assert response.status_code == 413
    assert json.loads(response.content)["message"]
    assert not Attachment.objects.exists()
    assert stored_files(media) == []
    assert (history_count(ticket), fresh(ticket).version) == before
    exact = api("customer1").client.post(f"/api/v1/tickets/{ticket.pk}/attachments",
                                         {"file": upload("ok.bin", b"x" * 10)})
    assert exact.status_code == 201


def test_an_oversize_file_with_a_comment_keeps_nothing(desk, settings, media):
    settings.SERVICEDESK_ATTACHMENT_MAX_BYTES = 10
    ticket = make_ticket(desk, Status.ACKNOWLEDGED)
    with pytest.raises(actions.ActionError):
        actions.add_comment(ticket, actor=desk.customer1, body="see file",
                            attachments=[upload("big", b"y" * 50)])
    assert not Comment.objects.filter(ticket=ticket).exists()
    assert not Attachment.objects.exists()
    assert stored_files(media) == []


def test_upload_needs_a_file(api, desk):
    ticket = make_ticket(desk, Status.ACKNOWLEDGED)
    response = api("customer1").client.post(f"/api/v1/tickets/{ticket.pk}/attachments", {})
    assert response.status_code == 422
    assert json.loads(response.content)["message"]


def test_a_customer_cannot_attach_to_a_closed_ticket(api, desk):
    ticket = make_ticket(desk, Status.CLOSED)
    response = api("customer1").client.post(f"/api/v1/tickets/{ticket.pk}/attachments",
                                            {"file": upload("late.txt", b"x")})
    assert response.status_code == 400
    assert not Attachment.objects.exists()


def test_download_of_a_missing_attachment_is_404_json(api, desk):
    response = api("agent1").get("tickets/attachments/999999/download")
    assert response.status_code == 404
    assert response.json_body["message"]


# ---------------------------------------------------------------------------------------------
# Time entries and watchers


def test_time_entries_for_staff(api, desk):
    ticket = make_ticket(desk, Status.IN_PROGRESS)
    created = api("agent2").post(f"tickets/{ticket.pk}/time-entries",
                                 {"minutes": 35, "note": "diagnosis", "spent_on": "2026-01-05"})
    assert created.status_code == 201, created.json_body
    assert (created.json_body["minutes"], created.json_body["note"], created.json_body["spent_on"],
            created.json_body["agent"]["username"]) == (35, "diagnosis", "2026-01-05", "agent2")
    api("lead1").post(f"tickets/{ticket.pk}/time-entries", {"minutes": 10})
    listed = api("manager").get(f"tickets/{ticket.pk}/time-entries").json_body
    assert [(e["agent"]["username"], e["minutes"]) for e in listed] == [("agent2", 35), ("lead1", 10)]
    assert listed[1]["spent_on"] == timezone.localdate().isoformat()
    entries = HistoryEntry.objects.filter(ticket=ticket, event="time_logged").order_by("id")
    assert [(h.new_value, h.internal, h.actor.username) for h in entries] == [
        ("35", True, "agent2"), ("10", True, "lead1")]


@pytest.mark.parametrize("minutes", [0, -5, 1441])
def test_time_entries_refuse_impossible_minutes(api, desk, minutes):
    ticket = make_ticket(desk, Status.IN_PROGRESS)
    response = api("agent2").post(f"tickets/{ticket.pk}/time-entries", {"minutes": minutes})
    assert response.status_code == 422
    assert response.json_body["message"]
    assert not TimeEntry.objects.exists()
    with pytest.raises(actions.ActionError):
        actions.log_time(ticket, actor=desk.agent2, minutes=minutes)


def test_time_entries_are_not_for_customers(api, desk):
    ticket = make_ticket(desk, Status.IN_PROGRESS)
    assert api("customer1").get(f"tickets/{ticket.pk}/time-entries").status_code == 403
    response = api("customer1").post(f"tickets/{ticket.pk}/time-entries", {"minutes": 10})
    assert response.status_code == 403
    assert response.json_body["message"]
    assert not TimeEntry.objects.exists()


def test_watchers(api, desk):
    ticket = make_ticket(desk, Status.ACKNOWLEDGED)
    added = api("agent1").post(f"tickets/{ticket.pk}/watchers", {"add": [desk.customer2.pk, desk.lead1.pk]})
    assert added.status_code == 200, added.json_body
    assert sorted(w["username"] for w in added.json_body) == ["customer2", "lead1"]
    removed = api("agent1").post(f"tickets/{ticket.pk}/watchers", {"remove": [desk.lead1.pk]})
    assert [w["username"] for w in removed.json_body] == ["customer2"]
    assert [(h.field, h.old_value, h.new_value) for h in HistoryEntry.objects.filter(ticket=ticket,
                                                                                     event="watchers")] == [
        ("watchers", "", "customer2, lead1"), ("watchers", "lead1", "")]
    assert set(fresh(ticket).watchers.all()) == {desk.customer2}


def test_customers_watch_only_for_themselves(api, desk):
    desk.customer1.organisation.customers_see_organisation_tickets = True
    desk.customer1.organisation.save()
    ticket = make_ticket(desk, Status.ACKNOWLEDGED)
    refused = api("customer1").post(f"tickets/{ticket.pk}/watchers", {"add": [desk.customer3.pk]})
    assert refused.status_code == 403
    assert refused.json_body["message"]
    assert not fresh(ticket).watchers.exists()
    mine = api("customer2").post(f"tickets/{ticket.pk}/watchers", {"add": [desk.customer2.pk]})
    assert mine.status_code == 200
    assert [w["username"] for w in mine.json_body] == ["customer2"]
    unknown = api("agent1").post(f"tickets/{ticket.pk}/watchers", {"add": [999999]})
    assert unknown.status_code == 400
    assert unknown.json_body["message"]


# ---------------------------------------------------------------------------------------------
# Authentication


def test_no_token_is_401_json(desk):
    for path in ("/api/v1/tickets", "/api/v1/me", "/api/v1/users"):
        response = Client().get(path)
        assert response.status_code == 401, path
        assert response["Content-Type"].startswith("application/json")
        assert json.loads(response.content)["message"]


@pytest.mark.parametrize("header", ["Bearer nope", "Bearer ", "Token sd_abc", "Bearer sd_" + "x" * 43])
def test_an_invalid_token_is_401(desk, header):
    response = Client(HTTP_AUTHORIZATION=header).get("/api/v1/tickets")
    assert response.status_code == 401
    assert json.loads(response.content)["message"]


def test_a_revoked_token_is_401(desk):
    token, raw = ApiToken.issue(desk.agent1)
    client = Client(HTTP_AUTHORIZATION=f"Bearer {raw}")
    assert client.get("/api/v1/me").status_code == 200
    ApiToken.objects.filter(pk=token.pk).update(revoked=True)
    response = client.get("/api/v1/me")
    assert response.status_code == 401
    assert json.loads(response.content)["message"]
    assert client.post("/api/v1/tickets", {"title": "x"}, content_type="application/json").status_code == 401
    assert not Ticket.objects.exists()


def test_a_disabled_users_token_is_401(desk):
    _, raw = ApiToken.issue(desk.agent1)
    User.objects.filter(pk=desk.agent1.pk).update(is_active=False)
    assert Client(HTTP_AUTHORIZATION=f"Bearer {raw}").get("/api/v1/me").status_code == 401


def test_issue_token_prints_a_working_token(desk):
    out = io.StringIO()
    call_command("issue-token", "agent1", "--name", "laptop", stdout=out)
    raw = out.getvalue().strip()
    assert raw.startswith("sd_")
    stored = ApiToken.objects.get(user=desk.agent1, name="laptop")
    assert stored.key_hash != raw and raw.startswith(stored.prefix)
    response = Client(HTTP_AUTHORIZATION=f"Bearer {raw}").get("/api/v1/me")
    assert response.status_code == 200
    assert json.loads(response.content)["username"] == "agent1"
    with pytest.raises(CommandError):
        call_command("issue-token", "nobody", stdout=io.StringIO())


def test_session_auth_works_for_reading(desk):
    client = Client()
    # The lockout backend (django-axes) counts attempts per request: a sign-in needs one.
    assert client.login(username="agent1", password=DEMO_PASSWORD, request=HttpRequest())
    response = client.get("/api/v1/me")
    assert response.status_code == 200
    assert json.loads(response.content)["username"] == "agent1"
    assert client.get("/api/v1/tickets").status_code == 200


def test_session_writes_need_the_csrf_token(desk):
    client = Client(enforce_csrf_checks=True)
    # The lockout backend (django-axes) counts attempts per request: a sign-in needs one.
    assert client.login(username="agent1", password=DEMO_PASSWORD, request=HttpRequest())
    payload = json.dumps({"title": "By session", "requester": desk.customer1.pk})
    refused = client.post("/api/v1/tickets", payload, content_type="application/json")
    assert refused.status_code == 403
    assert json.loads(refused.content)["message"]
    assert not Ticket.objects.exists()
    token = _get_new_csrf_string()
    client.cookies["csrftoken"] = token
    accepted = client.post("/api/v1/tickets", payload, content_type="application/json",
                           HTTP_X_CSRFTOKEN=token)
    assert accepted.status_code == 201, accepted.content
    assert Ticket.objects.get().owner == desk.agent1


def test_a_bearer_token_needs_no_csrf_token(desk):
    _, raw = ApiToken.issue(desk.agent1)
    client = Client(enforce_csrf_checks=True, HTTP_AUTHORIZATION=f"Bearer {raw}")
    response = client.post("/api/v1/tickets", json.dumps({"title": "x", "requester": desk.customer1.pk}),
                           content_type="application/json")
    assert response.status_code == 201


# ---------------------------------------------------------------------------------------------
# OpenAPI, /me, errors


def test_openapi_document_and_docs(desk):
    response = Client().get("/api/v1/openapi.json")
    assert response.status_code == 200
    document = json.loads(response.content)
    paths = document["paths"]
    for path in ("/api/v1/tickets", "/api/v1/tickets/{ticket_id}", "/api/v1/tickets/{ticket_id}/transitions",
                 "/api/v1/tickets/{ticket_id}/comments", "/api/v1/tickets/{ticket_id}/merge", "/api/v1/me"):
        assert path in paths, path
    assert {"get", "post"} <= set(paths["/api/v1/tickets"])
    assert "patch" in paths["/api/v1/tickets/{ticket_id}"]
    assert Client().get("/api/v1/docs").status_code == 200


def test_me_for_a_customer(api, desk):
    response = api("customer1").get("me")
    assert response.status_code == 200
    assert response.json_body == {
        "id": desk.customer1.pk, "username": "customer1", "name": desk.customer1.get_full_name(),
        "email": "customer1@example.com", "role": "customer",
        "organisation": {"id": desk.customer1.organisation_id, "name": "Organisation A"},
        "language": "zh-hans", "time_zone": "Asia/Shanghai", "groups": [],
    }


def test_me_for_an_agent_lists_their_groups(api, desk):
    groups = api("agent2").get("me").json_body["groups"]
    assert groups == sorted([desk.first_line.pk, desk.second_line.pk, desk.third_line.pk])
    assert api("lead1").get("me").json_body["groups"] == sorted([desk.first_line.pk, desk.second_line.pk])


def test_update_my_language_and_time_zone(api, desk):
    response = api("customer1").patch("me", {"language": "en", "time_zone": "Europe/Berlin"})
    assert response.status_code == 200
    assert (response.json_body["language"], response.json_body["time_zone"]) == ("en", "Europe/Berlin")
    me = User.objects.get(pk=desk.customer1.pk)
    assert (me.language, me.time_zone) == ("en", "Europe/Berlin")


@pytest.mark.parametrize("change", [{"time_zone": "Mars/Olympus_Mons"}, {"language": "tlh"},
                                   {"language": "en", "time_zone": "Nowhere"}])
def test_invalid_preferences_are_400_and_change_nothing(api, desk, change):
    response = api("customer1").patch("me", change)
    assert response.status_code == 400
    assert response.json_body["message"]
    me = User.objects.get(pk=desk.customer1.pk)
    assert (me.language, me.time_zone) == ("zh-hans", "Asia/Shanghai")


def test_customers_see_only_themselves_in_the_directory(api, desk):
    listed = api("customer1").get("users").json_body["items"]
    assert [u["username"] for u in listed] == ["customer1"]
    assert api("customer1").get(f"users/{desk.customer2.pk}").status_code == 404
    assert api("customer1").get("groups").status_code == 403
    assert len(api("agent1").get("users").json_body["items"]) == User.objects.count()


@pytest.mark.parametrize(("method", "path", "data", "status"), [
    ("get", "tickets/999999", None, 404),
    ("get", "tickets/999999/history", None, 404),
    ("patch", "tickets/999999", {"title": "x"}, 404),
    ("post", "tickets", {}, 422),
    ("post", "tickets", {"title": ""}, 422),
    ("post", "tickets", {"title": "x", "type": "bug"}, 422),
    ("post", "tickets", {"title": "x", "requester": 999999}, 400),
    ("post", "tickets", {"title": "x", "group": 999999}, 400),
    ("get", "tickets", {"limit": "many"}, 422),
    ("get", "users/999999", None, 404),
    ("get", "organisations/999999", None, 404),
])
def test_errors_are_json_with_a_message(api, desk, method, path, data, status):
    client = api("agent1")
    response = client.get(path, data) if method == "get" else getattr(client, method)(path, data)
    assert response.status_code == status, response.json_body
    assert response["Content-Type"].startswith("application/json")
    assert isinstance(response.json_body["message"], str) and response.json_body["message"]


def test_a_validation_error_says_which_field(api, desk):
    response = api("agent1").post("tickets", {"title": "x", "impact": 9})
    assert response.status_code == 422
    assert any("impact" in error["loc"] for error in response.json_body["errors"])


def test_errors_follow_the_requested_language(desk):
    # The wording is the translators' business; the API answers in JSON with the negotiated language.
    for language in ("zh-hans", "en"):
        response = Client(HTTP_ACCEPT_LANGUAGE=language).get("/api/v1/tickets")
        assert response.status_code == 401
        assert response["Content-Language"] == language
        assert json.loads(response.content)["message"]



def test_unknown_api_path_and_wrong_method_answer_json(api, desk):
    missing = api("agent1").get("no-such-thing")
    assert missing.status_code == 404
    assert missing["Content-Type"].startswith("application/json")
    assert missing.json_body["message"]
    ticket = api("agent1").post("tickets", {"title": "x", "requester": desk.customer1.pk}).json_body
    wrong = api("agent1").client.put(f"/api/v1/tickets/{ticket['id']}", data="{}", content_type="application/json")
    assert wrong.status_code == 405
    assert "PUT" in wrong.json()["message"]
    assert "PATCH" in wrong["Allow"]


def test_no_session_and_no_token_is_401_and_a_session_still_needs_its_csrf_token(desk):
    """A client with neither a session nor a valid token is not authenticated (401), whatever the method;
    a signed-in browser session writing without its CSRF token is refused (403)."""
    anonymous = Client(enforce_csrf_checks=True)
    for method in ("patch", "post", "delete"):
        response = getattr(anonymous, method)("/api/v1/me", data="{}", content_type="application/json")
        assert response.status_code in (401, 405), (method, response.status_code)
    assert anonymous.patch("/api/v1/me", data="{}", content_type="application/json").status_code == 401
    browser = Client(enforce_csrf_checks=True)
    browser.force_login(desk.agent1)
    refused = browser.patch("/api/v1/me", data='{"time_zone": "UTC"}', content_type="application/json")
    assert refused.status_code == 403
    assert browser.get("/api/v1/me").status_code == 200
