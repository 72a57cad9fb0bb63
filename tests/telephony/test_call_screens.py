"""The console's phone screens: the screen pop (one indexed read while nothing changes), the quick log it
opens and the call it links, the calls list with its figures, a call's page, and who sees which calls."""

import datetime

import pytest
from django.utils import timezone

from servicedesk.core.models import AuditEntry
from servicedesk.telephony.models import QUICK_LOG_SOURCE, Call, State
from servicedesk.tickets import actions as ticket_actions
from servicedesk.tickets.models import Status, Ticket

from .conftest import event

POP = "/console/calls/pop/"


def now(seconds: int = 0) -> str:
    return (timezone.now() + datetime.timedelta(seconds=seconds)).isoformat()


@pytest.fixture
def caller(desk):
    desk.customer2.phone = "0086 139-1234-5678"
    desk.customer2.save()
    return desk.customer2


def test_the_pop_shows_the_answered_callers_screen(cti, client, desk, caller, django_assert_max_num_queries):
    client.force_login(desk.agent1)
    assert client.get(POP).status_code == 204  # nothing answered: nothing to draw
    ticket = ticket_actions.create_ticket(actor=caller, title="Printer jams on every page")
    cti(event("offered", "pop-1", now(-30), caller="+8613912345678"))
    call_id = cti(event("answered", "pop-1", now(-20), agent="agent1")).json_body["call"]
    response = client.get(POP)
    body = response.content.decode()
    assert response.status_code == 200 and f'data-call="{call_id}"' in body
    assert "Grace Hopper" in body and ticket.number in body and "Printer jams" in body
    assert f"/console/quick-log/?call={call_id}" in body
    assert f'hx-get="{POP}?shown={call_id}"' in body  # the next poll says what the page shows
    with django_assert_max_num_queries(4):  # session, user, preferences' nothing, and the one indexed read
        assert client.get(POP, {"shown": call_id}).status_code == 204
    client.force_login(desk.agent2)
    assert client.get(POP).status_code == 204  # another agent's call pops on theirs only


def test_an_unknown_number_pops_and_prefills_the_new_caller(cti, client, desk):
    client.force_login(desk.agent1)
    call_id = cti(event("answered", "pop-2", now(), caller="021 5555 0199", agent="agent1")).json_body["call"]
    body = client.get(POP).content.decode()
    assert "Unknown number" in body and "021 5555 0199" in body
    form = client.get("/console/quick-log/", {"call": call_id}).content.decode()
    assert f'name="call" value="{call_id}"' in form
    assert 'value="021 5555 0199"' in form and "<details class=\"new-caller\" open>" in form


def test_the_quick_log_links_the_popped_call_to_its_ticket(cti, client, desk, caller):
    client.force_login(desk.agent1)
    call_id = cti(event("answered", "pop-3", now(), caller="13912345678", agent="agent1")).json_body["call"]
    form = client.get("/console/quick-log/", {"call": call_id}).content.decode()
    assert f'name="requester" value="{caller.pk}" checked' in form  # the caller is chosen already
    response = client.post("/console/quick-log/", {
        "call": call_id, "requester": caller.pk, "title": "VPN drops", "type": "incident", "impact": "2",
        "urgency": "2", "outcome": "solved", "solution": "Reinstalled the client."})
    ticket = Ticket.objects.get(title="VPN drops")
    assert response.status_code == 302 and ticket.status == Status.CLOSED
    call = Call.objects.get(pk=call_id)
    assert call.ticket == ticket and call.version == 3
    assert AuditEntry.objects.filter(object_id=str(call_id), field="ticket", channel="console").exists()
    again = client.post("/console/quick-log/", {
        "call": call_id, "requester": caller.pk, "title": "VPN drops again", "type": "incident", "impact": "2",
        "urgency": "2", "outcome": "route"})
    assert again.status_code == 200 and "logged already" in again.content.decode()
    assert not Ticket.objects.filter(title="VPN drops again").exists()  # the quick log rolled back whole
    assert client.get(POP).status_code == 204
    gone = client.get(POP, {"shown": call_id})  # a page still showing it: the poll takes the panel away
    assert gone.status_code == 200 and b"call-caller" not in gone.content and b"?shown=" not in gone.content


