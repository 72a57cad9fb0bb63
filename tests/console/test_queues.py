"""The console's queues: who sees what, filters, search, sorting, keyset paging, bounded counts,
saved views and a constant number of queries however many tickets there are."""

import html
import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from servicedesk.console import queue_defs, queue_views, sidebar
from servicedesk.console.models import SavedView
from servicedesk.tickets import actions
from servicedesk.tickets.models import Category, Status, Ticket

NUMBER = re.compile(r">(SD-\d{6})</a></td>")


def numbers(response) -> list[str]:
    """The ticket numbers of the rows shown, in order."""
    return NUMBER.findall(response.content.decode())


def intake(desk, title="Printer jam", requester=None, **kwargs) -> Ticket:
    """A customer's portal ticket: no group yet, status new."""
    requester = requester or desk.customer1
    return actions.create_ticket(actor=requester, requester=requester, title=title, channel="portal",
                                 **kwargs)


def logged(desk, agent, title="Phone call", group=None, assignee=None, **kwargs) -> Ticket:
    """A ticket an agent recorded (they own it), optionally routed."""
    return actions.create_ticket(actor=agent, requester=kwargs.pop("requester", desk.customer2), title=title,
                                 channel="phone", group=group, assignee=assignee, **kwargs)


@pytest.fixture
def agent1(client, desk):
    client.force_login(desk.agent1)
    return client


# ---------------------------------------------------------------------------------------------
# Access


@pytest.mark.django_db
def test_customers_go_to_the_portal_and_strangers_sign_in(client, desk):
    assert client.get("/console/").url.startswith("/login/")
    client.force_login(desk.customer1)
    for url in ("/console/", "/console/queues/mine/", "/console/quick-log/"):
        response = client.get(url)
        assert response.status_code == 302 and response.url == "/portal/", url


def test_home_redirects_to_the_default_queue(agent1):
    response = agent1.get("/console/")
    assert response.status_code == 302 and response.url == "/console/queues/mine/"


def test_unknown_queue_is_404(agent1):
    assert agent1.get("/console/queues/nope/").status_code == 404


# ---------------------------------------------------------------------------------------------
# Each queue shows its tickets and no others


def test_my_tickets(agent1, desk):
    mine = logged(desk, desk.agent1, "Mine", group=desk.first_line, assignee=desk.agent1)
    theirs = logged(desk, desk.agent1, "Theirs", group=desk.first_line, assignee=desk.agent2)
    done = logged(desk, desk.agent1, "Done", group=desk.first_line, assignee=desk.agent1)
    actions.transition(done, "resolve", actor=desk.agent1, comment="Fixed.")
    shown = numbers(agent1.get("/console/queues/mine/"))
    assert shown == [mine.number]
    assert theirs.number not in shown and done.number not in shown


def test_tickets_i_own(agent1, desk):
    own = logged(desk, desk.agent1, "I took this call")
    routed = logged(desk, desk.agent1, "I routed this one", group=desk.third_line)
    other = logged(desk, desk.agent2, "agent2 took this call")
    shown = numbers(agent1.get("/console/queues/owned/"))
    assert set(shown) == {own.number, routed.number}  # owners follow up to the end, even when routed away
    assert other.number not in shown


def test_my_groups_and_an_agent_outside_a_group_sees_none_of_its_tickets(client, desk):
    first = logged(desk, desk.agent2, "1st line", group=desk.first_line)
    # Owned by the manager: agent2 sees them as a 3rd-line member, agent1 (1st line) has no part in them.
    third = logged(desk, desk.manager, "3rd line", group=desk.third_line)
    third_closed = logged(desk, desk.manager, "3rd line, done", group=desk.third_line)
    actions.transition(third_closed, "resolve", actor=desk.manager, comment="Fixed.")
    client.force_login(desk.agent1)
    for slug in ("groups", "unassigned", "recent", "mine", "owned"):
        shown = numbers(client.get(f"/console/queues/{slug}/"))
        assert third.number not in shown and third_closed.number not in shown, slug
    assert numbers(client.get("/console/queues/groups/")) == [first.number]
    client.force_login(desk.agent2)
    assert set(numbers(client.get("/console/queues/groups/"))) == {first.number, third.number}


