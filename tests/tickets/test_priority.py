"""Priority = impact × urgency through the configured matrix; staff overrides are logged."""

import pytest

from servicedesk.tickets import actions, defaults
from servicedesk.tickets.models import HistoryEntry, PriorityRule
from tests.tickets.lifecycle import fresh, history_count

ITIL = {
    # (impact, urgency): priority — 1 is the highest everywhere.
    (1, 1): 1, (1, 2): 2, (1, 3): 3,
    (2, 1): 2, (2, 2): 3, (2, 3): 4,
    (3, 1): 3, (3, 2): 4, (3, 3): 5,
}


def test_the_seeded_matrix_is_itil(desk):
    cells = {(r.impact, r.urgency): r.priority for r in PriorityRule.objects.all()}
    assert cells == ITIL
    assert {(i, u): p for i, u, p in defaults.PRIORITY_MATRIX} == ITIL


@pytest.mark.parametrize(("impact", "urgency"), sorted(ITIL))
def test_new_tickets_get_the_matrix_priority(api, desk, impact, urgency):
    created = api("customer1").post("tickets", {"title": "x", "impact": impact, "urgency": urgency})
    assert created.status_code == 201, created.json_body
    body = created.json_body
    assert (body["impact"], body["urgency"], body["priority"]) == (impact, urgency, ITIL[(impact, urgency)])
    assert body["priority_overridden"] is False
    assert actions.priority_for(impact, urgency) == ITIL[(impact, urgency)]


def test_impact_and_urgency_default_to_medium(api, desk):
    body = api("customer1").post("tickets", {"title": "x"}).json_body
    assert (body["impact"], body["urgency"], body["priority"]) == (2, 2, 3)


def test_editing_a_cell_changes_new_tickets(api, desk):
    before = api("customer1").post("tickets", {"title": "before", "impact": 2, "urgency": 2}).json_body
    cell = PriorityRule.objects.get(impact=2, urgency=2)
    cell.priority = 1
    cell.save()  # as the admin saves it (the matrix is cached until a change: core.refdata)
    after = api("customer1").post("tickets", {"title": "after", "impact": 2, "urgency": 2}).json_body
    assert (before["priority"], after["priority"]) == (3, 1)
    assert after["priority_overridden"] is False
    assert fresh(before["id"]).priority == 3, "existing tickets keep their priority"
    # The other cells are untouched.
    other_cell = api("customer1").post("tickets", {"title": "x", "impact": 2, "urgency": 3}).json_body
    assert other_cell["priority"] == 4


def test_a_missing_cell_falls_back_to_the_itil_default(api, desk):
    PriorityRule.objects.filter(impact=3, urgency=1).delete()
    created = api("customer1").post("tickets", {"title": "x", "impact": 3, "urgency": 1}).json_body
    assert created["priority"] == 3


def test_editing_a_cell_applies_when_impact_changes(api, desk):
    ticket = api("agent1").post("tickets", {"title": "x", "requester": desk.customer1.pk}).json_body
    cell = PriorityRule.objects.get(impact=1, urgency=2)
    cell.priority = 5
    cell.save()
    changed = api("agent1").patch(f"tickets/{ticket['id']}", {"impact": 1})
    assert changed.json_body["priority"] == 5


def test_staff_override_on_create_is_logged(api, desk):
    created = api("agent1").post("tickets", {"title": "VIP laptop", "requester": desk.customer1.pk,
                                             "impact": 3, "urgency": 3, "priority": 1})
    assert created.status_code == 201
    body = created.json_body
    assert (body["priority"], body["priority_overridden"]) == (1, True)
    entries = HistoryEntry.objects.filter(ticket_id=body["id"], event="priority_override")
    assert [(e.field, e.old_value, e.new_value, e.actor.username) for e in entries] == [
        ("priority", "5", "1", "agent1")]
    assert entries[0].note == "impact 3 × urgency 3 gives 5"


def test_staff_giving_the_matrix_priority_is_no_override(api, desk):
    body = api("agent1").post("tickets", {"title": "x", "requester": desk.customer1.pk, "impact": 1,
                                          "urgency": 1, "priority": 1}).json_body
    assert body["priority_overridden"] is False
    assert not HistoryEntry.objects.filter(ticket_id=body["id"], event="priority_override").exists()


def test_staff_override_by_patch_is_logged(api, desk):
    ticket = api("customer1").post("tickets", {"title": "x", "impact": 2, "urgency": 2}).json_body
    before = history_count(ticket["id"])
    response = api("agent1").patch(f"tickets/{ticket['id']}", {"priority": 1, "version": ticket["version"]})
    assert response.status_code == 200, response.json_body
    body = response.json_body
    assert (body["priority"], body["priority_overridden"]) == (1, True)
    assert body["version"] == ticket["version"] + 1
    new = list(HistoryEntry.objects.filter(ticket_id=ticket["id"]).order_by("id")[before:])
    assert [(h.event, h.field, h.old_value, h.new_value, h.actor.username) for h in new] == [
        ("updated", "priority", "3", "1", "agent1"),
        ("updated", "priority_overridden", "False", "True", "agent1"),
    ]
    assert new[0].note == "override: impact 2 × urgency 2 gives 3"
    shown = api("agent1").get(f"tickets/{ticket['id']}/history").json_body
    assert ("priority", "3", "1", "override: impact 2 × urgency 2 gives 3") in [
        (h["field"], h["old"], h["new"], h["note"]) for h in shown
    ]


