"""Seed 003's journey through the API: customer reports, desk acknowledges and routes, a resolver
works and resolves, the customer confirms and the ticket closes; history shows every step."""


def test_request_workflow_end_to_end(api, desk):
    customer, agent, resolver = api("customer1"), api("agent1"), api("agent2")

    created = customer.post("tickets", {"title": "VPN 连接不上", "description": "认证失败", "type": "incident"})
    assert created.status_code == 201, created.json_body
    ticket = created.json_body
    assert ticket["status"] == "new"
    assert ticket["number"].startswith("SD-")
    assert ticket["requester"]["username"] == "customer1"
    assert ticket["organisation"]["name"] == "Organisation A"
    assert ticket["owner"] is None
    assert ticket["actions"] == []
    tid = ticket["id"]

    seen = agent.get(f"tickets/{tid}").json_body
    assert "acknowledge" in seen["actions"]
    acked = agent.post(f"tickets/{tid}/transitions", {"action": "acknowledge", "version": seen["version"]})
    assert acked.status_code == 200, acked.json_body
    assert acked.json_body["status"] == "acknowledged"
    assert acked.json_body["owner"]["username"] == "agent1"
    assert acked.json_body["acknowledged_at"] is not None

    routed = agent.patch(f"tickets/{tid}", {"group": desk.second_line.pk, "version": acked.json_body["version"]})
    assert routed.status_code == 200, routed.json_body
    assert routed.json_body["status"] == "assigned"
    assert routed.json_body["group"]["name"] == desk.second_line.name
    assert routed.json_body["owner"]["username"] == "agent1", "the owner stays owner when the ticket is routed"

    started = resolver.post(f"tickets/{tid}/transitions", {"action": "start"})
    assert started.status_code == 200, started.json_body
    assert started.json_body["status"] == "in_progress"
    assert started.json_body["assignee"]["username"] == "agent2"

    reply = resolver.post(f"tickets/{tid}/comments", {"body": "请重新登录试试。"})
    assert reply.status_code == 201
    resolved = resolver.post(f"tickets/{tid}/transitions", {"action": "resolve", "comment": "证书已更新。"})
    assert resolved.status_code == 200, resolved.json_body
    assert resolved.json_body["status"] == "resolved"
    assert resolved.json_body["first_response_at"] is not None

    mine = customer.get(f"tickets/{tid}").json_body
    assert set(mine["actions"]) == {"confirm", "reopen"}
    closed = customer.post(f"tickets/{tid}/transitions", {"action": "confirm"})
    assert closed.status_code == 200, closed.json_body
    assert closed.json_body["status"] == "closed"
    assert closed.json_body["closed_at"] is not None

    history = agent.get(f"tickets/{tid}/history").json_body
    steps = [(h["event"], h["field"], h["new"], h["actor"]["username"]) for h in history]
    assert steps[0] == ("created", "", ticket["number"], "customer1")
    assert ("acknowledge", "status", "acknowledged", "agent1") in steps
    assert ("assigned", "group", desk.second_line.name, "agent1") in steps
    assert ("assigned", "status", "assigned", "agent1") in steps
    assert ("start", "status", "in_progress", "agent2") in steps
    assert ("start", "assignee", "agent2", "agent2") in steps
    assert ("resolve", "status", "resolved", "agent2") in steps
    assert ("confirm", "status", "closed", "customer1") in steps
    assert all(h["channel"] == "api" for h in history)

    for path in (f"tickets/{tid}", f"tickets/{tid}/history", f"tickets/{tid}/comments", f"tickets/{tid}/links",
                 f"tickets/{tid}/attachments"):
        response = api("customer3").get(path)
        assert response.status_code == 404, path
    assert api("customer3").post(f"tickets/{tid}/transitions", {"action": "reopen"}).status_code == 404
    assert api("customer3").post(f"tickets/{tid}/comments", {"body": "hi"}).status_code == 404
    assert tid not in [t["id"] for t in api("customer3").get("tickets").json_body["items"]]


def test_stale_version_gets_409_and_changes_nothing(api, desk):
    agent = api("agent1")
    ticket = agent.post("tickets", {"title": "Printer jam", "requester": desk.customer1.pk}).json_body
    first = agent.patch(f"tickets/{ticket['id']}", {"title": "Printer jam, 3rd floor", "version": ticket["version"]})
    assert first.status_code == 200
    stale = agent.patch(f"tickets/{ticket['id']}", {"title": "Something else", "version": ticket["version"]})
    assert stale.status_code == 409
    assert stale.json_body["current_version"] == first.json_body["version"]
    assert stale.json_body["changes"][0]["field"] == "title"
    assert "message" in stale.json_body
    assert agent.get(f"tickets/{ticket['id']}").json_body["title"] == "Printer jam, 3rd floor"
    stale_transition = agent.post(f"tickets/{ticket['id']}/transitions",
                                  {"action": "acknowledge", "version": ticket["version"]})
    assert stale_transition.status_code == 409
    assert agent.get(f"tickets/{ticket['id']}").json_body["status"] == "new"
