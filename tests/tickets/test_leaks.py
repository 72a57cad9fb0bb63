"""Leaks found by probing from outside (issue 11): watchers added on creation without the rule, the
console showing linked tickets and merge targets the agent may not see, history naming hidden
tickets, and the link form telling a hidden ticket from a missing one."""

import pytest
from django.urls import reverse

from servicedesk.tickets import actions, permissions
from servicedesk.tickets.models import Status, Ticket, TicketLink

from ..console.ticketing import make_ticket


@pytest.fixture
def hidden_from_agent1(desk):
    """A ticket of the 3rd line, which agent1 (1st line) may not see."""
    ticket = actions.create_ticket(actor=desk.customer3, title="Secret payroll export fails")
    actions.transition(ticket, "acknowledge", actor=desk.manager)
    ticket = actions.assign(ticket, actor=desk.manager, group=desk.third_line)

    assert not permissions.can_see(desk.agent1, ticket)
    return ticket


# ---------------------------------------------------------------------------------------------
# Watchers: one rule on every path


def test_a_customer_cannot_add_other_people_as_watchers_on_create(api, desk):
    everyone = [u.pk for u in desk.users.values()]
    response = api("customer1").post("tickets", {"title": "x", "watchers": everyone})
    assert response.status_code == 403, response.json_body
    assert response.json_body["message"] == "Customers can only add or remove themselves as watchers."
    assert not Ticket.objects.filter(title="X").exists() and not Ticket.objects.filter(title="x").exists()


def test_a_customer_naming_an_unknown_user_as_watcher_learns_nothing(api, desk):
    response = api("customer1").post("tickets", {"title": "x", "watchers": [999999]})
    assert response.status_code == 403
    assert "999999" not in response.json_body["message"]


def test_a_customer_may_watch_their_own_ticket_on_create(api, desk):
    response = api("customer1").post("tickets", {"title": "Printer", "watchers": [desk.customer1.pk]})
    assert response.status_code == 201


def test_staff_may_not_add_another_organisations_customer(api, desk):
    response = api("agent1").post("tickets", {"title": "For customer1", "requester": desk.customer1.pk,
                                              "watchers": [desk.customer3.pk]})
    assert response.status_code == 403
    assert "customer3" in response.json_body["message"]
    ticket = make_ticket(desk, Status.ACKNOWLEDGED)
    response = api("agent1").post(f"tickets/{ticket.pk}/watchers", {"add": [desk.customer3.pk]})
    assert response.status_code == 403
    assert not ticket.watchers.exists()


def test_staff_may_add_staff_and_the_requesters_organisation(api, desk):
    response = api("agent1").post("tickets", {"title": "For customer1", "requester": desk.customer1.pk,
                                              "watchers": [desk.customer2.pk, desk.agent2.pk, desk.manager.pk]})
    assert response.status_code == 201, response.json_body
    ticket = Ticket.objects.get(pk=response.json_body["id"])
    assert set(ticket.watchers.values_list("username", flat=True)) == {"customer2", "agent2", "manager"}


def test_another_organisations_customer_never_gets_the_replies(api, desk, mailoutbox):
    response = api("customer1").post("tickets", {"title": "x", "watchers": [desk.customer3.pk]})
    assert response.status_code == 403
    ticket = make_ticket(desk, Status.ACKNOWLEDGED)
    with pytest.raises(actions.NotAllowed):
        actions.set_watchers(ticket, actor=desk.agent1, add=[desk.customer3])
    actions.add_comment(ticket, actor=desk.agent1, body="Public reply", internal=False)
    assert not any(desk.customer3.email in m.to for m in mailoutbox)


def test_console_watcher_form_follows_the_rule(client, desk):
    ticket = make_ticket(desk, Status.ACKNOWLEDGED)
    client.force_login(desk.agent1)
    response = client.post(reverse("console:ticket_watchers", args=[ticket.number]),
                           {"add": desk.customer3.pk, "version": ticket.version})
    assert response.status_code == 403 or response.status_code == 400
    assert not ticket.watchers.exists()
    response = client.post(reverse("console:ticket_watchers", args=[ticket.number]),
                           {"add": desk.customer2.pk, "version": ticket.version})
    assert response.status_code in (200, 302)
    assert list(ticket.watchers.values_list("username", flat=True)) == ["customer2"]