def test_customers_cannot_set_priority(api, desk):
    refused = api("customer1").post("tickets", {"title": "Urgent!!!", "priority": 1})
    assert refused.status_code == 403
    assert refused.json_body["message"]
    ticket = api("customer1").post("tickets", {"title": "x"}).json_body
    for change in ({"priority": 1}, {"impact": 1}, {"urgency": 1}):
        response = api("customer1").patch(f"tickets/{ticket['id']}", change)
        assert response.status_code == 403, change
        assert response.json_body["message"]
    t = fresh(ticket["id"])
    assert (t.impact, t.urgency, t.priority, t.priority_overridden) == (2, 2, 3, False)


def test_changing_impact_or_urgency_recomputes_and_clears_the_override(api, desk):
    agent = api("agent1")
    ticket = agent.post("tickets", {"title": "x", "requester": desk.customer1.pk}).json_body
    overridden = agent.patch(f"tickets/{ticket['id']}", {"priority": 5}).json_body
    assert (overridden["priority"], overridden["priority_overridden"]) == (5, True)

    recomputed = agent.patch(f"tickets/{ticket['id']}", {"urgency": 1})
    assert recomputed.status_code == 200
    body = recomputed.json_body
    assert (body["impact"], body["urgency"]) == (2, 1)
    assert (body["priority"], body["priority_overridden"]) == (2, False)
    latest = HistoryEntry.objects.filter(ticket_id=ticket["id"], version=body["version"]).order_by("id")
    assert [(h.field, h.old_value, h.new_value) for h in latest] == [
        ("urgency", "2", "1"), ("priority", "5", "2"), ("priority_overridden", "True", "False"),
    ]

    agent.patch(f"tickets/{ticket['id']}", {"priority": 4})
    body = agent.patch(f"tickets/{ticket['id']}", {"impact": 1}).json_body
    assert (body["impact"], body["urgency"]) == (1, 1)
    assert (body["priority"], body["priority_overridden"]) == (1, False)


def test_impact_with_an_explicit_priority_is_judged_against_the_new_cell(api, desk):
    agent = api("agent1")
    ticket = agent.post("tickets", {"title": "x", "requester": desk.customer1.pk}).json_body
    body = agent.patch(f"tickets/{ticket['id']}", {"impact": 1, "urgency": 1, "priority": 1}).json_body
    assert (body["priority"], body["priority_overridden"]) == (1, False)
    body = agent.patch(f"tickets/{ticket['id']}", {"impact": 3, "priority": 1}).json_body
    assert (body["impact"], body["priority"], body["priority_overridden"]) == (3, 1, True)
    latest = HistoryEntry.objects.filter(ticket_id=ticket["id"], version=body["version"]).order_by("id")
    assert [(h.field, h.old_value, h.new_value) for h in latest] == [
        ("impact", "1", "3"), ("priority_overridden", "False", "True"),
    ]


@pytest.mark.parametrize("change", [{"impact": 0}, {"impact": 4}, {"urgency": 9}, {"priority": 0},
                                    {"priority": 6}, {"impact": "huge"}, {"impact": None},
                                    {"priority": None}])
def test_invalid_values_are_refused_with_a_message(api, desk, change):
    agent = api("agent1")
    ticket = agent.post("tickets", {"title": "x", "requester": desk.customer1.pk}).json_body
    response = agent.patch(f"tickets/{ticket['id']}", change)
    assert response.status_code in (400, 422), response.status_code
    assert response.json_body["message"]
    t = fresh(ticket["id"])
    assert (t.impact, t.urgency, t.priority, t.version) == (2, 2, 3, ticket["version"])


@pytest.mark.parametrize("payload", [{"impact": 5}, {"urgency": 0}, {"priority": 7}])
def test_invalid_values_on_create_are_refused(api, desk, payload):
    response = api("agent1").post("tickets", {"title": "x", "requester": desk.customer1.pk, **payload})
    assert response.status_code == 422
    assert response.json_body["message"]


def test_the_actions_refuse_out_of_range_values_too(desk):
    ticket = actions.create_ticket(actor=desk.agent1, requester=desk.customer1, title="x")
    for kwargs in ({"impact": 4}, {"urgency": -1}, {"priority": 9}):
        with pytest.raises(actions.ActionError):
            actions.set_priority(ticket, actor=desk.agent1, **kwargs)
    with pytest.raises(actions.ActionError):
        actions.create_ticket(actor=desk.agent1, requester=desk.customer1, title="x", impact=7)
    with pytest.raises(actions.ActionError):
        actions.create_ticket(actor=desk.agent1, requester=desk.customer1, title="x", priority=0)
    assert (fresh(ticket).priority, fresh(ticket).version) == (3, 1)
