"""SLA clocks in the API: each ticket's clocks (detail, list, /clocks) for staff and customers, the
breached / due_before filters and the due ordering with pagination, the calendars and policies
(staff read, administrators write), and impact / urgency / priority by name."""

import random
from datetime import UTC, datetime, timedelta

import pytest
from django.utils import timezone

from servicedesk.api.serialize import _business_time_to
from servicedesk.core import appendonly, audit
from servicedesk.sla import tracking
from servicedesk.sla.clock import BusinessCalendar
from servicedesk.sla.models import Calendar, CalendarDay, ClockRebuild, OlaTarget, SlaPolicy
from servicedesk.tickets import actions
from servicedesk.tickets.models import HistoryEntry, Ticket
from tests.api.helpers import count_queries

ROUND_THE_CLOCK = {str(day): [["00:00", "00:00"]] for day in range(7)}


@pytest.fixture
def always(desk):
    """One policy for every ticket on a 24/7 calendar in UTC (business minutes are wall minutes):
    response 60, resolution 240; the 2nd line's OLA 120."""
    SlaPolicy.objects.update(is_active=False)
    calendar = Calendar.objects.create(name="Always", time_zone="UTC", weekly=ROUND_THE_CLOCK)
    policy = SlaPolicy.objects.create(name="Round the clock", calendar=calendar, first_response_minutes=60,
                                      resolution_minutes=240)
    OlaTarget.objects.create(group=desk.second_line, minutes=120, calendar=calendar)
    return policy


def opened(desk, minutes_ago, *, group=None, title="Printer on fire", now=None):
    """A ticket customer1 reported `minutes_ago`, routed at once to `group`, with its clocks computed."""
    now = now or timezone.now()
    ticket = actions.create_ticket(actor=desk.agent1, requester=desk.customer1, title=title, group=group)
    then = now - timedelta(minutes=minutes_ago)
    Ticket.objects.filter(pk=ticket.pk).update(created_at=then, updated_at=then)
    with appendonly.lifted():  # history is append-only: moved back in time with the guard off
        HistoryEntry.objects.filter(ticket=ticket).update(at=then)
    tracking.recompute_ticket(ticket.pk, now=now)
    return Ticket.objects.get(pk=ticket.pk)


def by_kind(clocks):
    return {c["kind"]: c for c in clocks}


def test_staff_see_every_clock_and_customers_the_committed_times(api, desk, always):
    ticket = opened(desk, 30, group=desk.second_line)
    staff = api("agent2").get(f"tickets/{ticket.pk}")
    assert staff.status_code == 200, staff.json_body
    clocks = staff.json_body["clocks"]
    assert [c["kind"] for c in clocks] == ["response", "resolution", "ola"]
    response, resolution, ola = clocks
    assert response["state"] == "running" and response["target_minutes"] == 60
    assert response["policy"] == "Round the clock" and response["group"] is None
    assert 28 <= response["business_minutes_left"] <= 30
    assert resolution["business_minutes_left"] in range(208, 211)
    assert ola["group"] == {"id": desk.second_line.pk, "name": desk.second_line.name}
    assert ola["target_minutes"] == 120 and ola["policy"] is None
    assert response["breached_at"] is None and response["met_at"] is None
    # The same through /clocks.
    assert api("agent2").get(f"tickets/{ticket.pk}/clocks").json_body == clocks

    customer = api("customer1").get(f"tickets/{ticket.pk}")
    assert [c["kind"] for c in customer.json_body["clocks"]] == ["response", "resolution"]
    assert all(c["policy"] is None for c in customer.json_body["clocks"])
    assert customer.json_body["clocks"][0]["due_at"] == response["due_at"]
    assert [c["kind"] for c in api("customer1").get(f"tickets/{ticket.pk}/clocks").json_body] == [
        "response", "resolution"]
    listed = api("customer1").get("tickets", {"limit": 10}).json_body["items"]
    assert [c["kind"] for c in listed[0]["clocks"]] == ["response", "resolution"]
    assert "ola" in [c["kind"] for c in api("agent2").get("tickets").json_body["items"][0]["clocks"]]


