"""console.actions: saved views and canned responses are written by actions that check who may and
leave an audit trail (who, channel, field, old → new), whether the console's screens or code call them."""

import pytest
from django.urls import reverse

from servicedesk.console import actions
from servicedesk.console.models import CannedResponse, SavedView
from servicedesk.core import audit
from servicedesk.core.errors import ActionError, NotAllowed, NotFound


def trail(obj, action):
    return {e.field: (e.old_value, e.new_value) for e in audit.trail(obj) if e.action == action}


def actors(obj):
    return {(e.actor_id, e.channel) for e in audit.trail(obj)}


@pytest.fixture
def agent1(client, desk):
    client.force_login(desk.agent1)
    return client


# --- saved views -------------------------------------------------------------------------------


def test_saving_updating_and_deleting_a_view_from_the_screen_is_audited(agent1, desk):
    agent1.post("/console/views/save/", {"name": "Urgent", "queue": "mine", "query": "priority=1"})
    view = SavedView.objects.get(user=desk.agent1)
    assert trail(view, "created")["query"] == ("", "priority=1")
    agent1.post("/console/views/save/", {"name": "Urgent", "queue": "groups", "query": "priority=2"})
    assert trail(view, "changed") == {"queue": ("mine", "groups"), "query": ("priority=1", "priority=2")}
    agent1.post(f"/console/views/{view.pk}/delete/")
    assert not SavedView.objects.exists()
    assert trail(view, "deleted")["name"] == ("Urgent", "")
    assert actors(view) == {(desk.agent1.pk, "console")}


def test_a_view_is_deleted_only_by_its_owner(desk):
    view, created = actions.save_view(actor=desk.agent1, name="Mine", queue="mine", query="")
    assert created
    with pytest.raises(NotFound):
        actions.delete_view(view, actor=desk.agent2)
    assert SavedView.objects.filter(pk=view.pk).exists() and not trail(view, "deleted")


def test_the_limit_of_views_is_the_action_s(agent1, desk):
    for n in range(actions.MAX_VIEWS):
        actions.save_view(actor=desk.agent1, name=f"View {n}", queue="mine", query="")
    with pytest.raises(ActionError, match="up to 30 saved views"):
        actions.save_view(actor=desk.agent1, name="One more", queue="mine", query="")
    # Replacing one of them is not one more.
    actions.save_view(actor=desk.agent1, name="View 0", queue="groups", query="")
    response = agent1.post("/console/views/save/", {"name": "One more", "queue": "mine", "query": ""}, follow=True)
    assert "up to 30 saved views" in response.content.decode()
    assert SavedView.objects.filter(user=desk.agent1).count() == actions.MAX_VIEWS


# --- canned responses --------------------------------------------------------------------------

FORM = {"body": "Hello {requester_name}", "set_status": "", "set_group": "", "set_priority": ""}


def test_creating_editing_deleting_a_canned_response_from_the_screen_is_audited(agent1, desk):
    agent1.post(reverse("console:canned_new"), {**FORM, "name": "Greeting", "scope": f"group:{desk.first_line.pk}"})
    canned = CannedResponse.objects.get(name="Greeting")
    assert canned.created_by == desk.agent1
    assert trail(canned, "created")["group"][1].startswith(desk.first_line.name)
    agent1.post(reverse("console:canned_edit", args=[canned.pk]),
                {**FORM, "name": "Greeting", "body": "Hi {requester_name}", "scope": "personal"})
    changes = trail(canned, "changed")
    assert changes["body"] == ("Hello {requester_name}", "Hi {requester_name}")
    assert changes["owner"][1].endswith(f"(#{desk.agent1.pk})") and changes["group"][1] == ""
    agent1.post(reverse("console:canned_delete", args=[canned.pk]))
    assert not CannedResponse.objects.filter(pk=canned.pk).exists()
    assert trail(canned, "deleted")["name"] == ("Greeting", "")
    assert actors(canned) == {(desk.agent1.pk, "console")}


def test_a_personal_response_is_its_owner_s_alone(desk):
    mine = actions.save_canned_response(CannedResponse(name="Mine", body="x", owner=desk.agent1), actor=desk.agent1)
    mine.body = "changed by someone else"
    with pytest.raises(NotFound):
        actions.save_canned_response(mine, actor=desk.agent2)
    with pytest.raises(NotFound):
        actions.delete_canned_response(mine, actor=desk.agent2)
    assert CannedResponse.objects.get(pk=mine.pk).body == "x"


def test_a_shared_response_is_written_by_the_group_or_the_desk_wide_roles(desk):
    shared = actions.save_canned_response(CannedResponse(name="Shared", body="x", group=desk.first_line),
                                          actor=desk.agent1)
    with pytest.raises(NotFound):  # in none of the desk's groups
        actions.delete_canned_response(shared, actor=desk.customer1)
    shared.body = "by the manager"
    actions.save_canned_response(shared, actor=desk.manager)
    assert trail(shared, "changed") == {"body": ("x", "by the manager")}


def test_nobody_shares_with_a_group_not_their_own(desk):
    foreign = CannedResponse(name="Elsewhere", body="x", group=desk.supplier)
    with pytest.raises(NotAllowed):
        actions.save_canned_response(foreign, actor=desk.agent1)
    assert not CannedResponse.objects.filter(name="Elsewhere").exists()