def test_unassigned_has_my_groups_unassigned_and_the_unrouted_intake(client, desk):
    new = intake(desk, "Intake new")
    acknowledged = intake(desk, "Intake acknowledged")
    actions.transition(acknowledged, "acknowledge", actor=desk.agent1)
    group_only = logged(desk, desk.agent1, "1st line, nobody yet", group=desk.first_line)
    with_person = logged(desk, desk.agent1, "1st line, agent1", group=desk.first_line, assignee=desk.agent1)
    other_group = logged(desk, desk.agent2, "3rd line, nobody yet", group=desk.third_line)
    client.force_login(desk.agent1)
    shown = set(numbers(client.get("/console/queues/unassigned/")))
    assert shown == {new.number, acknowledged.number, group_only.number}
    assert with_person.number not in shown and other_group.number not in shown
    client.force_login(desk.agent2)
    assert other_group.number in numbers(client.get("/console/queues/unassigned/"))


def test_all_open_is_for_leads_and_managers(client, desk):
    open_one = logged(desk, desk.agent2, "3rd line", group=desk.third_line)
    closed = intake(desk, "Closed")
    actions.transition(closed, "resolve", actor=desk.agent1, comment="Fixed.")
    actions.transition(closed, "close", actor=desk.agent1)
    client.force_login(desk.agent1)
    assert client.get("/console/queues/all/").status_code == 404
    assert 'data-queue="all"' not in client.get("/console/queues/mine/").content.decode()
    client.force_login(desk.lead1)
    assert 'data-queue="all"' in client.get("/console/queues/mine/").content.decode()
    client.force_login(desk.manager)
    shown = numbers(client.get("/console/queues/all/"))
    assert open_one.number in shown and closed.number not in shown


def test_recently_updated_shows_every_visible_ticket_newest_activity_first(agent1, desk):
    a = intake(desk, "A")
    b = intake(desk, "B")
    actions.transition(a, "resolve", actor=desk.agent1, comment="Fixed.")  # resolved, and now the latest change
    assert numbers(agent1.get("/console/queues/recent/")) == [a.number, b.number]


def test_rows_show_the_columns(agent1, desk):
    category = Category.objects.get(name="Printer fault")
    ticket = logged(desk, desk.agent1, "Toner everywhere", group=desk.first_line, assignee=desk.agent1,
                    category=category, impact=1, urgency=1)
    body = agent1.get("/console/queues/mine/").content.decode()
    assert f'href="/console/tickets/{ticket.number}/"' in body
    assert "Toner everywhere" in body and "Grace Hopper" in body and "Alex Chen" in body
    assert 'class="badge status-assigned"' in body and 'class="badge prio-1"' in body
    assert "Printing / Printer fault" in body and "Service Desk (1st line)" in body


def test_times_are_shown_in_the_users_time_zone(client, desk):
    ticket = intake(desk)
    desk.agent1.time_zone = "Asia/Shanghai"
    desk.agent1.save()
    client.force_login(desk.agent1)
    body = client.get("/console/queues/unassigned/").content.decode()
    local = ticket.updated_at.astimezone(__import__("zoneinfo").ZoneInfo("Asia/Shanghai"))
    assert local.strftime("%Y-%m-%d %H:%M") in body


# ---------------------------------------------------------------------------------------------
# Filters, search, sorting