def test_breached_met_and_paused_clocks(api, desk, always):
    late = opened(desk, 90, title="late")
    response = by_kind(api("agent1").get(f"tickets/{late.pk}").json_body["clocks"])["response"]
    assert response["state"] == "breached"
    assert -31 <= response["business_minutes_left"] <= -29
    assert response["breached_at"] == response["due_at"]

    answered = opened(desk, 10, title="answered")
    actions.add_comment(answered, actor=desk.agent1, body="We are on it.", internal=False)
    tracking.recompute_ticket(answered.pk)
    response = by_kind(api("agent1").get(f"tickets/{answered.pk}").json_body["clocks"])["response"]
    assert response["state"] == "met" and response["met_at"] is not None
    assert response["business_minutes_left"] is None and response["breached_at"] is None

    waiting = opened(desk, 10, group=desk.second_line, title="waiting")
    actions.transition(waiting, "start", actor=desk.agent2)
    actions.transition(Ticket.objects.get(pk=waiting.pk), "pend", actor=desk.agent2, pending_reason="customer")
    tracking.recompute_ticket(waiting.pk)
    resolution = by_kind(api("agent2").get(f"tickets/{waiting.pk}").json_body["clocks"])["resolution"]
    assert resolution["state"] == "paused" and resolution["due_at"] is None
    assert 229 <= resolution["business_minutes_left"] <= 230


def test_filters_and_due_ordering_page_through_every_ticket(api, desk, always):
    late = opened(desk, 90, title="late")  # response due 30 min ago
    soon = opened(desk, 50, title="soon")  # due in 10
    later = opened(desk, 10, title="later")  # due in 50
    done = opened(desk, 10, title="done")
    actions.add_comment(done, actor=desk.agent1, body="Fixed.", internal=False)
    actions.transition(Ticket.objects.get(pk=done.pk), "resolve", actor=desk.agent1, comment="Fixed.")
    tracking.recompute_ticket(done.pk)  # no running clock
    client = api("manager")

    def listed(**params):
        response = client.get("tickets", params)
        assert response.status_code == 200, response.json_body
        return [t["id"] for t in response.json_body["items"]]

    assert listed(breached="true") == [late.pk]
    assert set(listed(breached="false")) == {soon.pk, later.pk, done.pk}
    cut = (timezone.now() + timedelta(minutes=30)).isoformat()
    assert set(listed(due_before=cut)) == {late.pk, soon.pk}
    assert listed(ordering="due_at") == [late.pk, soon.pk, later.pk, done.pk]
    assert listed(ordering="-due_at") == [later.pk, soon.pk, late.pk, done.pk]
    for ordering, expected in (("due_at", [late.pk, soon.pk, later.pk, done.pk]),
                               ("-due_at", [later.pk, soon.pk, late.pk, done.pk])):
        seen, cursor = [], None
        while True:
            params = {"ordering": ordering, "limit": 1} | ({"cursor": cursor} if cursor else {})
            page = client.get("tickets", params).json_body
            seen += [t["id"] for t in page["items"]]
            cursor = page["next_cursor"]
            if not cursor:
                break
        assert seen == expected, ordering
    # Bad input is a 4xx, never a 500.
    assert client.get("tickets", {"due_before": "2026-01-01T00:00:00"}).status_code == 422
    assert client.get("tickets", {"due_before": "0001-01-01T00:00:00+14:00"}).status_code == 422
    assert client.get("tickets", {"due_before": "tomorrow"}).status_code == 422
    assert client.get("tickets", {"breached": "maybe"}).status_code == 422
    assert client.get("tickets", {"ordering": "due_at", "cursor": "W251bGwsIjEiXQ"}).status_code == 400
    assert client.get("tickets", {"ordering": "due_at", "cursor": "WzEsMV0"}).status_code == 400


def test_a_breached_ola_is_not_a_breach_a_customer_sees(api, desk, always):
    OlaTarget.objects.filter(group=desk.second_line).update(minutes=10)
    ticket = opened(desk, 20, group=desk.second_line)
    assert [t["id"] for t in api("agent2").get("tickets", {"breached": "true"}).json_body["items"]] == [ticket.pk]
    assert api("customer1").get("tickets", {"breached": "true"}).json_body["items"] == []
    assert [t["id"] for t in api("customer1").get("tickets", {"breached": "false"}).json_body["items"]] == [
        ticket.pk]