def test_a_quick_log_without_a_cti_call_records_one(client, desk, caller):
    client.force_login(desk.agent1)
    client.post("/console/quick-log/", {
        "requester": caller.pk, "title": "Mouse broken", "type": "incident", "impact": "3", "urgency": "3",
        "outcome": "route"})
    call = Call.objects.get()
    assert call.source == QUICK_LOG_SOURCE and call.ticket.title == "Mouse broken"
    assert (call.person, call.agent, call.state) == (caller, desk.agent1, State.ENDED)
    assert call.caller_number == caller.phone and call.wait_seconds is None


def test_another_desks_call_cannot_be_logged(cti, client, desk):
    from servicedesk.accounts.models import Desk

    other = Desk.objects.create(name="Shenzhen", prefix="SZ")
    desk.third_line.desk = other
    desk.third_line.save()
    call_id = cti(event("offered", "szx-1", now(), queue=desk.third_line.name)).json_body["call"]
    client.force_login(desk.agent1)  # of the 1st line, which is of no desk… but not of Shenzhen's groups
    desk.first_line.desk = Desk.objects.exclude(pk=other.pk).first() or Desk.objects.create(name="HQ", prefix="HQ")
    desk.first_line.save()
    assert client.get(f"/console/calls/{call_id}/").status_code == 404
    response = client.post("/console/quick-log/", {
        "call": call_id, "requester": desk.customer1.pk, "title": "Not mine", "type": "incident", "impact": "2",
        "urgency": "2", "outcome": "route"})
    assert response.status_code == 200 and "not yours to log" in response.content.decode()
    assert not Ticket.objects.exists()
    client.force_login(desk.manager)
    assert client.get(f"/console/calls/{call_id}/").status_code == 200


def test_the_calls_list_filters_and_sums_up(cti, client, desk, caller):
    cti(event("offered", "k-1", now(-300), caller="13912345678", queue=desk.first_line.name))
    cti(event("answered", "k-1", now(-290), agent="agent1"))
    cti(event("ended", "k-1", now(-200)))
    cti(event("offered", "k-2", now(-100), caller="13800000000"))
    cti(event("abandoned", "k-2", now(-70)))
    client.force_login(desk.agent1)
    body = client.get("/console/calls/").content.decode()
    figures = {name: body.split(f'data-figure="{name}">', 1)[1].split("<", 1)[0]
               for name in ("offered", "answered", "abandoned", "abandoned_rate", "wait", "talk")}
    assert figures == {"offered": "2", "answered": "1", "abandoned": "1", "abandoned_rate": "50.0%",
                       "wait": "20 s", "talk": "90 s"}
    only = client.get("/console/calls/", {"state": "abandoned"}).content.decode()
    assert "13800000000" in only and "Grace Hopper" not in only
    assert client.get("/console/calls/", {"date_from": "2020-01-01", "date_to": "2020-01-31"}).context[
        "figures"]["offered"] == 0
    assert client.get("/console/calls/", {"state": "rang"}).status_code == 400
    assert client.get("/console/calls/", {"after": "garbage"}).status_code == 400
    client.force_login(desk.manager)  # in Chinese
    zh = client.get("/console/calls/").content.decode()
    assert "呼损率" in zh and "呼叫记录" in client.get(f"/console/calls/{Call.objects.first().pk}/").content.decode()


def test_customers_see_no_calls(client, desk):
    client.force_login(desk.customer1)
    assert client.get("/console/calls/").status_code == 404
    assert client.get(POP).status_code == 404


def test_the_admin_shows_calls_and_edits_extensions(cti, client, desk):
    call_id = cti(event("offered", "adm-1", now(), caller="13800000000")).json_body["call"]
    client.force_login(desk.admin)
    assert client.get("/admin/telephony/call/").status_code == 200
    page = client.get(f"/admin/telephony/call/{call_id}/change/")
    assert page.status_code == 200 and b"adm-1" in page.content
    response = client.post("/admin/telephony/extension/add/", {"user": desk.agent1.pk, "number": "8001"})
    assert response.status_code == 302
    assert AuditEntry.objects.filter(content_type__model="extension", channel="admin", field="number").exists()