def test_filters(agent1, desk):
    vpn = Category.objects.get(name="Cannot connect")  # under Network / VPN, default group 2nd line
    printer = Category.objects.get(name="Printer fault")
    a = logged(desk, desk.agent1, "A", group=desk.first_line, assignee=desk.agent1, impact=1, urgency=1,
               category=printer, type="incident")
    b = logged(desk, desk.agent1, "B", type="service_request", requester=desk.customer3)
    c = intake(desk, "C", category=vpn)
    d = logged(desk, desk.agent1, "D", group=desk.first_line)
    actions.transition(d, "start", actor=desk.agent1)
    url = "/console/queues/recent/"

    def shown(**params):
        return set(numbers(agent1.get(url, params)))

    assert shown() == {a.number, b.number, c.number, d.number}
    assert shown(status="new") == {b.number, c.number}
    assert shown(status="in_progress") == {d.number}
    assert shown(status="new,in_progress") == {b.number, c.number, d.number}
    assert shown(type="service_request") == {b.number}
    assert shown(priority="1") == {a.number}
    assert shown(group=str(desk.first_line.pk)) == {a.number, d.number}
    assert shown(assignee="me") == {a.number, d.number}
    assert shown(assignee="none") == {b.number, c.number}
    assert shown(assignee=str(desk.agent2.pk)) == set()
    assert shown(category=str(printer.pk)) == {a.number}
    assert shown(category=str(printer.parent_id)) == {a.number}  # a category includes its subcategories
    assert shown(channel="portal") == {c.number}
    assert shown(channel="phone") == {a.number, b.number, d.number}
    assert shown(organisation=str(desk.customer3.organisation_id)) == {b.number}
    assert shown(status="open", priority="1", assignee="me") == {a.number}
    assert agent1.get(url, {"status": "bogus", "priority": "x"}).status_code == 400  # refused, not ignored


def test_filter_form_keeps_the_choices(agent1, desk):
    body = agent1.get("/console/queues/recent/", {"status": "pending", "type": "complaint"}).content.decode()
    assert '<option value="pending" selected>' in body and '<option value="complaint" selected>' in body
    assert 'for="f-status"' in body and 'id="f-status"' in body


def test_search(agent1, desk):
    a = intake(desk, "VPN drops every hour", description="Since Monday")
    b = intake(desk, "Printer jam", description="The vpn client is fine")
    c = intake(desk, "Mailbox full")
    url = "/console/queues/recent/"
    assert set(numbers(agent1.get(url, {"q": "vpn"}))) == {a.number, b.number}
    assert numbers(agent1.get(url, {"q": c.number})) == [c.number]
    assert numbers(agent1.get(url, {"q": c.number.lower()})) == [c.number]
    assert numbers(agent1.get(url, {"q": "nothing like this"})) == []
    body = agent1.get(url, {"q": "vpn"}).content.decode()
    assert 'data-shortcut="search"' in body and 'value="vpn"' in body


def test_sorting(agent1, desk):
    low = intake(desk, "Low", impact=3, urgency=3)
    high = intake(desk, "High", impact=1, urgency=1)
    mid = intake(desk, "Mid")
    url = "/console/queues/recent/"
    assert numbers(agent1.get(url, {"ordering": "priority"})) == [high.number, mid.number, low.number]
    assert numbers(agent1.get(url, {"ordering": "-priority"})) == [low.number, mid.number, high.number]
    assert numbers(agent1.get(url, {"ordering": "number"})) == [low.number, high.number, mid.number]
    assert numbers(agent1.get(url, {"ordering": "-number"})) == [mid.number, high.number, low.number]
    assert numbers(agent1.get(url, {"ordering": "created_at"})) == [low.number, high.number, mid.number]
    actions.transition(low, "acknowledge", actor=desk.agent1)
    assert numbers(agent1.get(url))[0] == low.number  # default: latest activity first
    assert numbers(agent1.get(url, {"ordering": "updated_at"}))[-1] == low.number
    refused = agent1.get(url, {"ordering": "drop table"})
    assert refused.status_code == 400 and numbers(refused) == []
    body = agent1.get(url, {"ordering": "priority"}).content.decode()
    assert 'aria-sort="ascending"' in body and "ordering=-priority" in body  # the header flips it


@pytest.mark.parametrize("ordering", ["-updated_at", "priority", "-priority", "number", "created_at"])
def test_keyset_paging_walks_every_row_once_both_ways(agent1, desk, monkeypatch, ordering):
    monkeypatch.setattr(queue_views, "PAGE_SIZE", 4)
    made = [intake(desk, f"T{i}", impact=1 + i % 3, urgency=2).number for i in range(15)]
    url = "/console/queues/recent/"
    response = agent1.get(url, {"ordering": ordering})
    pages = [numbers(response)]
    assert 'rel="prev"' not in response.content.decode()
    while response.context["next_url"]:
        assert 'rel="next"' in response.content.decode()
        assert "after=" in response.context["next_url"] and "offset" not in response.context["next_url"]
        response = agent1.get(url + html.unescape(response.context["next_url"]))
        pages.append(numbers(response))
    walked = [n for page in pages for n in page]
    assert sorted(walked) == sorted(made) and len(walked) == len(set(walked)) == 15
    assert [len(p) for p in pages] == [4, 4, 4, 3]
    assert 'rel="next"' not in response.content.decode()
    back = [numbers(response)]
    while response.context["prev_url"]:
        response = agent1.get(url + response.context["prev_url"])
        back.insert(0, numbers(response))
    assert back == pages


