"""The lifecycle: every default transition from and only from its statuses, who may take it, the
timestamps and ownership it keeps, and the fact that transitions are configuration (rows)."""

import datetime

import pytest
from django.utils import timezone

from servicedesk.tickets import actions, defaults
from servicedesk.tickets.models import Comment, HistoryEntry, Status, Ticket, Transition
from tests.tickets.lifecycle import ALL_STATUSES, fresh, history_count, make_ticket

DEFAULTS = {action: (sources, target, roles, requester_may)
            for action, _label, _zh, sources, target, roles, requester_may in defaults.TRANSITIONS}


def take(api, user, ticket, action, **payload):
    if action == "resolve":
        payload.setdefault("comment", "Fixed.")  # resolving needs the resolution
    return api(user).post(f"tickets/{ticket.pk}/transitions", {"action": action, **payload})


def steps(ticket):
    return [(h.event, h.field, h.old_value, h.new_value, h.actor.username if h.actor else None)
            for h in HistoryEntry.objects.filter(ticket=ticket).select_related("actor").order_by("id")]


def test_the_seeded_rows_are_the_defaults(desk):
    rows = {t.action: (t.from_statuses, t.to_status, t.roles, t.requester_may)
            for t in Transition.objects.all()}
    assert rows == DEFAULTS
    assert set(rows) == {"acknowledge", "assign", "start", "pend", "resume", "resolve", "confirm", "reopen",
                         "close"}


# Who takes each action in the from/to matrix, and the status the ticket ends in.
ACTOR_FOR = {"confirm": "customer1"}
EXPECTED_TO = {
    "acknowledge": "acknowledged", "assign": "assigned", "start": "in_progress", "pend": "pending",
    "resume": "in_progress", "resolve": "resolved", "confirm": "closed", "reopen": "assigned",
    "close": "closed",
}


@pytest.mark.parametrize("action", list(DEFAULTS))
def test_allowed_only_from_its_from_statuses(api, desk, action):
    sources = DEFAULTS[action][0]
    actor = ACTOR_FOR.get(action, "agent2")
    extra = {"group": desk.third_line.pk} if action == "assign" else {}
    for status in ALL_STATUSES:
        ticket = make_ticket(desk, status, title=f"{action} from {status}")
        before = history_count(ticket)
        response = take(api, actor, ticket, action, **extra)
        after = fresh(ticket)
        if status in sources:
            assert response.status_code == 200, (status, response.json_body)
            assert response.json_body["status"] == EXPECTED_TO[action], status
            assert after.status == EXPECTED_TO[action], status
            assert after.version == ticket.version + 1
            event = "assigned" if action == "assign" else action
            new = HistoryEntry.objects.filter(ticket=ticket, version=after.version)
            if status != EXPECTED_TO[action]:
                assert (event, "status", status, EXPECTED_TO[action], actor) in [
                    (h.event, h.field, h.old_value, h.new_value, h.actor.username) for h in new
                ]
            assert new.count() >= 1 and history_count(ticket) > before
        else:
            assert response.status_code == 400, (status, response.status_code, response.json_body)
            assert response.json_body["message"], status
            assert after.status == status, "a refused transition changes nothing"
            assert after.version == ticket.version
            assert history_count(ticket) == before


def test_refusal_names_the_actions_that_are_open(api, desk):
    ticket = make_ticket(desk, Status.NEW)
    response = take(api, "agent1", ticket, "resolve")
    assert response.status_code == 200  # resolve is open from new
    response = take(api, "agent1", ticket, "start")
    assert response.status_code == 400
    assert "resolved" in response.json_body["message"]
    assert sorted(response.json_body["allowed"]) == ["close", "reopen"]


def test_unknown_action_is_refused(api, desk):
    ticket = make_ticket(desk, Status.NEW)
    response = take(api, "agent1", ticket, "teleport")
    assert response.status_code == 400
    assert "teleport" in response.json_body["message"]
    assert fresh(ticket).status == Status.NEW


# ---------------------------------------------------------------------------------------------
# Who may take them


STAFF_ONLY = {
    # action: the status to try it from
    "acknowledge": Status.NEW, "assign": Status.ACKNOWLEDGED, "start": Status.ASSIGNED,
    "pend": Status.IN_PROGRESS, "resume": Status.PENDING, "resolve": Status.IN_PROGRESS,
    "close": Status.RESOLVED,
}