def test_list_clocks_cost_the_same_whatever_the_page(api, desk, always, django_assert_max_num_queries):
    for n in range(12):
        opened(desk, 5 + n, group=desk.second_line if n % 2 else None, title=f"clocked {n}")
    for user in ("manager", "customer1"):
        client = api(user)
        client.get("tickets", {"limit": 12})  # warm up: the token's first use, cached reference data
        small, _ = count_queries(client, "tickets", {"limit": 2})
        large, page = count_queries(client, "tickets", {"limit": 12})
        assert small == large, user
        assert all(t["clocks"] for t in page.json_body["items"])
        with django_assert_max_num_queries(9):
            client.get("tickets", {"limit": 12, "ordering": "due_at"})


# ---------------------------------------------------------------------------------------------
# Calendars and policies


def test_staff_read_calendars_and_policies_customers_do_not(api, desk, always):
    calendar = always.calendar
    CalendarDay.objects.create(calendar=calendar, date=timezone.now().date().replace(month=10, day=1),
                               kind="holiday", name="National Day")
    CalendarDay.objects.create(calendar=calendar, date=timezone.now().date().replace(year=2020, month=1, day=1),
                               kind="holiday", name="Long ago")
    agent = api("agent1")
    names = [c["name"] for c in agent.get("sla/calendars").json_body]
    assert "Always" in names
    detail = agent.get(f"sla/calendars/{calendar.pk}").json_body
    assert detail["time_zone"] == "UTC" and detail["weekly"] == ROUND_THE_CLOCK
    assert [d["name"] for d in detail["days"]] == ["National Day"]
    old = agent.get(f"sla/calendars/{calendar.pk}", {"year_from": 2020, "year_to": 2020}).json_body
    assert [(d["name"], d["kind"], d["source"]) for d in old["days"]] == [("Long ago", "holiday", "manual")]
    assert agent.get(f"sla/calendars/{calendar.pk}", {"year_from": 2030, "year_to": 2020}).status_code == 422
    assert agent.get(f"sla/calendars/{calendar.pk}", {"year_from": 1, "year_to": 9999}).status_code == 422
    assert agent.get("sla/calendars/999999").status_code == 404
    policies = agent.get("sla/policies").json_body
    mine = next(p for p in policies if p["id"] == always.pk)
    assert mine["calendar"] == {"id": calendar.pk, "name": "Always"}
    assert (mine["first_response_minutes"], mine["resolution_minutes"]) == (60, 240)
    assert agent.get(f"sla/policies/{always.pk}").json_body == mine
    for path in ("sla/calendars", f"sla/calendars/{calendar.pk}", "sla/policies", f"sla/policies/{always.pk}"):
        response = api("customer1").get(path)
        assert response.status_code == 403 and response.json_body["message"], path


def test_administrators_write_calendars_and_policies(api, desk, always):
    admin = api("admin")
    ClockRebuild.objects.all().delete()
    created = admin.post("sla/calendars", {"name": "Night shift", "time_zone": "Asia/Shanghai",
                                           "weekly": {"0": [["22:00", "06:00"]]}})
    assert created.status_code == 201, created.json_body
    calendar = Calendar.objects.get(pk=created.json_body["id"])
    assert calendar.weekly == {"0": [["22:00", "06:00"]]}
    assert ClockRebuild.objects.exists()  # open tickets' clocks recomputed, as after an admin edit
    assert audit.trail(calendar).filter(action="created", actor=desk.admin, channel="api").exists()
    changed = admin.patch(f"sla/calendars/{calendar.pk}", {"name": "Nights"})
    assert changed.status_code == 200 and changed.json_body["name"] == "Nights"

    policy = admin.post("sla/policies", {
        "name": "Critical nights", "calendar": calendar.pk, "priorities": ["critical", 2],
        "ticket_types": ["incident"], "first_response_minutes": 15, "resolution_minutes": 120, "thresholds": [50]})
    assert policy.status_code == 201, policy.json_body
    assert policy.json_body["priorities"] == [1, 2]
    pk = policy.json_body["id"]
    patched = admin.patch(f"sla/policies/{pk}", {"resolution_minutes": 90, "is_active": False})
    assert (patched.json_body["resolution_minutes"], patched.json_body["is_active"]) == (90, False)

    # Refusals: the desk's messages, never a 500.
    assert admin.post("sla/calendars", {"name": "Nights"}).status_code == 400  # name taken
    bad_zone = admin.post("sla/calendars", {"name": "Mars", "time_zone": "Mars/Olympus"})
    assert bad_zone.status_code == 400 and "Mars/Olympus" in bad_zone.json_body["message"]
    assert admin.post("sla/calendars", {"name": "Odd", "weekly": {"9": [["09:00", "10:00"]]}}).status_code == 400
    assert admin.post("sla/calendars", {"name": "Odd", "weekly": {"0": [["nine", "ten"]]}}).status_code == 400
    assert admin.post("sla/policies", {"name": "X", "calendar": 999999, "first_response_minutes": 1,
                                       "resolution_minutes": 1}).status_code == 400
    assert admin.post("sla/policies", {"name": "X", "calendar": calendar.pk, "first_response_minutes": 0,
                                       "resolution_minutes": 1}).status_code == 422
    assert admin.patch(f"sla/policies/{pk}", {"name": None}).status_code == 422
    in_use = admin.delete(f"sla/calendars/{calendar.pk}")
    assert in_use.status_code == 409 and in_use.json_body["message"]

    assert admin.delete(f"sla/policies/{pk}").status_code == 204
    assert admin.delete(f"sla/calendars/{calendar.pk}").status_code == 204
    assert not Calendar.objects.filter(pk=calendar.pk).exists()