def test_a_spoilt_cursor_shows_the_first_page(agent1, desk):
    ticket = intake(desk)
    response = agent1.get("/console/queues/recent/", {"after": "not-a-cursor"})
    assert response.status_code == 400 and numbers(response) == [ticket.number]
    assert "no longer valid" in response.content.decode()


# ---------------------------------------------------------------------------------------------
# Sidebar counts


def sidebar_counts(client) -> dict[str, str]:
    """The counts the sidebar fetches after the page (HTMX)."""
    response = client.get("/console/queue-counts/")
    assert response.status_code == 200
    return dict(response.context["counts"])


def test_sidebar_counts(agent1, desk):
    for i in range(3):
        intake(desk, f"Intake {i}")
    logged(desk, desk.agent1, "Mine", group=desk.first_line, assignee=desk.agent1)
    page = agent1.get("/console/queues/mine/").content.decode()
    assert 'hx-get="/console/queue-counts/"' in page and 'id="queue-count-mine"' in page
    counts = sidebar_counts(agent1)
    assert counts == {"mine": "1", "owned": "1", "groups": "1", "unassigned": "3", "unowned": "0", "recent": "4",
                      "breaching": "0"}


def test_sidebar_counts_are_bounded(agent1, desk, monkeypatch):
    monkeypatch.setattr(sidebar, "COUNT_CAP", 5)
    for i in range(7):
        intake(desk, f"Intake {i}")
    counts = sidebar_counts(agent1)
    assert counts["unassigned"] == "5+" and counts["recent"] == "5+" and counts["mine"] == "0"
    fragment = agent1.get("/console/queue-counts/").content.decode()
    assert 'id="queue-count-unassigned" hx-swap-oob="true"' in fragment and ">5+</span>" in fragment
    with CaptureQueriesContext(connection) as captured:
        sidebar.bounded_count(Ticket.objects.all())
    assert len(captured) == 1 and "LIMIT 6" in captured[0]["sql"].upper()


def test_default_cap_shows_1000_plus(monkeypatch):
    class Fake:
        def order_by(self):
            return self

        def values(self, *args):
            return self

        def __getitem__(self, item):
            assert item == slice(None, 1001)
            return self

        def count(self):
            return 1001

    assert sidebar.count_label(Fake()) == "1000+"


# ---------------------------------------------------------------------------------------------
# A queue of many tickets costs the same queries as a queue of few


def page_queries(client, url) -> int:
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
    assert response.status_code == 200
    return len(captured)


@pytest.mark.parametrize("username", ["agent1", "manager"])
def test_query_count_does_not_grow_with_the_queue(client, desk, django_assert_max_num_queries, username):
    category = Category.objects.get(name="Printer fault")
    make = [lambda i: intake(desk, f"Intake {i}", category=category),
            lambda i: logged(desk, desk.agent1, f"Routed {i}", group=desk.first_line, assignee=desk.agent1,
                             category=category)]
    for i in range(5):
        make[i % 2](i)
    user = desk.users[username]
    client.force_login(user)
    SavedView.objects.create(user=user, name="Critical", queue="recent", query="priority=1")
    client.get("/console/queues/recent/?status=open")  # warm the session and caches
    few = page_queries(client, "/console/queues/recent/?status=open")
    for i in range(5, 80):
        make[i % 2](i)
    # A constant, never one per ticket: session, user, groups, the page's rows, their people and
    # clocks, the saved views. The sidebar counts come after the page: one query per queue branch
    # (at most the five open statuses of "All open", one per group, plus the intake).
    with django_assert_max_num_queries(10):
        client.get("/console/queues/recent/?status=open")
    many = page_queries(client, "/console/queues/recent/?status=open")
    assert many == few
    with django_assert_max_num_queries(16):
        client.get("/console/queue-counts/")
    response = client.get("/console/queues/recent/")
    assert len(numbers(response)) == 50 and response.context["next_url"]