# ---------------------------------------------------------------------------------------------
# Other tickets on a page go through the scoping rule


def test_console_links_panel_hides_tickets_the_agent_may_not_see(client, desk, hidden_from_agent1):
    visible = make_ticket(desk, Status.ACKNOWLEDGED, title="Printer jams on floor 3")
    actions.link(visible, hidden_from_agent1, "related", actor=desk.manager)
    client.force_login(desk.agent1)
    html = client.get(reverse("console:ticket", args=[visible.number])).content.decode()
    assert hidden_from_agent1.number not in html
    assert "Secret payroll" not in html
    # The manager sees it, in the panel and in the history.
    client.force_login(desk.manager)
    html = client.get(reverse("console:ticket", args=[visible.number])).content.decode()
    assert hidden_from_agent1.number in html and "Secret payroll" in html


def test_history_does_not_name_tickets_the_reader_may_not_see(client, api, desk, hidden_from_agent1):
    visible = make_ticket(desk, Status.ACKNOWLEDGED)
    actions.link(visible, hidden_from_agent1, "related", actor=desk.manager)
    history = api("agent1").get(f"tickets/{visible.pk}/history").json_body
    assert history and not any(hidden_from_agent1.number in f"{h['old']}{h['new']}{h['note']}" for h in history)
    assert any("(a ticket you cannot see)" in h["new"] for h in history if h["event"] == "linked")
    # The customer too: link history is public.
    history = api("customer1").get(f"tickets/{visible.pk}/history").json_body
    assert not any(hidden_from_agent1.number in f"{h['old']}{h['new']}{h['note']}" for h in history)
    history = api("manager").get(f"tickets/{visible.pk}/history").json_body
    assert any(hidden_from_agent1.number in h["new"] for h in history)


def test_console_link_form_answers_the_same_for_hidden_and_missing_tickets(client, desk, hidden_from_agent1):
    ticket = make_ticket(desk, Status.ACKNOWLEDGED)
    client.force_login(desk.agent1)
    answers = []
    for number in (hidden_from_agent1.number, "SD-009999"):
        response = client.post(reverse("console:ticket_link", args=[ticket.number]),
                               {"number": number, "kind": "related", "version": ticket.version},
                               HTTP_HX_REQUEST="true")
        body = response.content.decode().replace(number, "NUMBER")
        answers.append((response.status_code, "There is no ticket NUMBER." in body))
    assert answers[0] == answers[1] == (answers[0][0], True)
    assert not TicketLink.objects.exists()


def test_console_merge_form_answers_the_same_for_hidden_and_missing_tickets(client, desk, hidden_from_agent1):
    ticket = make_ticket(desk, Status.ACKNOWLEDGED)
    client.force_login(desk.agent1)
    answers = []
    for number in (hidden_from_agent1.number, "SD-009999"):
        response = client.get(reverse("console:ticket_merge", args=[ticket.number]), {"into": number})
        answers.append((response.status_code, "There is no ticket" in response.content.decode()))
    assert answers[0] == answers[1] == (400, True)


@pytest.mark.parametrize("value", ["³", "٣", "99999999999999999999", "-1", "abc"])
def test_console_forms_take_only_plain_ids(client, desk, value):
    ticket = make_ticket(desk, Status.ACKNOWLEDGED)
    client.force_login(desk.agent1)
    response = client.get(reverse("console:ticket_merge", args=[ticket.number]), {"into": "SD-1", "version": value})
    assert response.status_code < 500
    response = client.post(reverse("console:ticket_watchers", args=[ticket.number]),
                           {"add": value, "version": value})
    assert response.status_code < 500
    response = client.get("/console/", {"organisation": value, "category": value, "assignee": value,
                                        "group": value})
    assert response.status_code < 500
