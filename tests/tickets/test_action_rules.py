"""Business rules live in the actions, so every channel refuses alike: resolving needs the resolution
(a comment the customer is asked to confirm), through the actions, the API and the console."""

import pytest
from django.urls import reverse

from servicedesk.console.models import CannedResponse
from servicedesk.tickets import actions
from servicedesk.tickets.models import Comment, HistoryEntry, Status, Transition
from tests.tickets.lifecycle import fresh, history_count, make_ticket

MESSAGE = "Describe the resolution: the customer is asked to confirm it."
MESSAGE_ZH = "请填写解决方案：客户将被请求确认。"


def unchanged(ticket, before):
    now = fresh(ticket)
    assert (now.status, now.version, history_count(now)) == (Status.IN_PROGRESS, before.version,
                                                             history_count(before))
    assert not Comment.objects.filter(ticket=ticket).exists()


@pytest.mark.parametrize("comment", ["", "   \n "])
def test_the_action_refuses_a_resolve_without_a_resolution(desk, comment):
    ticket = make_ticket(desk, Status.IN_PROGRESS)
    with pytest.raises(actions.ActionError) as refused:
        actions.transition(ticket, "resolve", actor=desk.agent2, comment=comment)
    assert refused.value.message == MESSAGE and refused.value.status_code == 400
    unchanged(ticket, ticket)


def test_the_action_resolves_with_one(desk):
    ticket = make_ticket(desk, Status.IN_PROGRESS)
    resolved = actions.transition(ticket, "resolve", actor=desk.agent2, comment="Replaced the toner.")
    assert resolved.status == Status.RESOLVED
    assert list(Comment.objects.filter(ticket=ticket).values_list("body", "internal")) == [
        ("Replaced the toner.", False)]


def test_every_transition_to_resolved_needs_one(desk):
    """The rule follows where a transition lands, not its name: a desk's own "fix" action is held to it."""
    Transition.objects.create(action="fix", label="Fix", from_statuses=[Status.IN_PROGRESS],
                              to_status=Status.RESOLVED, roles=["agent"])
    ticket = make_ticket(desk, Status.IN_PROGRESS)
    with pytest.raises(actions.ActionError, match="Describe the resolution"):
        actions.transition(ticket, "fix", actor=desk.agent2)
    unchanged(ticket, ticket)
    assert actions.transition(ticket, "fix", actor=desk.agent2, comment="Fixed.").status == Status.RESOLVED


def test_the_api_answers_400_in_the_users_language(api, desk):
    ticket = make_ticket(desk, Status.IN_PROGRESS)
    path = f"tickets/{ticket.pk}/transitions"
    refused = api("agent2").post(path, {"action": "resolve", "version": ticket.version})
    assert refused.status_code == 400
    assert refused.json_body["message"] == MESSAGE
    refused = api("agent2").post(path, {"action": "resolve", "version": ticket.version, "comment": " "},
                                 HTTP_ACCEPT_LANGUAGE="zh-hans")
    assert (refused.status_code, refused.json_body["message"]) == (400, MESSAGE_ZH)
    unchanged(ticket, ticket)
    done = api("agent2").post(path, {"action": "resolve", "version": ticket.version, "comment": "Driver updated."})
    assert done.status_code == 200, done.json_body
    assert done.json_body["status"] == "resolved"


def test_the_console_refuses_and_keeps_the_page(client, desk):
    ticket = make_ticket(desk, Status.IN_PROGRESS)
    client.force_login(desk.agent2)
    target = reverse("console:ticket_transition", args=[ticket.number, "resolve"])
    refused = client.post(target, {"version": ticket.version, "comment": ""})
    assert refused.status_code == 400
    assert MESSAGE_ZH in refused.content.decode()  # agent2 reads the console in Chinese
    unchanged(ticket, ticket)
    done = client.post(target, {"version": ticket.version, "comment": "Driver updated."})
    assert done.status_code == 302
    assert fresh(ticket).status == Status.RESOLVED


def test_a_resolving_macro_sends_its_reply_as_the_resolution(client, desk):
    ticket = make_ticket(desk, Status.IN_PROGRESS)
    macro = CannedResponse.objects.create(name="Solved", body="Solved.", group=desk.second_line,
                                          set_status="resolve")
    client.force_login(desk.agent2)
    target = reverse("console:ticket_reply", args=[ticket.number])
    refused = client.post(target, {"version": ticket.version, "body": "", "macro": macro.pk})
    assert refused.status_code == 400
    assert MESSAGE_ZH in refused.content.decode()  # agent2 reads the console in Chinese
    unchanged(ticket, ticket)
    stale = client.post(target, {"version": ticket.version - 1, "body": "Solved.", "macro": macro.pk})
    assert stale.status_code == 409
    unchanged(ticket, ticket)
    done = client.post(target, {"version": ticket.version, "body": "Solved: new toner.", "macro": macro.pk})
    assert done.status_code == 302
    assert fresh(ticket).status == Status.RESOLVED
    reply = HistoryEntry.objects.get(ticket=ticket, event="public_reply")
    assert reply.note == "Solved: new toner." and reply.version == fresh(ticket).version
