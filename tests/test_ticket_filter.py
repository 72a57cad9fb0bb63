"""The one ticket filter (servicedesk.tickets.filters): each parameter filters with a good value and is refused
with a message naming it and the value otherwise; the API's list, the console's queues, the search page and
saved views refuse the same bad filter with the same message."""

import datetime
import html

import pytest
from django.http import QueryDict
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from servicedesk.console.models import SavedView
from servicedesk.sla import tracking
from servicedesk.sla.models import Calendar, SlaPolicy, SlaTarget
from servicedesk.tickets import actions
from servicedesk.tickets import filters as ticket_filters
from servicedesk.tickets.models import Category, Ticket

FUTURE = (timezone.now() + datetime.timedelta(days=400)).isoformat()


@pytest.fixture
def tickets(desk):
    printer = Category.objects.get(name="Printer fault")
    a = actions.create_ticket(actor=desk.agent1, requester=desk.customer2, title="Printer jam", channel="phone",
                              group=desk.first_line, assignee=desk.agent1, impact=1, urgency=1, category=printer)
    b = actions.create_ticket(actor=desk.agent1, requester=desk.customer3, title="Need a laptop", channel="phone",
                              type="service_request")
    c = actions.create_ticket(actor=desk.customer1, requester=desk.customer1, title="VPN drops", channel="portal")
    actions.transition(a, "start", actor=desk.agent1)
    return {"a": a, "b": b, "c": c, "printer": printer}


def filtered(params: dict, user) -> set[str]:
    query = QueryDict(mutable=True)
    for name, value in params.items():
        query.setlist(name, value if isinstance(value, list) else [value])
    chosen = ticket_filters.parse(query)
    return {t.title for t in chosen.apply(Ticket.objects.all(), user)}


def refusal(params: dict) -> ticket_filters.FilterError:
    with pytest.raises(ticket_filters.FilterError) as caught:
        filtered(params, None)
    return caught.value


GOOD = [
    ({}, {"Printer jam", "Need a laptop", "VPN drops"}),
    ({"status": "new"}, {"Need a laptop", "VPN drops"}),
    ({"status": "open"}, {"Printer jam", "Need a laptop", "VPN drops"}),
    ({"status": "in_progress,closed"}, {"Printer jam"}),
    ({"status": ["new", "in_progress"]}, {"Printer jam", "Need a laptop", "VPN drops"}),
    ({"type": "service_request"}, {"Need a laptop"}),
    ({"priority": "1"}, {"Printer jam"}),
    ({"priority": "critical"}, {"Printer jam"}),
    ({"assignee": "me"}, {"Printer jam"}),
    ({"assignee": "none"}, {"Need a laptop", "VPN drops"}),
    ({"owner": "none"}, {"VPN drops"}),
    ({"channel": "portal"}, {"VPN drops"}),
    ({"channel": "portal,phone"}, {"Printer jam", "Need a laptop", "VPN drops"}),
    ({"q": "laptop"}, {"Need a laptop"}),
    ({"breached": "false"}, {"Printer jam", "Need a laptop", "VPN drops"}),
    ({"due_before": "2000-01-01T00:00:00+00:00"}, set()),
    ({"status": "", "assignee": " ", "ordering": ""}, {"Printer jam", "Need a laptop", "VPN drops"}),
]


@pytest.mark.parametrize(("params", "titles"), GOOD)
def test_good_values_filter(desk, tickets, params, titles):
    assert filtered(params, desk.agent1) == titles


def test_ids_filter(desk, tickets):
    agent1 = desk.agent1
    assert filtered({"group": str(desk.first_line.pk)}, agent1) == {"Printer jam"}
    assert filtered({"assignee": str(agent1.pk)}, agent1) == {"Printer jam"}
    assert filtered({"requester": str(desk.customer3.pk)}, agent1) == {"Need a laptop"}
    assert filtered({"requester": "me"}, desk.customer1) == {"VPN drops"}
    assert filtered({"category": str(tickets["printer"].parent_id)}, agent1) == {"Printer jam"}  # and its children
    assert filtered({"organisation": str(desk.customer3.organisation_id)}, agent1) == {"Need a laptop"}


def test_clock_filters_and_the_due_ordering(desk, tickets):
    SlaPolicy.objects.update(is_active=False)
    calendar = Calendar.objects.create(name="Always", time_zone="UTC",
                                       weekly={str(day): [["00:00", "00:00"]] for day in range(7)})
    SlaPolicy.objects.create(name="Round the clock", calendar=calendar, first_response_minutes=60,
                             resolution_minutes=240)
    clocked = actions.create_ticket(actor=desk.customer1, requester=desk.customer1, title="Clocked")
    tracking.recompute_ticket(clocked.pk)
    assert filtered({"due_before": FUTURE}, desk.agent1) == {"Clocked"}
    assert filtered({"breached": "true"}, desk.agent1) == set()
    SlaTarget.objects.filter(ticket=clocked).update(breached=True)
    assert filtered({"breached": "yes"}, desk.agent1) == {"Clocked"}
    assert "Clocked" not in filtered({"breached": "0"}, desk.agent1)
    chosen = ticket_filters.parse(QueryDict("ordering=-due_at"))
    assert (chosen.field, chosen.descending, chosen.nulls_last) == ("next_due", True, True)
    rows = list(chosen.apply(Ticket.objects.all(), desk.agent1).values(*chosen.columns("title")))
    assert {row["title"] for row in rows if row["next_due"]} == {"Clocked"}