# ---------------------------------------------------------------------------------------------
# Saved views


def test_save_open_and_delete_a_view(client, desk):
    high = intake(desk, "High", impact=1, urgency=1)
    low = intake(desk, "Low", impact=3, urgency=3)
    client.force_login(desk.agent1)
    response = client.post("/console/views/save/", {
        "name": "  Critical   intake ", "queue": "unassigned",
        "query": "priority=1&ordering=-priority&after=abc&evil=1",
    })
    view = SavedView.objects.get(user=desk.agent1)
    assert view.name == "Critical intake" and view.queue == "unassigned"
    assert view.query == "priority=1&ordering=-priority"
    assert response.status_code == 302
    assert response.url == f"/console/queues/unassigned/?{view.query}&view={view.pk}"

    response = client.get(response.url)
    assert numbers(response) == [high.number] and low.number not in numbers(response)
    body = response.content.decode()
    assert "<h1>Critical intake" in body
    assert f'data-view="{view.pk}"' in body and 'aria-current="page" data-view' in body

    # Another agent neither sees nor deletes it.
    client.force_login(desk.agent2)
    assert f'data-view="{view.pk}"' not in client.get("/console/queues/mine/").content.decode()
    assert client.post(f"/console/views/{view.pk}/delete/").status_code == 404
    assert client.get(f"/console/queues/unassigned/?view={view.pk}").context["saved_view"] is None

    client.force_login(desk.agent1)
    response = client.post(f"/console/views/{view.pk}/delete/")
    assert response.status_code == 302 and response.url == "/console/queues/unassigned/"
    assert not SavedView.objects.exists()


def test_saving_under_the_same_name_updates_the_view(client, desk):
    client.force_login(desk.agent1)
    client.post("/console/views/save/", {"name": "Mine", "queue": "mine", "query": "priority=1"})
    client.post("/console/views/save/", {"name": "Mine", "queue": "groups", "query": "priority=2"})
    view = SavedView.objects.get()
    assert (view.queue, view.query) == ("groups", "priority=2")


def test_the_save_form_carries_the_current_filters(client, desk):
    client.force_login(desk.agent1)
    body = client.get("/console/queues/groups/", {"priority": "2", "q": "vpn", "ordering": "priority",
                                                   "after": "x"}).content.decode()
    assert 'name="query" value="q=vpn&amp;priority=2&amp;ordering=priority"' in body
    assert 'name="queue" value="groups"' in body


def test_saved_views_need_a_name_and_an_allowed_queue(client, desk):
    client.force_login(desk.agent1)
    response = client.post("/console/views/save/", {"name": " ", "queue": "mine", "query": ""}, follow=True)
    assert "Give the view a name" in response.content.decode()
    assert client.post("/console/views/save/", {"name": "All", "queue": "all"}).status_code == 404
    assert client.get("/console/views/save/").status_code == 405
    assert not SavedView.objects.exists()


def test_saved_views_are_listed_in_the_sidebar(client, desk):
    SavedView.objects.create(user=desk.agent1, name="Printer woes", queue="groups", query="q=printer")
    SavedView.objects.create(user=desk.agent1, name="Hidden", queue="all")  # agent1 cannot open "all"
    client.force_login(desk.agent1)
    body = client.get("/console/queues/mine/").content.decode()
    assert "Printer woes" in body and "/console/queues/groups/?q=printer&amp;view=" in body
    assert "Hidden" not in body


def test_closed_statuses_are_not_in_open_queues(agent1, desk):
    ticket = logged(desk, desk.agent1, "Solved", group=desk.first_line, assignee=desk.agent1)
    actions.transition(ticket, "resolve", actor=desk.agent1, comment="Fixed.")
    assert Ticket.objects.get(pk=ticket.pk).status == Status.RESOLVED
    for slug in ("mine", "owned", "groups", "unassigned"):
        assert ticket.number not in numbers(agent1.get(f"/console/queues/{slug}/")), slug


