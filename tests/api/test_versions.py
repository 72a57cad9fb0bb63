"""Every API endpoint that changes a ticket takes the version the caller read: a stale one gets 409 with
the changes since, and nothing is written; the current one works."""

import json

import pytest

from servicedesk.tickets import actions
from servicedesk.tickets.models import (
    Attachment,
    Comment,
    HistoryEntry,
    Status,
    Ticket,
    TicketLink,
    TimeEntry,
)
from tests.api.helpers import stored_files, upload
from tests.tickets.lifecycle import fresh, make_ticket


def snapshot(*tickets):
    """What a refused change must leave as it was."""
    return {
        "versions": [fresh(t).version for t in tickets],
        "statuses": [fresh(t).status for t in tickets],
        "history": HistoryEntry.objects.count(),
        "links": TicketLink.objects.count(),
        "time": TimeEntry.objects.count(),
        "attachments": Attachment.objects.count(),
        "comments": sorted(Comment.objects.values_list("ticket_id", flat=True)),
        "watchers": [sorted(fresh(t).watchers.values_list("pk", flat=True)) for t in tickets],
    }


@pytest.fixture
def pair(desk):
    """Two tickets of customer1 that agent2 works; the first was changed by agent1 after it was read."""
    ticket = make_ticket(desk, Status.IN_PROGRESS, title="Printer jams")
    other = make_ticket(desk, Status.IN_PROGRESS, title="Printer jams again")
    read = fresh(ticket).version
    actions.update_ticket(ticket, actor=desk.agent1, changes={"title": "Printer jams on tray 2"})
    return ticket, other, read


def assert_conflict(response, ticket, read):
    assert response.status_code == 409, response.content
    body = response.json_body if hasattr(response, "json_body") else json.loads(response.content)
    assert body["current_version"] == fresh(ticket).version == read + 1
    assert ("title", "Printer jams", "Printer jams on tray 2") in [
        (c["field"], c["old"], c["new"]) for c in body["changes"]]
    assert "Nothing of yours was saved" in body["message"]


def test_link_with_a_stale_version(api, pair):
    ticket, other, read = pair
    before = snapshot(ticket, other)
    stale = api("agent2").post(f"tickets/{ticket.pk}/links",
                               {"target": other.number, "kind": "related", "version": read})
    assert_conflict(stale, ticket, read)
    assert snapshot(ticket, other) == before
    current = api("agent2").post(f"tickets/{ticket.pk}/links",
                                 {"target": other.number, "kind": "related", "version": read + 1})
    assert current.status_code == 201, current.json_body
    assert TicketLink.objects.filter(source=ticket, target=other, kind="related").exists()
    assert fresh(ticket).version == read + 2


def test_unlink_with_a_stale_version(api, desk, pair):
    ticket, other, read = pair
    link = actions.link(other, ticket, "related", actor=desk.agent2)  # from the other side: ticket is its target
    read = fresh(ticket).version
    actions.update_ticket(ticket, actor=desk.agent1, changes={"title": "Printer jams on tray 3"})
    before = snapshot(ticket, other)
    stale = api("agent2").client.delete(f"/api/v1/tickets/{ticket.pk}/links/{link.pk}?version={read}")
    assert stale.status_code == 409, stale.content
    assert json.loads(stale.content)["current_version"] == read + 1
    assert snapshot(ticket, other) == before
    current = api("agent2").client.delete(f"/api/v1/tickets/{ticket.pk}/links/{link.pk}?version={read + 1}")
    assert current.status_code == 204, current.content
    assert not TicketLink.objects.exists()
    assert [h.event for h in HistoryEntry.objects.filter(event="unlinked")] == ["unlinked", "unlinked"]


def test_unlink_names_a_link_of_the_ticket_in_the_path(api, desk, pair):
    ticket, other, _read = pair
    third = make_ticket(desk, Status.IN_PROGRESS, title="Scanner")
    link = actions.link(other, third, "related", actor=desk.agent2)
    response = api("agent2").client.delete(f"/api/v1/tickets/{ticket.pk}/links/{link.pk}")
    assert response.status_code == 404
    assert json.loads(response.content)["message"] == "Link not found."
    assert TicketLink.objects.filter(pk=link.pk).exists()