@pytest.mark.parametrize("action", list(STAFF_ONLY))
def test_staff_actions_are_refused_to_the_requester(api, desk, action):
    ticket = make_ticket(desk, STAFF_ONLY[action])
    extra = {"group": desk.second_line.pk} if action == "assign" else {}
    response = take(api, "customer1", ticket, action, **extra)
    assert response.status_code == 403, response.json_body
    assert response.json_body["message"]
    assert fresh(ticket).status == STAFF_ONLY[action]
    assert action not in api("customer1").get(f"tickets/{ticket.pk}").json_body["actions"]


@pytest.mark.parametrize("user", ["agent1", "lead1", "manager", "admin"])
def test_every_staff_role_may_acknowledge_resolve_and_close(api, desk, user):
    ticket = make_ticket(desk, Status.NEW)
    assert take(api, user, ticket, "acknowledge").json_body["status"] == "acknowledged"
    assert take(api, user, ticket, "resolve").json_body["status"] == "resolved"
    assert take(api, user, ticket, "close").json_body["status"] == "closed"


@pytest.mark.parametrize("user", ["agent2", "lead1", "manager", "admin", "customer2"])
def test_only_the_requester_confirms(api, desk, user):
    desk.customer1.organisation.customers_see_organisation_tickets = True
    desk.customer1.organisation.save()
    ticket = make_ticket(desk, Status.RESOLVED)
    assert "confirm" not in api(user).get(f"tickets/{ticket.pk}").json_body["actions"]
    response = take(api, user, ticket, "confirm")
    assert response.status_code == 403, response.json_body
    assert fresh(ticket).status == Status.RESOLVED
    assert "confirm" in api("customer1").get(f"tickets/{ticket.pk}").json_body["actions"]
    confirmed = take(api, "customer1", ticket, "confirm")
    assert confirmed.status_code == 200
    assert confirmed.json_body["status"] == "closed"
    assert ("confirm", "status", "resolved", "closed", "customer1") in steps(ticket)


@pytest.mark.parametrize("user", ["customer1", "agent2", "lead1", "manager"])
def test_reopen_by_requester_or_staff(api, desk, user):
    ticket = make_ticket(desk, Status.RESOLVED)
    response = take(api, user, ticket, "reopen")
    assert response.status_code == 200, response.json_body
    assert response.json_body["status"] == "assigned"
    assert response.json_body["resolved_at"] is None


def test_reopen_refused_to_another_customer_of_the_organisation(api, desk):
    desk.customer1.organisation.customers_see_organisation_tickets = True
    desk.customer1.organisation.save()
    ticket = make_ticket(desk, Status.CLOSED)
    assert api("customer2").get(f"tickets/{ticket.pk}").status_code == 200
    response = take(api, "customer2", ticket, "reopen")
    assert response.status_code == 403
    assert fresh(ticket).status == Status.CLOSED


def test_reopen_of_an_unrouted_ticket_goes_back_to_acknowledged(api, desk):
    ticket = make_ticket(desk, Status.NEW)
    take(api, "agent1", ticket, "resolve")
    response = take(api, "customer1", ticket, "reopen")
    assert response.status_code == 200
    assert response.json_body["status"] == "acknowledged"
    assert response.json_body["group"] is None


def test_reopen_of_a_closed_ticket_only_inside_the_window(api, desk, settings):
    settings.SERVICEDESK_REOPEN_WINDOW_DAYS = 3
    old = make_ticket(desk, Status.CLOSED, title="closed long ago")
    recent = make_ticket(desk, Status.CLOSED, title="closed recently")
    now = timezone.now()
    Ticket.objects.filter(pk=old.pk).update(closed_at=now - datetime.timedelta(days=4))
    Ticket.objects.filter(pk=recent.pk).update(closed_at=now - datetime.timedelta(days=2))

    for user in ("customer1", "agent2"):
        assert "reopen" not in api(user).get(f"tickets/{old.pk}").json_body["actions"]
        response = take(api, user, old, "reopen")
        assert response.status_code == 400, response.json_body
        assert "3" in response.json_body["message"]
        assert fresh(old).status == Status.CLOSED

    assert "reopen" in api("customer1").get(f"tickets/{recent.pk}").json_body["actions"]
    response = take(api, "customer1", recent, "reopen", comment="It came back.")
    assert response.status_code == 200
    reopened = fresh(recent)
    assert reopened.status == Status.ASSIGNED
    assert reopened.closed_at is None and reopened.resolved_at is None
    assert Comment.objects.filter(ticket=recent, body="It came back.", internal=False).exists()

    # A longer window lets the old one back in.
    settings.SERVICEDESK_REOPEN_WINDOW_DAYS = 5
    assert take(api, "customer1", old, "reopen").status_code == 200


