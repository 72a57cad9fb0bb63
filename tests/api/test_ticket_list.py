"""The ticket list: filters, keyset pagination, and query counts that do not grow with the page."""

import base64
import datetime
import json

import pytest
from django.utils import timezone

from servicedesk.accounts.models import User
from servicedesk.tickets import actions
from servicedesk.tickets.models import (
    Category,
    Comment,
    Status,
    Ticket,
    TicketType,
)
from tests.api.helpers import count_queries, ids, upload
from tests.tickets.lifecycle import fresh, make_ticket


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
