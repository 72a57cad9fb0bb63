"""accounts.actions.deactivate_user / reactivate_user: access taken away (tokens, sessions) and given back,
audited, by whom the people rule allows; tickets stay."""

import pytest
from django.contrib.sessions.models import Session
from django.test import Client

from servicedesk.accounts import actions
from servicedesk.accounts.identity import system_user
from servicedesk.accounts.models import ApiToken, User
from servicedesk.core import audit
from servicedesk.core.errors import NotAllowed
from servicedesk.tickets.models import Ticket


def events(user) -> list[tuple[str, int, str]]:
    return [(e.action, e.actor_id, e.channel) for e in audit.trail(user) if e.action in ("deactivated", "reactivated")]


def test_deactivation_revokes_tokens_ends_sessions_and_is_audited(desk, api):
    customer = desk.customer1
    client = Client()
    client.force_login(customer)
    assert client.get("/portal/").status_code == 200
    token_client = api("customer1")
    assert token_client.get("me").status_code == 200

    actions.deactivate_user(customer, actor=desk.agent1, channel="console", reason="left the company")

    customer.refresh_from_db()
    assert not customer.is_active
    assert not ApiToken.objects.filter(user=customer, revoked=False).exists()
    assert token_client.get("me").status_code == 401
    assert not [s for s in Session.objects.all() if s.get_decoded().get("_auth_user_id") == str(customer.pk)]
    assert client.get("/portal/").status_code == 302  # signed out: back to the sign-in page
    assert events(customer) == [("deactivated", desk.agent1.pk, "console")]
    assert "left the company" in audit.trail(customer).first().note


def test_reactivation_gives_access_back_and_is_audited(desk):
    system = system_user()
    actions.deactivate_user(desk.agent1, actor=system, channel="directory")
    actions.reactivate_user(desk.agent1, actor=system, channel="directory", reason="back")
    assert User.objects.get(pk=desk.agent1.pk).is_active
    assert events(desk.agent1) == [("reactivated", system.pk, "directory"), ("deactivated", system.pk, "directory")]


def test_doing_it_twice_records_once(desk):
    actions.deactivate_user(desk.customer3, actor=desk.admin, channel="api")
    actions.deactivate_user(desk.customer3, actor=desk.admin, channel="api")
    assert len(events(desk.customer3)) == 1


@pytest.mark.parametrize(("actor", "person", "allowed"), [
    ("agent1", "customer1", True),
    ("agent1", "agent2", False),
    ("lead1", "customer3", True),
    ("manager", "agent2", True),
    ("manager", "lead1", True),
    ("manager", "admin", False),
    ("customer1", "customer2", False),
    ("admin", "manager", True),
    ("admin", "admin", False),  # not oneself
])
def test_who_may_deactivate(desk, actor, person, allowed):
    if allowed:
        actions.deactivate_user(desk.users[person], actor=desk.users[actor], channel="console")
        assert not User.objects.get(username=person).is_active
    else:
        with pytest.raises(NotAllowed):
            actions.deactivate_user(desk.users[person], actor=desk.users[actor], channel="console")
        assert User.objects.get(username=person).is_active


def test_a_lead_deactivates_the_agents_of_their_groups_only(desk):
    actions.deactivate_user(desk.agent2, actor=desk.lead1, channel="console")  # in the 1st line lead1 leads
    stranger = User.objects.create(username="agent9", role="agent")
    with pytest.raises(NotAllowed):
        actions.deactivate_user(stranger, actor=desk.lead1, channel="console")


def test_nobody_deactivates_the_system_identity(desk):
    with pytest.raises(NotAllowed):
        actions.deactivate_user(system_user(), actor=desk.admin, channel="console")


def test_tickets_are_kept(desk, api):
    created = api("customer2").post("tickets", {"title": "Printer", "description": "jammed"})
    assert created.status_code in (200, 201), created.content
    actions.deactivate_user(desk.customer2, actor=desk.admin, channel="console")
    assert Ticket.objects.filter(requester=desk.customer2).count() == 1
