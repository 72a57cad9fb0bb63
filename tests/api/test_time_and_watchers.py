"""Time entries and watchers over the API."""


import pytest
from django.utils import timezone

from servicedesk.tickets import actions
from servicedesk.tickets.models import (
    HistoryEntry,
    Status,
    TimeEntry,
)
from tests.tickets.lifecycle import fresh, make_ticket


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