BAD = [
    ({"status": "lost"}, "status", "lost"),
    ({"status": "new,lost"}, "status", "lost"),
    ({"type": "bug"}, "type", "bug"),
    ({"priority": "9"}, "priority", "9"),
    ({"priority": "urgent"}, "priority", "urgent"),
    ({"group": "first"}, "group", "first"),
    ({"group": "99999999999999999999"}, "group", "99999999999999999999"),
    ({"assignee": "someone"}, "assignee", "someone"),
    ({"owner": "-1"}, "owner", "-1"),
    ({"requester": "²"}, "requester", "²"),
    ({"category": "x"}, "category", "x"),
    ({"organisation": "1.5"}, "organisation", "1.5"),
    ({"channel": "fax"}, "channel", "fax"),
    ({"breached": "maybe"}, "breached", "maybe"),
    ({"due_before": "2026-01-31T18:00:00"}, "due_before", "2026-01-31T18:00:00"),  # no time zone
    ({"due_before": "tomorrow"}, "due_before", "tomorrow"),
    ({"ordering": "title"}, "ordering", "title"),
]


@pytest.mark.parametrize(("params", "name", "value"), BAD)
def test_bad_values_are_refused_naming_the_parameter_and_value(db, params, name, value):
    error = refusal(params)
    assert (error.name, error.value) == (name, value)
    assert f"“{name}”" in error.message and f"“{value}”" in error.message


def test_a_long_bad_value_is_shortened_in_the_message(db):
    error = refusal({"channel": "x" * 5000})
    assert len(error.message) < 300 and error.value == "x" * 5000


def signed_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


SAME = [
    {"status": "lost"}, {"priority": "x"}, {"group": "abc"}, {"assignee": "someone"}, {"category": "0"},
    {"organisation": "99999999999999999999"}, {"type": "bug"}, {"channel": "fax"}, {"ordering": "title"},
    {"breached": "maybe"}, {"due_before": "tomorrow"},
]


@pytest.mark.parametrize("params", SAME)
@pytest.mark.parametrize("username", ["agent1", "manager"])  # English and Chinese
def test_api_and_console_refuse_the_same_bad_filter_the_same_way(api, desk, tickets, params, username):
    user = desk.users[username]
    # A token's requests speak the Accept-Language; the screens the user's saved language.
    answer = api(username).get("tickets", params, HTTP_ACCEPT_LANGUAGE=user.language)
    assert answer.status_code == 422
    message = answer.json_body["message"]
    name = next(iter(params))
    assert name in message

    page = signed_in(user).get("/console/queues/recent/", params)
    assert page.status_code == 400
    assert html.escape(message) in page.content.decode()
    assert page.context["rows"] == []  # refused, not a list that only looks filtered

    search = signed_in(user).get(reverse("console:search"), {"q": "printer", **params})
    assert search.status_code == 400 and html.escape(message) in search.content.decode()


def test_the_message_is_translated(api, desk, tickets):
    message = api("manager").get("tickets", {"status": "lost"}, HTTP_ACCEPT_LANGUAGE="zh-hans").json_body["message"]
    assert "status" in message and "lost" in message and "不是" in message


def test_good_filters_still_list_on_every_surface(api, desk, tickets):
    params = {"status": "open", "priority": "critical", "assignee": "me"}
    assert [t["title"] for t in api("agent1").get("tickets", params).json_body["items"]] == ["Printer jam"]
    page = signed_in(desk.agent1).get("/console/queues/recent/", params)
    assert page.status_code == 200 and tickets["a"].number in page.content.decode()
    search = signed_in(desk.agent1).get(reverse("console:search"), {"q": "printer", "status": "closed"})
    assert search.status_code == 200 and tickets["a"].number not in search.content.decode()


def test_a_saved_view_with_a_bad_filter_is_not_saved(desk, tickets):
    client = signed_in(desk.agent1)
    response = client.post("/console/views/save/", {"name": "Lost", "queue": "mine", "query": "status=lost"},
                           follow=True)
    expected = refusal({"status": "lost"}).message
    assert html.escape(expected) in response.content.decode()
    assert not SavedView.objects.exists()
    client.post("/console/views/save/", {"name": "Owned", "queue": "mine", "query": "owner=me&ordering=due_at"})
    assert SavedView.objects.get().query == "owner=me&ordering=due_at"


def test_the_console_pages_by_the_due_ordering_too(desk, tickets):
    page = signed_in(desk.agent1).get("/console/queues/recent/", {"ordering": "due_at"})
    assert page.status_code == 200
    body = page.content.decode()
    assert all(tickets[k].number in body for k in "abc")
