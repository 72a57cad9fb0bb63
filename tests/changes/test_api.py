"""/api/v1/changes: raise, edit a draft, move on, read with conflicts, the calendar; desk staff only; bad input
answered with a reason."""

import datetime

from servicedesk.changes.models import ChangeRecord, State

from .conftest import HOUR, plan


def _window(soon, start=0, hours=2):
    return {"planned_start": (soon + start * HOUR).isoformat(),
            "planned_end": (soon + (start + hours) * HOUR).isoformat()}


def test_an_agent_raises_a_standard_change_and_carries_it_through(api, desk, soon, template, mail):
    agent = api("agent1")
    made = agent.post("changes", {"template": template.pk, **_window(soon)})
    assert made.status_code == 201, made.json_body
    body = made.json_body
    assert (body["kind"], body["state"], body["title"], body["implementation"]) == (
        "standard", "draft", "Monthly OS patches", "Drain, patch, reboot, check.")
    assert body["services"] == [{"id": mail.pk, "name": "Business applications"}]
    assert body["moves"] == ["submit", "cancel"]
    url = f"changes/{body['id']}"
    stale = agent.post(url + "/transitions", {"action": "submit", "version": body["version"] + 1})
    assert stale.status_code == 409
    submitted = agent.post(url + "/transitions", {"action": "submit", "version": body["version"]})
    assert submitted.status_code == 200, submitted.json_body
    assert submitted.json_body["state"] == "scheduled" and submitted.json_body["announcement"] is not None
    for action, state in (("start", "implementing"), ("complete", "review"), ("close", "closed")):
        moved = agent.post(url + "/transitions", {"action": action, "note": f"{action} done"})
        assert moved.json_body["state"] == state
    assert agent.get(url).json_body["outcome"] == "complete done\n\nclose done"


def test_a_draft_is_edited_and_a_scheduled_change_is_not(api, desk, soon, template):
    agent = api("agent1")
    body = agent.post("changes", {"title": "Move the mail server", "description": "To the new rack."}).json_body
    assert (body["kind"], body["planned_start"], body["moves"]) == ("normal", None, ["submit", "cancel"])
    url = f"changes/{body['id']}"
    edited = agent.patch(url, {"risk": "high", "implementation": "Move it.", "backout": "Move it back.",
                               "version": body["version"], **_window(soon)})
    assert edited.status_code == 200, edited.json_body
    assert (edited.json_body["risk"], edited.json_body["title"]) == (1, "Move the mail server")
    refused = agent.patch(url, {"planned_end": soon.isoformat()})
    assert refused.status_code == 400 and "after the planned start" in refused.json_body["message"]
    standard = plan(desk, soon, kind="standard", template=template)
    agent.post(f"changes/{standard.ticket_id}/transitions", {"action": "submit"})
    late = agent.patch(f"changes/{standard.ticket_id}", {"title": "Other"})
    assert late.status_code == 400 and "draft" in late.json_body["message"]


def test_the_calendar_lists_scheduled_changes_with_their_conflicts_and_the_freezes(api, desk, soon, template,
                                                                                   freeze, servers):
    agent = api("agent1")
    inside = plan(desk, soon, kind="standard", template=template, start=10 * 24 + 1, items=[servers[0]])
    draft = plan(desk, soon, start=10 * 24 + 1, items=[servers[0]])
    agent.post(f"changes/{inside.ticket_id}/transitions", {"action": "submit"})
    start, end = soon, soon + datetime.timedelta(days=30)
    answer = agent.get("changes/calendar", {"start": start.isoformat(), "end": end.isoformat()})
    assert answer.status_code == 200, answer.json_body
    (shown,) = answer.json_body["changes"]  # the draft holds no date
    assert shown["number"] == inside.ticket.number
    assert [c["kind"] for c in shown["conflicts"]] == ["freeze"]
    assert answer.json_body["freezes"][0]["reason"] == "Year-end closing"
    assert agent.get(f"changes/{draft.ticket_id}").json_body["conflicts"][0]["change"] == inside.ticket.number
    too_long = agent.get("changes/calendar", {"start": start.isoformat(),
                                              "end": (start + datetime.timedelta(days=400)).isoformat()})
    assert too_long.status_code == 400 and "100" in too_long.json_body["message"]
    assert agent.get("changes/calendar", {"start": "soon", "end": "later"}).status_code == 422


def test_customers_are_refused_and_others_changes_are_hidden(api, desk, soon):
    change = plan(desk, soon)
    customer = api("customer1")
    assert customer.get("changes").status_code == 403
    assert customer.post("changes", {"title": "Mine"}).status_code == 403
    assert customer.get(f"changes/{change.ticket_id}").status_code == 404  # as any ticket they may not see
    assert api("agent1").get("changes/999999").status_code == 404
    assert api("agent1").get("changes", {"state": "lost"}).status_code == 422


def test_bad_input_gets_a_reason(api, desk, soon, template):
    agent = api("agent1")
    no_title = agent.post("changes", {})
    assert no_title.status_code == 400 and "title" in no_title.json_body["message"]
    no_template = agent.post("changes", {"title": "Patch", "kind": "standard"})
    assert no_template.status_code == 400 and "standard" in no_template.json_body["message"]
    assert agent.post("changes", {"title": "Patch", "template": 999999}).status_code == 400
    assert agent.post("changes", {"title": "Patch", "services": [999999]}).status_code == 400
    far = agent.post("changes", {"title": "Patch", "planned_start": "9999-01-01T00:00:00Z",
                                 "planned_end": "9999-01-02T00:00:00Z"})
    assert far.status_code == 400
    assert agent.post("changes", {"title": "x\u0000"}).status_code == 422
    body = agent.post("changes", {"title": "Unplanned"}).json_body
    unready = agent.post(f"changes/{body['id']}/transitions", {"action": "submit"})
    assert unready.status_code == 400 and "window" in unready.json_body["message"]
    assert agent.post(f"changes/{body['id']}/transitions", {"action": "explode"}).status_code == 422
    wrong = agent.post(f"changes/{body['id']}/transitions", {"action": "close"})
    assert wrong.status_code == 400
    assert ChangeRecord.objects.get(ticket_id=body["id"]).state == State.DRAFT


def test_the_lists_and_templates(api, desk, soon, template):
    plan(desk, soon)
    agent = api("agent1")
    listed = agent.get("changes", {"state": "draft"}).json_body
    assert [c["title"] for c in listed["items"]] == ["Replace the disks"]
    assert agent.get("changes/templates").json_body[0]["name"] == "Monthly OS patches"
    assert agent.get("changes/freezes").json_body == []


def test_far_years_are_refused_not_a_500(api, desk, settings):
    settings.TIME_ZONE = "Asia/Shanghai"  # a naive year-1 time would overflow on its way to UTC
    agent = api("agent1")
    made = agent.post("changes", {"title": "Patch", "planned_start": "0001-01-01T00:00:00",
                                  "planned_end": "0001-01-01T02:00:00"})
    assert made.status_code == 400 and "2000" in made.json_body["message"]
    calendar = agent.get("changes/calendar", {"start": "0001-01-01T00:00:00", "end": "0001-01-02T00:00:00"})
    assert calendar.status_code == 400
