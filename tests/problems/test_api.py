"""/api/v1/problems: open from incidents, read, list (bounded queries), analysis with its version, link and unlink,
publish the known error, resolve with the incidents, trends; customers refused, errors as JSON in the caller's
language."""

from servicedesk.problems.models import ProblemRecord
from servicedesk.tickets.models import Status, Ticket


def test_a_problems_life_through_the_api(api, desk, incidents):
    lead = api("lead1")
    opened = lead.post("problems", {"incidents": [incidents[0].number, str(incidents[1].pk)],
                                    "title": "VPN session timer"})
    assert opened.status_code == 201, opened.json_body
    body = opened.json_body
    problem = body["id"]
    assert body["title"] == "VPN session timer" and body["status"] == "new" and not body["known_error"]
    assert [i["number"] for i in body["incidents"]] == [incidents[0].number, incidents[1].number]
    linked = lead.post(f"problems/{problem}/incidents", {"incident": incidents[2].number})
    assert linked.status_code == 201 and len(linked.json_body["incidents"]) == 3
    assert lead.delete(f"problems/{problem}/incidents/{incidents[2].pk}").status_code == 204
    again = lead.delete(f"problems/{problem}/incidents/{incidents[2].pk}", HTTP_ACCEPT_LANGUAGE="zh-hans")
    assert again.status_code == 404 and again.json_body["message"] == "这个事件没有关联到该问题。"
    analysed = lead.patch(f"problems/{problem}", {"root_cause": "Timer", "workaround": "Reconnect", "version": 1})
    assert analysed.status_code == 200 and analysed.json_body["version"] == 2
    stale = lead.patch(f"problems/{problem}", {"root_cause": "Other", "version": 1})
    assert stale.status_code == 409 and "message" in stale.json_body
    published = lead.post(f"problems/{problem}/known-error", {"version": 2})
    assert published.status_code == 200 and published.json_body["known_error"]
    assert published.json_body["article"] is not None
    resolved = lead.post(f"problems/{problem}/resolve", {"resolution": "Timer fixed"})
    assert resolved.status_code == 200, resolved.json_body
    assert resolved.json_body["resolved"] == [body["number"], incidents[0].number, incidents[1].number]
    assert Ticket.objects.get(pk=incidents[1].pk).status == Status.RESOLVED
    assert Ticket.objects.get(pk=incidents[2].pk).status == Status.NEW  # unlinked before


def test_customers_are_refused_and_bad_input_is_a_4xx(api, desk, incidents):
    refused = api("customer1").post("problems", {"incidents": [incidents[0].number]})
    assert refused.status_code == 403 and "message" in refused.json_body
    assert api("customer1").get("problems").status_code == 403
    agent = api("agent1")
    assert agent.post("problems", {"incidents": []}).status_code == 422
    missing = agent.post("problems", {"incidents": ["SD-999999"]})
    assert missing.status_code == 404 and "SD-999999" in missing.json_body["message"]
    assert agent.get("problems/999999").status_code == 404
    assert agent.post(f"problems/{incidents[0].pk}/resolve", {"resolution": "x"}).status_code == 404  # no problem
    assert agent.get("problems", {"cursor": "forged"}).status_code == 400
    assert agent.get("problems/trends", {"days": 0}).status_code == 422


def test_the_list_reads_a_page_in_bounded_queries(api, desk, incidents, django_assert_max_num_queries):
    from servicedesk.problems import actions

    for incident in incidents:
        actions.open_problem([incident], actor=desk.agent1, channel="api")
    agent = api("agent1")
    with django_assert_max_num_queries(12):
        listed = agent.get("problems", {"limit": 2})
    assert listed.status_code == 200 and len(listed.json_body["items"]) == 2
    assert listed.json_body["items"][0]["incidents"][0]["number"] == incidents[2].number
    rest = agent.get("problems", {"limit": 2, "cursor": listed.json_body["next_cursor"]}).json_body
    assert [p["incidents"][0]["number"] for p in rest["items"]] == [incidents[0].number]
    assert len(agent.get("problems", {"known_error": True}).json_body["items"]) == 0
    assert len(agent.get("problems", {"open": True}).json_body["items"]) == 3
    assert ProblemRecord.objects.count() == 3


def test_trends_through_the_api(api, desk, incidents, settings):
    settings.SERVICEDESK_PROBLEM_TREND_THRESHOLD = 3
    body = api("agent1").get("problems/trends").json_body
    assert body["threshold"] == 3 and body["days"] == settings.SERVICEDESK_PROBLEM_TREND_DAYS
    (row,) = body["categories"]
    assert row["key"] is None and row["incidents"] == 3 and not row["proposed"]  # no category: nothing to propose
