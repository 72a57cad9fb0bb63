"""/api/v1/cmdb: items as each role sees them, writes by the managers, relations, impact and ticket links."""

from servicedesk.tickets import actions as ticket_actions


def test_customers_see_only_the_items_they_use(api, estate):
    names = [i["name"] for i in api("customer1").get("cmdb/items").json_body["items"]]
    assert names == ["LT-0001"]
    assert api("customer3").get("cmdb/items").json_body["items"] == []
    assert api("customer3").get(f"cmdb/items/{estate['laptop'].pk}").status_code == 404
    assert len(api("agent1").get("cmdb/items?limit=2").json_body["items"]) == 2
    assert [i["name"] for i in api("agent1").get("cmdb/items?type=server").json_body["items"]] == ["srv-db-01"]


def test_managers_create_and_change_items_with_checked_attributes(api, types, desk):
    made = api("lead1").post("cmdb/items", {"type": "server", "name": "srv-web-01", "attributes": {"cpus": "4"}})
    assert made.status_code == 201, made.json_body
    assert made.json_body["attributes"] == {"cpus": 4}
    refused = api("lead1").post("cmdb/items", {"type": "server", "name": "srv-web-02", "attributes": {"os": "BeOS"}})
    assert refused.status_code == 400
    assert "CPUs" in refused.json_body["message"] or "处理器数" in refused.json_body["message"]
    assert api("agent1").post("cmdb/items", {"type": "laptop", "name": "x"}).status_code == 403
    item = made.json_body["id"]
    changed = api("manager").patch(f"cmdb/items/{item}", {"version": 1, "location": "Shanghai DC"})
    assert changed.status_code == 200 and changed.json_body["version"] == 2
    stale = api("manager").patch(f"cmdb/items/{item}", {"version": 1, "location": "Beijing DC"})
    assert stale.status_code == 409


def test_relations_and_impact_for_staff(api, estate):
    server = estate["server"].pk
    found = api("agent1").get(f"cmdb/items/{server}/impact").json_body
    assert [(a["name"], a["level"]) for a in found["affected"]] == [("Payroll app", 1), ("Payroll", 2)]
    assert [s["name"] for s in found["services"]] == ["Payroll"]
    assert api("customer1").get(f"cmdb/items/{estate['laptop'].pk}/impact").status_code == 403
    relations = api("agent1").get(f"cmdb/items/{estate['app'].pk}/relations").json_body
    assert {(r["source"]["name"], r["kind"], r["target"]["name"]) for r in relations} == {
        ("Payroll app", "runs_on", "srv-db-01"), ("Payroll", "depends_on", "Payroll app")}
    added = api("lead1").post("cmdb/relations", {"source": estate["laptop"].pk, "target": server,
                                                 "kind": "connected_to"})
    assert added.status_code == 201
    assert api("lead1").post("cmdb/relations", {"source": server, "target": server,
                                                "kind": "depends_on"}).status_code == 400
    assert api("lead1").delete(f"cmdb/relations/{added.json_body['id']}").status_code == 204


def test_ticket_links_through_the_api(api, desk, estate):
    ticket = ticket_actions.create_ticket(actor=desk.customer1, title="Screen flickers")
    laptop = estate["laptop"].pk
    assert api("customer1").post(f"cmdb/tickets/{ticket.number}/items/{estate['server'].pk}").status_code == 404
    assert api("customer1").post(f"cmdb/tickets/{ticket.number}/items/{laptop}").status_code == 204
    assert [i["name"] for i in api("customer1").get(f"cmdb/tickets/{ticket.number}/items").json_body] == ["LT-0001"]
    assert [t["number"] for t in api("agent1").get(f"cmdb/items/{laptop}/tickets").json_body] == [ticket.number]
    assert api("customer3").post(f"cmdb/tickets/{ticket.number}/items/{laptop}").status_code == 404
    assert api("customer1").delete(f"cmdb/tickets/{ticket.number}/items/{laptop}").status_code == 204
