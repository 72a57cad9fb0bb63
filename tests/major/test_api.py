"""/api/v1/tickets/{id}/major: declare, read (state, pages, timeline), link, acknowledge, stand down, resolve;
4xx JSON errors in the caller's language."""

from servicedesk.major.models import MajorIncident
from servicedesk.tickets import actions as ticket_actions
from servicedesk.tickets.models import Status, Ticket


def test_declare_read_link_acknowledge_and_resolve_through_the_api(api, desk, contacts, incident):
    lead = api("lead1")
    declared = lead.post(f"tickets/{incident.pk}/major", {"reason": "All printers", "notice": False,
                                                          "version": incident.version})
    assert declared.status_code == 201, declared.json_body
    body = declared.json_body
    assert body["state"] == "active" and body["announcement"] is None
    assert [p["name"] for p in body["pages"]] == ["Alex Chen", "Duty officer"]
    assert [m["kind"] for m in body["timeline"]][:3] == ["declared", "page", "page"]
    other = ticket_actions.create_ticket(actor=desk.customer1, title="Printer 7")
    linked = lead.post(f"tickets/{incident.pk}/major/links", {"incident": other.number})
    assert linked.status_code == 201 and linked.json_body["linked_incidents"] == [other.number]
    page = body["pages"][1]["id"]
    acked = lead.post(f"tickets/{incident.pk}/major/pages/{page}/acknowledge")
    assert acked.status_code == 200 and acked.json_body["pages"][1]["acknowledged_via"] == "api"
    stale = lead.post(f"tickets/{incident.pk}/major/resolve", {"resolution": "Back", "version": 7})
    assert stale.status_code == 409 and "message" in stale.json_body
    resolved = lead.post(f"tickets/{incident.pk}/major/resolve", {
        "resolution": "Back", "version": acked.json_body["version"]})
    assert resolved.status_code == 200 and resolved.json_body["state"] == "resolved"
    assert Ticket.objects.get(pk=other.pk).status == Status.RESOLVED
    assert api("agent1").get(f"tickets/{incident.pk}/major").json_body["state"] == "resolved"


def test_refusals_are_json_in_the_callers_language(api, desk, incident):
    agent = api("agent1")
    refused = agent.post(f"tickets/{incident.pk}/major", {"reason": "Big"})
    assert refused.status_code == 403 and "major incident" in refused.json_body["message"]
    chinese = api("manager").post(f"tickets/{incident.pk}/major", {"reason": "  "}, HTTP_ACCEPT_LANGUAGE="zh-hans")
    assert chinese.status_code == 400 and chinese.json_body["message"] == "请说明为什么这是重大事件。"
    missing = api("admin").get(f"tickets/{incident.pk}/major")
    assert missing.status_code == 404 and missing.json_body["message"] == f"{incident.number} is not a major incident."
    own = api("customer2").get(f"tickets/{incident.pk}/major")  # the requester sees the ticket, not this
    assert own.status_code == 403
    assert api("customer1").get(f"tickets/{incident.pk}/major").status_code == 404
    assert api("admin").post(f"tickets/{incident.pk}/major", {"reason": "x\u0000"}).status_code == 422
    assert not MajorIncident.objects.exists()