# ---------------------------------------------------------------------------------------------
# Timestamps and ownership


def test_timestamps_follow_the_lifecycle(api, desk):
    ticket = make_ticket(desk, Status.NEW)
    assert (ticket.acknowledged_at, ticket.resolved_at, ticket.closed_at) == (None, None, None)

    take(api, "agent1", ticket, "acknowledge")
    t = fresh(ticket)
    assert t.acknowledged_at is not None and t.resolved_at is None and t.closed_at is None
    acknowledged_at = t.acknowledged_at

    take(api, "agent1", ticket, "assign", group=desk.second_line.pk)
    take(api, "agent2", ticket, "start")
    take(api, "agent2", ticket, "resolve")
    t = fresh(ticket)
    assert t.acknowledged_at == acknowledged_at, "acknowledged once, never moved"
    assert t.resolved_at is not None and t.closed_at is None
    resolved_at = t.resolved_at

    take(api, "customer1", ticket, "confirm")
    t = fresh(ticket)
    assert t.closed_at is not None and t.closed_at >= resolved_at
    t_closed = t.closed_at
    assert t.resolved_at == resolved_at

    take(api, "customer1", ticket, "reopen")
    t = fresh(ticket)
    assert (t.resolved_at, t.closed_at) == (None, None)
    assert t.acknowledged_at == acknowledged_at

    take(api, "agent2", ticket, "resolve")
    take(api, "agent2", ticket, "close")
    t = fresh(ticket)
    assert t.resolved_at > resolved_at and t.closed_at >= t.resolved_at
    history = steps(ticket)
    assert ("acknowledge", "acknowledged_at", "", acknowledged_at.isoformat(), "agent1") in history
    assert [h[:3] for h in history if h[0] == "confirm" and h[1] == "closed_at"] == [
        ("confirm", "closed_at", "")]
    assert [h[:3] for h in history if h[0] == "reopen" and h[1] == "closed_at"] == [
        ("reopen", "closed_at", t_closed.isoformat())
    ]


def test_resolving_a_new_ticket_acknowledges_it_too(api, desk):
    ticket = make_ticket(desk, Status.NEW)
    take(api, "agent1", ticket, "resolve")
    t = fresh(ticket)
    assert t.acknowledged_at == t.resolved_at


def test_first_response_only_by_a_staff_public_reply(api, desk):
    ticket = make_ticket(desk, Status.NEW)
    api("customer1").post(f"tickets/{ticket.pk}/comments", {"body": "Any news?"})
    assert fresh(ticket).first_response_at is None, "the customer's own reply is no response"
    api("agent1").post(f"tickets/{ticket.pk}/comments", {"body": "Checking the logs", "internal": True})
    assert fresh(ticket).first_response_at is None, "an internal note is no response"
    take(api, "agent1", ticket, "acknowledge", comment="noted internally", internal=True)
    assert fresh(ticket).first_response_at is None
    assert fresh(ticket).acknowledged_at is not None, "acknowledging is not responding"

    reply = api("agent1").post(f"tickets/{ticket.pk}/comments", {"body": "We are on it."})
    assert reply.status_code == 201
    first = fresh(ticket).first_response_at
    assert first == Comment.objects.get(pk=reply.json_body["id"]).created_at
    api("agent2").post(f"tickets/{ticket.pk}/comments", {"body": "Second reply"})
    assert fresh(ticket).first_response_at == first, "only the first response counts"
    entries = HistoryEntry.objects.filter(ticket=ticket, field="first_response_at")
    assert [(e.event, e.actor.username) for e in entries] == [("public_reply", "agent1")]


def test_a_public_comment_with_a_transition_is_a_first_response(api, desk):
    ticket = make_ticket(desk, Status.NEW)
    take(api, "agent1", ticket, "acknowledge", comment="We have your request.")
    t = fresh(ticket)
    assert t.first_response_at is not None
    assert t.first_response_at == t.acknowledged_at