# ---------------------------------------------------------------------------------------------
# Queues read as branches (one per group / the intake / each open status), merged per page


def walk(client, url) -> tuple[list[str], list[str]]:
    """Every page forward by rel=next, then back by rel=prev from the last page."""
    forward, pages = [], []
    path = url.split("?")[0]  # rel links carry the whole query string
    response = client.get(url)
    while True:
        pages.append(numbers(response))
        forward += pages[-1]
        if not response.context["next_url"]:
            break
        response = client.get(path + response.context["next_url"])
    backward = []
    while response.context["prev_url"]:
        response = client.get(path + response.context["prev_url"])
        backward = numbers(response) + backward
    return forward, backward + pages[-1]


@pytest.mark.parametrize("slug", ["groups", "unassigned"])
def test_branch_queues_page_in_one_order_across_groups(client, desk, monkeypatch, slug):
    """agent2 works in two groups: the pages interleave both groups' (and the intake's) tickets
    in updated order, with nothing lost or repeated, forward and back."""
    monkeypatch.setattr(queue_views, "PAGE_SIZE", 3)
    groups = [desk.second_line, desk.third_line]
    for i in range(11):
        if i % 3 == 2:
            intake(desk, f"Intake {i}")
        else:
            logged(desk, desk.agent1, f"Routed {i}", group=groups[i % 2])
    client.force_login(desk.agent2)
    url = f"/console/queues/{slug}/"
    forward, backward = walk(client, url)
    expected = list(queue_defs.get_queue(desk.agent2, slug).tickets(desk.agent2)
                    .order_by("-updated_at", "-id").values_list("number", flat=True))
    assert forward == expected and backward == expected
    assert len(expected) == (11 if slug == "unassigned" else 8)
    for ordering in ("number", "priority"):
        forward, _ = walk(client, f"{url}?ordering={ordering}")
        assert forward == list(queue_defs.get_queue(desk.agent2, slug).tickets(desk.agent2)
                               .order_by(ordering, "id").values_list("number", flat=True))


def test_all_open_reads_each_status_and_counts_add_up(client, desk, monkeypatch):
    from tests.console.ticketing import make_ticket

    monkeypatch.setattr(queue_views, "PAGE_SIZE", 4)
    for i, status in enumerate([Status.NEW, Status.ACKNOWLEDGED, Status.ASSIGNED, Status.IN_PROGRESS,
                                Status.PENDING, Status.RESOLVED, Status.NEW, Status.ASSIGNED]):
        make_ticket(desk, status, title=f"T{i}")
    client.force_login(desk.lead1)
    forward, backward = walk(client, "/console/queues/all/")
    expected = list(Ticket.objects.exclude(status=Status.RESOLVED).order_by("-updated_at", "-id")
                    .values_list("number", flat=True))
    assert forward == expected == backward and len(expected) == 7
    assert sidebar_counts(client)["all"] == "7"


def test_bounded_count_over_branches_caps_the_sum(desk, monkeypatch):
    monkeypatch.setattr(sidebar, "COUNT_CAP", 4)
    for i in range(3):
        intake(desk, f"Intake {i}")
        logged(desk, desk.agent1, f"Routed {i}", group=desk.first_line)
    branches = queue_defs.get_queue(desk.agent1, "unassigned").querysets(desk.agent1)
    assert len(branches) == 2
    assert sidebar.count_label(branches) == "4+"
    monkeypatch.setattr(sidebar, "COUNT_CAP", 6)
    assert sidebar.count_label(branches) == "6"


def test_filter_lists_are_cached_and_follow_changes(agent1, desk, django_assert_num_queries):
    from servicedesk.accounts.models import Group

    first = agent1.get("/console/queues/mine/").content.decode()
    assert "Hardware supplier" in first and "Printer team" not in first
    Group.objects.create(name="Printer team")
    assert "Printer team" in agent1.get("/console/queues/mine/").content.decode()
    # The selection is part of the cached fragment: the chosen option is marked.
    group = desk.second_line.pk
    body = agent1.get(f"/console/queues/mine/?group={group}").content.decode()
    assert f'<option value="{group}" selected>' in body
    assert f'<option value="{group}" selected>' not in agent1.get("/console/queues/mine/").content.decode()