def test_merge_with_a_stale_version_of_the_duplicate(api, pair):
    ticket, other, read = pair
    before = snapshot(ticket, other)
    stale = api("agent2").post(f"tickets/{ticket.pk}/merge", {"into": other.number, "version": read})
    assert_conflict(stale, ticket, read)
    assert snapshot(ticket, other) == before
    current = api("agent2").post(f"tickets/{ticket.pk}/merge", {"into": other.number, "version": read + 1})
    assert current.status_code == 200, current.json_body
    assert current.json_body["id"] == other.pk
    merged = fresh(ticket)
    assert merged.status == Status.CLOSED and merged.merged_into_id == other.pk


def test_time_entry_with_a_stale_version(api, pair):
    ticket, other, read = pair
    before = snapshot(ticket, other)
    stale = api("agent2").post(f"tickets/{ticket.pk}/time-entries", {"minutes": 20, "version": read})
    assert_conflict(stale, ticket, read)
    assert snapshot(ticket, other) == before
    current = api("agent2").post(f"tickets/{ticket.pk}/time-entries", {"minutes": 20, "version": read + 1})
    assert current.status_code == 201, current.json_body
    assert list(TimeEntry.objects.values_list("ticket_id", "minutes")) == [(ticket.pk, 20)]


def test_watchers_with_a_stale_version(api, desk, pair):
    ticket, other, read = pair
    before = snapshot(ticket, other)
    stale = api("agent2").post(f"tickets/{ticket.pk}/watchers", {"add": [desk.lead1.pk], "version": read})
    assert_conflict(stale, ticket, read)
    assert snapshot(ticket, other) == before
    current = api("agent2").post(f"tickets/{ticket.pk}/watchers", {"add": [desk.lead1.pk], "version": read + 1})
    assert current.status_code == 200, current.json_body
    assert [w["username"] for w in current.json_body] == ["lead1"]
    assert fresh(ticket).version == read + 2


def test_upload_with_a_stale_version(api, pair, media):
    ticket, other, read = pair
    before = snapshot(ticket, other)
    client = api("customer1").client
    stale = client.post(f"/api/v1/tickets/{ticket.pk}/attachments",
                        {"file": upload("log.txt", b"paper jam"), "version": read})
    assert_conflict(stale, ticket, read)
    assert snapshot(ticket, other) == before
    assert stored_files(media) == []  # the refused file is not left on disk either
    current = client.post(f"/api/v1/tickets/{ticket.pk}/attachments",
                          {"file": upload("log.txt", b"paper jam"), "version": read + 1})
    assert current.status_code == 201, current.content
    assert list(Attachment.objects.values_list("ticket_id", "filename")) == [(ticket.pk, "log.txt")]


def test_without_a_version_nothing_is_checked(api, pair):
    ticket, _other, read = pair
    response = api("agent2").post(f"tickets/{ticket.pk}/time-entries", {"minutes": 5})
    assert response.status_code == 201
    assert Ticket.objects.get(pk=ticket.pk).version == read + 2


def test_the_openapi_describes_the_version(api):
    schema = api("agent1").get("/api/v1/openapi.json").json_body
    bodies = schema["components"]["schemas"]
    for name in ("LinkIn", "MergeIn", "TimeEntryIn", "WatchersIn"):
        assert "a stale one gets 409" in bodies[name]["properties"]["version"]["description"], name
    remove = schema["paths"]["/api/v1/tickets/{ticket_id}/links/{link_id}"]["delete"]
    assert [p["name"] for p in remove["parameters"] if p["in"] == "query"] == ["version"]


def test_route_with_a_stale_version(api, pair):
    ticket, other, read = pair
    before = snapshot(ticket, other)
    stale = api("agent2").post(f"tickets/{ticket.pk}/route?version={read}", {})
    assert_conflict(stale, ticket, read)
    assert snapshot(ticket, other) == before
    current = api("agent2").post(f"tickets/{ticket.pk}/route?version={read + 1}", {})
    assert current.status_code == 200, current.json_body