def test_owner_is_the_first_staff_actor_and_stays_owner_after_routing(api, desk):
    ticket = make_ticket(desk, Status.NEW)
    assert ticket.owner is None
    take(api, "agent1", ticket, "acknowledge")
    assert fresh(ticket).owner == desk.agent1
    routed = api("lead1").patch(f"tickets/{ticket.pk}", {"group": desk.second_line.pk})
    assert routed.status_code == 200
    assert routed.json_body["owner"]["username"] == "agent1"
    take(api, "agent2", ticket, "start")
    take(api, "agent2", ticket, "assign", group=desk.third_line.pk)
    t = fresh(ticket)
    assert (t.owner, t.group, t.status) == (desk.agent1, desk.third_line, Status.ASSIGNED)
    # The owner follows the ticket to the end, though it left the 1st line group.
    assert api("agent1").get(f"tickets/{ticket.pk}").status_code == 200
    assert [(h.event, h.new_value) for h in HistoryEntry.objects.filter(ticket=ticket, field="owner")] == [
        ("acknowledge", "agent1")
    ]


def test_routing_an_unowned_ticket_makes_the_router_owner(api, desk):
    ticket = make_ticket(desk, Status.NEW)
    api("lead1").patch(f"tickets/{ticket.pk}", {"group": desk.second_line.pk})
    t = fresh(ticket)
    assert (t.owner, t.status) == (desk.lead1, Status.ASSIGNED)
    assert t.acknowledged_at is not None


def test_staff_who_open_a_ticket_own_it(api, desk):
    created = api("agent1").post("tickets", {"title": "Phone call: no network",
                                             "requester": desk.customer3.pk, "channel": "phone"})
    assert created.status_code == 201
    assert created.json_body["owner"]["username"] == "agent1"
    assert created.json_body["requester"]["username"] == "customer3"
    assert created.json_body["channel"] == "phone"
    by_customer = api("customer1").post("tickets", {"title": "Mine", "channel": "phone"}).json_body
    assert by_customer["owner"] is None
    assert by_customer["channel"] == "api", "customers cannot claim another channel"


def test_ownership_can_be_handed_to_staff_only(api, desk):
    ticket = make_ticket(desk, Status.ACKNOWLEDGED)
    refused = api("agent1").patch(f"tickets/{ticket.pk}", {"owner": desk.customer2.pk})
    assert refused.status_code == 400
    assert refused.json_body["message"]
    handed = api("agent1").patch(f"tickets/{ticket.pk}", {"owner": desk.lead1.pk})
    assert handed.status_code == 200
    assert handed.json_body["owner"]["username"] == "lead1"
    assert ("updated", "owner", "agent1", "lead1", "agent1") in steps(ticket)


def test_a_closed_ticket_cannot_be_changed_until_reopened(api, desk):
    ticket = make_ticket(desk, Status.CLOSED)
    for change in ({"title": "new title"}, {"priority": 1}, {"group": desk.third_line.pk}):
        response = api("agent2").patch(f"tickets/{ticket.pk}", change)
        assert response.status_code == 400, change
        assert response.json_body["message"]
    assert fresh(ticket).version == ticket.version
    take(api, "agent2", ticket, "reopen")
    assert api("agent2").patch(f"tickets/{ticket.pk}", {"title": "new title"}).status_code == 200


def test_a_resolved_ticket_cannot_be_routed(api, desk):
    ticket = make_ticket(desk, Status.RESOLVED)
    response = api("agent2").patch(f"tickets/{ticket.pk}", {"group": desk.third_line.pk})
    assert response.status_code == 400
    t = fresh(ticket)
    assert (t.status, t.group) == (Status.RESOLVED, desk.second_line)


def test_start_assigns_the_resolver_and_an_unrouted_ticket_to_their_group(api, desk):
    ticket = make_ticket(desk, Status.ACKNOWLEDGED)
    response = take(api, "agent1", ticket, "start")
    assert response.status_code == 200
    t = fresh(ticket)
    assert (t.status, t.group) == (Status.IN_PROGRESS, desk.first_line)
    assert (t.assignee, t.owner) == (desk.agent1, desk.agent1)