@pytest.mark.parametrize("user", ["customer1", "agent1", "lead1", "manager"])
def test_only_administrators_write_calendars_and_policies(api, desk, always, user):
    client = api(user)
    calendar = always.calendar
    attempts = [
        client.post("sla/calendars", {"name": "Mine"}),
        client.patch(f"sla/calendars/{calendar.pk}", {"name": "Mine"}),
        client.delete(f"sla/calendars/{calendar.pk}"),
        client.post("sla/policies", {"name": "Mine", "calendar": calendar.pk, "first_response_minutes": 1,
                                     "resolution_minutes": 1}),
        client.patch(f"sla/policies/{always.pk}", {"name": "Mine"}),
        client.delete(f"sla/policies/{always.pk}"),
    ]
    assert [r.status_code for r in attempts] == [403] * 6
    assert Calendar.objects.get(pk=calendar.pk).name == "Always"
    assert SlaPolicy.objects.get(pk=always.pk).name == "Round the clock"


# ---------------------------------------------------------------------------------------------
# Impact, urgency and priority


def test_impact_urgency_and_priority_by_name_or_number(api, desk):
    created = api("agent1").post("tickets", {"title": "VPN down", "requester": desk.customer1.pk,
                                             "impact": "high", "urgency": "low"})
    assert created.status_code == 201, created.json_body
    assert (created.json_body["impact"], created.json_body["urgency"]) == (1, 3)
    pk, version = created.json_body["id"], created.json_body["version"]
    patched = api("agent1").patch(f"tickets/{pk}", {"priority": "planning", "urgency": 2, "version": version})
    assert patched.status_code == 200, patched.json_body
    assert (patched.json_body["priority"], patched.json_body["urgency"]) == (5, 2)
    assert api("agent1").get("tickets", {"priority": "planning"}).json_body["items"][0]["id"] == pk
    for bad in ({"impact": "huge"}, {"impact": 4}, {"priority": "urgent"}, {"urgency": True}):
        response = api("agent1").post("tickets", {"title": "x", **bad})
        assert response.status_code == 422, bad


def test_the_openapi_says_what_the_levels_mean(api):
    schemas = api("agent1").get("/api/v1/openapi.json").json_body["components"]["schemas"]
    for name in ("TicketIn", "TicketPatch", "TicketOut"):
        fields = schemas[name]["properties"]
        for field in ("impact", "urgency"):
            assert "1 high, 2 medium, 3 low" in fields[field]["description"], (name, field)
        assert "1 critical, 2 high, 3 medium, 4 low, 5 planning" in fields["priority"]["description"], name
    assert "due_at" in str(schemas["ClockOut"])


def test_business_minutes_left_for_a_page_count_each_stretch_once():
    """The page's clocks share one pass over the calendar; the result is each clock's own count."""
    office = BusinessCalendar("Asia/Shanghai", {d: [("09:00", "12:00"), ("13:00", "18:00")] for d in range(5)},
                              set(), {})
    now = datetime(2026, 12, 7, 3, 17, 42, tzinfo=UTC)
    chance = random.Random(12)
    dues = {now + timedelta(minutes=chance.randint(-400 * 24 * 60, 30 * 24 * 60), seconds=chance.randint(0, 59))
            for _ in range(60)} | {now}
    assert _business_time_to(office, now, dues) == {due: office.business_minutes_between(now, due) for due in dues}