def test_reroute_in_progress_goes_back_to_assigned(api, desk):
    ticket = make_ticket(desk, Status.IN_PROGRESS)
    assert (ticket.group, ticket.assignee) == (desk.second_line, desk.agent2)
    response = take(api, "agent2", ticket, "assign", group=desk.third_line.pk)
    assert response.status_code == 200
    t = fresh(ticket)
    assert (t.status, t.group, t.assignee) == (Status.ASSIGNED, desk.third_line, None)
    last = [s for s in steps(ticket) if s[0] == "assigned"][-3:]
    assert sorted(last) == sorted([
        ("assigned", "group", desk.second_line.name, desk.third_line.name, "agent2"),
        ("assigned", "assignee", "agent2", "", "agent2"),
        ("assigned", "status", "in_progress", "assigned", "agent2"),
    ])


def test_reroute_by_patch_keeps_an_assignee_who_belongs_to_the_new_group(api, desk):
    ticket = make_ticket(desk, Status.IN_PROGRESS)
    response = api("agent2").patch(f"tickets/{ticket.pk}", {"group": desk.third_line.pk})
    assert response.status_code == 200
    t = fresh(ticket)
    assert (t.status, t.group, t.assignee) == (Status.ASSIGNED, desk.third_line, desk.agent2)


def test_changing_only_the_person_within_the_group_keeps_work_in_progress(api, desk):
    ticket = make_ticket(desk, Status.IN_PROGRESS)
    response = api("lead1").patch(f"tickets/{ticket.pk}", {"assignee": desk.lead1.pk})
    assert response.status_code == 200
    t = fresh(ticket)
    assert (t.status, t.group, t.assignee) == (Status.IN_PROGRESS, desk.second_line, desk.lead1)


def test_assign_needs_a_group_and_a_member_of_it(api, desk):
    ticket = make_ticket(desk, Status.ACKNOWLEDGED)
    no_group = take(api, "agent1", ticket, "assign")
    assert no_group.status_code == 400 and no_group.json_body["message"]
    outsider = take(api, "agent1", ticket, "assign", group=desk.third_line.pk, assignee=desk.agent1.pk)
    assert outsider.status_code == 400
    assert "agent1" in outsider.json_body["message"]
    customer = take(api, "agent1", ticket, "assign", group=desk.first_line.pk, assignee=desk.customer1.pk)
    assert customer.status_code == 400
    assert fresh(ticket).status == Status.ACKNOWLEDGED and fresh(ticket).group is None
    ok = take(api, "agent1", ticket, "assign", group=desk.third_line.pk, assignee=desk.agent2.pk)
    assert ok.status_code == 200
    assert ok.json_body["assignee"]["username"] == "agent2"


def test_pend_records_its_reason_and_resume_clears_it(api, desk):
    ticket = make_ticket(desk, Status.IN_PROGRESS)
    bad = take(api, "agent2", ticket, "pend", pending_reason="holiday")
    assert bad.status_code == 422
    assert fresh(ticket).status == Status.IN_PROGRESS
    pended = take(api, "agent2", ticket, "pend", pending_reason="supplier")
    assert (pended.json_body["status"], pended.json_body["pending_reason"]) == ("pending", "supplier")
    resumed = take(api, "agent2", ticket, "resume")
    assert (resumed.json_body["status"], resumed.json_body["pending_reason"]) == ("in_progress", "")
    with pytest.raises(actions.ActionError):
        actions.transition(ticket, "pend", actor=desk.agent2, pending_reason="holiday")


# ---------------------------------------------------------------------------------------------
# Replies and pending


def test_a_customer_reply_resumes_a_ticket_pending_on_them(api, desk):
    ticket = make_ticket(desk, Status.PENDING)
    assert ticket.pending_reason == "customer"
    before = history_count(ticket)
    reply = api("customer1").post(f"tickets/{ticket.pk}/comments", {"body": "Here is the screenshot."})
    assert reply.status_code == 201
    t = fresh(ticket)
    assert (t.status, t.pending_reason) == (Status.IN_PROGRESS, "")
    new = list(HistoryEntry.objects.filter(ticket=ticket).order_by("id")[before:])
    assert [(h.event, h.field, h.old_value, h.new_value) for h in new] == [
        ("public_reply", "", "", str(reply.json_body["id"])),
        ("public_reply", "status", "pending", "in_progress"),
        ("public_reply", "pending_reason", "customer", ""),
    ]
    assert new[1].note == "the requester replied"
    assert all(h.actor == desk.customer1 and h.version == t.version for h in new)


def test_replies_that_do_not_resume(api, desk):
    desk.customer1.organisation.customers_see_organisation_tickets = True
    desk.customer1.organisation.save()
    on_customer = make_ticket(desk, Status.PENDING, title="pending on customer")
    api("agent2").post(f"tickets/{on_customer.pk}/comments", {"body": "Reminder: we need a screenshot."})
    api("agent2").post(f"tickets/{on_customer.pk}/comments", {"body": "note", "internal": True})
    colleague = api("customer2").post(f"tickets/{on_customer.pk}/comments", {"body": "Colleague here"})
    assert colleague.status_code == 201
    assert fresh(on_customer).status == Status.PENDING, "only the requester's reply resumes"

    on_supplier = make_ticket(desk, Status.IN_PROGRESS, title="pending on supplier")
    take(api, "agent2", on_supplier, "pend", pending_reason="supplier")
    api("customer1").post(f"tickets/{on_supplier.pk}/comments", {"body": "Any news?"})
    t = fresh(on_supplier)
    assert (t.status, t.pending_reason) == (Status.PENDING, "supplier")


def test_a_customer_cannot_reply_to_a_closed_ticket(api, desk):
    ticket = make_ticket(desk, Status.CLOSED)
    response = api("customer1").post(f"tickets/{ticket.pk}/comments", {"body": "Thanks!"})
    assert response.status_code == 400
    assert response.json_body["message"]
    assert not Comment.objects.filter(ticket=ticket, body="Thanks!").exists()


# ---------------------------------------------------------------------------------------------
# Transitions are data


def test_removing_a_role_from_a_transition_refuses_it(api, desk):
    Transition.objects.filter(action="acknowledge").update(roles=["lead", "manager", "admin"])
    ticket = make_ticket(desk, Status.NEW)
    assert "acknowledge" not in api("agent1").get(f"tickets/{ticket.pk}").json_body["actions"]
    refused = take(api, "agent1", ticket, "acknowledge")
    assert refused.status_code == 403
    assert fresh(ticket).status == Status.NEW
    assert "acknowledge" in api("lead1").get(f"tickets/{ticket.pk}").json_body["actions"]
    assert take(api, "lead1", ticket, "acknowledge").status_code == 200


def test_adding_a_from_status_allows_it(api, desk):
    ticket = make_ticket(desk, Status.NEW)
    assert take(api, "agent1", ticket, "close").status_code == 400
    close = Transition.objects.get(action="close")
    close.from_statuses = [*close.from_statuses, "new"]
    close.save()
    assert "close" in api("agent1").get(f"tickets/{ticket.pk}").json_body["actions"]
    response = take(api, "agent1", ticket, "close")
    assert response.status_code == 200
    t = fresh(ticket)
    assert t.status == Status.CLOSED
    assert t.closed_at is not None and t.resolved_at == t.closed_at


def test_removing_a_from_status_refuses_it(api, desk):
    Transition.objects.filter(action="resolve").update(from_statuses=["in_progress"])
    ticket = make_ticket(desk, Status.PENDING)
    assert take(api, "agent2", ticket, "resolve").status_code == 400
    assert fresh(ticket).status == Status.PENDING


def test_letting_requesters_close_and_a_new_row(api, desk):
    Transition.objects.filter(action="close").update(requester_may=True)
    ticket = make_ticket(desk, Status.RESOLVED)
    assert take(api, "customer1", ticket, "close").json_body["status"] == "closed"

    Transition.objects.create(action="cancel", label="Cancel", from_statuses=["new", "acknowledged"],
                              to_status="closed", roles=["manager"], requester_may=True, order=20)
    mine = make_ticket(desk, Status.NEW, title="changed my mind")
    assert "cancel" in api("customer1").get(f"tickets/{mine.pk}").json_body["actions"]
    assert "cancel" not in api("agent1").get(f"tickets/{mine.pk}").json_body["actions"]
    assert take(api, "agent1", mine, "cancel").status_code == 403
    cancelled = take(api, "customer1", mine, "cancel")
    assert cancelled.status_code == 200
    assert cancelled.json_body["status"] == "closed"
    assert ("cancel", "status", "new", "closed", "customer1") in steps(mine)


def test_deleting_a_row_removes_the_action(api, desk):
    Transition.objects.filter(action="reopen").delete()
    ticket = make_ticket(desk, Status.RESOLVED)
    assert "reopen" not in api("customer1").get(f"tickets/{ticket.pk}").json_body["actions"]
    response = take(api, "customer1", ticket, "reopen")
    assert response.status_code == 400
    assert fresh(ticket).status == Status.RESOLVED
