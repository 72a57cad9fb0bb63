"""The CTI webhook: signed events make call records (呼叫记录), whatever order they arrive in; a replay is
stored once; a bad signature or body stores nothing."""

import datetime

import pytest

from servicedesk.core.models import AuditEntry
from servicedesk.telephony import actions
from servicedesk.telephony.models import Call, CallEvent, Extension, State

from .conftest import event

T0 = "2026-12-07T09:00:00+08:00"


def at(seconds: int) -> str:
    moment = datetime.datetime.fromisoformat(T0) + datetime.timedelta(seconds=seconds)
    return moment.isoformat()


def test_offered_then_abandoned_is_an_abandoned_call_with_its_wait(cti, desk):
    desk.customer1.phone = "138-0013-8000"
    desk.customer1.save()
    first = cti(event("offered", "c-1", at(0), caller="+86 138 0013 8000", called="10086",
                      queue=desk.first_line.name))
    assert first.status_code == 200, first.content
    assert first.json_body["state"] == "offered" and first.json_body["stored"] is True
    second = cti(event("abandoned", "c-1", at(42)))
    assert second.status_code == 200 and second.json_body["state"] == "abandoned"
    call = Call.objects.get()
    assert (call.state, call.wait_seconds, call.talk_seconds) == (State.ABANDONED, 42, None)
    assert call.person == desk.customer1  # +86 and the dashes do not hide who called
    assert call.queue_group == desk.first_line and call.agent is None
    assert call.caller_number == "+86 138 0013 8000" and call.source == "default"
    assert CallEvent.objects.filter(call=call).count() == 2
    trail = AuditEntry.objects.filter(object_id=str(call.pk), content_type__model="call")
    assert trail.filter(action="call_offered").count() == 1
    assert trail.filter(field="state", new_value="Abandoned", channel="phone").count() == 1


def test_answered_transferred_then_ended(cti, desk):
    actions.set_extension(desk.agent1, "8001", actor=desk.admin, channel="admin")
    cti(event("offered", "c-2", at(0), caller="13900000000", queue=desk.first_line.name))
    answered = cti(event("answered", "c-2", at(12), agent="8001"))
    assert answered.json_body["state"] == "answered"
    transferred = cti(event("transferred", "c-2", at(70), agent="8001", to_queue=desk.second_line.name))
    assert transferred.json_body["state"] == "transferred"
    ended = cti(event("ended", "c-2", at(190), recording_url="https://pbx.example.com/rec/c-2.wav"))
    assert ended.json_body["state"] == "ended"
    call = Call.objects.get()
    assert call.agent == desk.agent1 and call.transfer_group == desk.second_line
    assert (call.wait_seconds, call.talk_seconds) == (12, 178)
    assert (call.transferred_at - call.answered_at).total_seconds() == 58  # the transfer time (seed 004)
    assert call.recording_url.endswith("c-2.wav")
    assert call.person is None  # a number nobody has
    assert call.version == 4  # made by the offer (1), then one version per change


def test_the_transfer_target_answering_becomes_the_calls_agent(cti, desk):
    cti(event("answered", "c-3", at(5), agent="agent1"))
    cti(event("transferred", "c-3", at(30), agent="agent1", to_agent="agent2"))
    back = cti(event("answered", "c-3", at(40), agent="agent2"))
    assert back.json_body["state"] == "answered"
    call = Call.objects.get()
    assert call.agent == desk.agent2 and call.transfer_agent == desk.agent2
    assert call.answered_at == datetime.datetime.fromisoformat(at(5))


def test_a_replayed_event_is_stored_once(cti, desk):
    payload = event("offered", "c-4", at(0), caller="13900000001", event_id="pbx-1-offer")
    assert cti(payload).json_body["stored"] is True
    again = cti(payload)
    assert again.status_code == 200 and again.json_body["stored"] is False
    assert CallEvent.objects.count() == 1 and Call.objects.get().version == 1


def test_ended_before_answered_settles_on_the_times(cti, desk):
    """Out of order: the end arrives first (an abandoned call, for now), then the answer it followed."""
    assert cti(event("ended", "c-5", at(100), caller="13900000002")).json_body["state"] == "abandoned"
    assert cti(event("answered", "c-5", at(20), agent="agent1")).json_body["state"] == "ended"
    assert cti(event("offered", "c-5", at(0))).json_body["state"] == "ended"
    call = Call.objects.get()
    assert (call.wait_seconds, call.talk_seconds, call.agent) == (20, 80, desk.agent1)


def test_an_event_for_an_unknown_call_makes_the_call(cti, desk):
    response = cti(event("transferred", "never-offered", at(0), agent="agent1", to_agent="nobody-known"))
    assert response.status_code == 200 and response.json_body["state"] == "transferred"
    call = Call.objects.get()
    assert call.agent == desk.agent1 and call.transfer_agent is None


def test_bad_signature_is_401_and_stores_nothing(cti, desk):
    payload = event("offered", "c-6", at(0), caller="13900000003")
    for secret in ("wrong-secret", None):
        response = cti(payload, secret=secret)
        assert response.status_code == 401
        assert "signature" in response.json_body["message"]
    assert not Call.objects.exists() and not CallEvent.objects.exists() and not AuditEntry.objects.filter(
        content_type__model="call").exists()


def test_a_named_source_keeps_its_own_call_ids(cti, desk, settings):
    cti(event("offered", "same-id", at(0)))
    settings.SERVICEDESK_CTI_SECRETS = ["cti-test-secret", "beijing:bj-secret", "beijing:bj-new-secret"]
    assert cti(event("offered", "same-id", at(0)), secret="bj-new-secret").status_code == 200
    assert sorted(Call.objects.values_list("source", flat=True)) == ["beijing", "default"]


def test_malformed_json_is_400_in_the_senders_language(cti, desk):
    response = cti(body=b'{"event": "offered",', HTTP_ACCEPT_LANGUAGE="zh-hans")
    assert response.status_code == 400
    assert response.json_body == {"message": "请求内容不是有效的 JSON。"}
    assert cti(body=b"{oops").json_body == {"message": "The body is not valid JSON."}
    assert not Call.objects.exists()


def test_an_invalid_event_is_422_naming_the_field(cti, desk):
    response = cti(event("rang", "c-7", at(0)))
    assert response.status_code == 422 and response.json_body["errors"][0]["loc"] == ["event"]
    response = cti(event("offered", "c-7", "3026-01-01T00:00:00Z"))
    assert response.status_code == 422 and response.json_body["errors"][0]["loc"] == ["timestamp"]
    assert cti(["not", "an", "object"]).status_code == 422
    assert not Call.objects.exists()


def test_no_secret_configured_refuses_everything(cti, desk, settings):
    settings.SERVICEDESK_CTI_SECRETS = []
    assert cti(event("offered", "c-8", at(0))).status_code == 401


def test_an_extension_is_set_and_changed_with_its_audit(desk):
    extension = actions.set_extension(desk.agent2, "8002", actor=desk.admin, channel="admin")
    actions.set_extension(desk.agent2, "8012", actor=desk.admin, channel="admin")
    assert Extension.objects.get(user=desk.agent2).number == "8012" and extension.pk == Extension.objects.get().pk
    trail = AuditEntry.objects.filter(content_type__model="extension", object_id=str(extension.pk))
    assert list(trail.filter(field="number").order_by("id").values_list("old_value", "new_value")) == [
        ("", "8002"), ("8002", "8012")]
    with pytest.raises(actions.NotAllowed):
        actions.set_extension(desk.customer1, "9", actor=desk.customer1, channel="api")


def test_each_state_change_is_an_action_of_its_own(cti, desk):
    """The webhook's path and a direct call of each action meet the same rules (and customers are refused)."""
    call_id = cti(event("offered", "direct", at(10), caller="13900000009")).json_body["call"]
    moment = datetime.datetime.fromisoformat(at(0))

    def step(kind, seconds, **fields):
        return actions.CtiEvent(kind=kind, event_id="-", call_id="direct", at=moment + datetime.timedelta(
            seconds=seconds), **fields)

    with pytest.raises(actions.NotAllowed):
        actions.answer_call(call_id, step("answered", 20, agent="agent1"), actor=desk.customer1, channel="api")
    call = actions.offer_call(call_id, step("offered", 0), actor=desk.agent1, channel="console")
    call = actions.answer_call(call, step("answered", 20, agent="agent1"), actor=desk.agent1, channel="console")
    call = actions.transfer_call(call, step("transferred", 30, to_agent="agent2"), actor=desk.agent1,
                                 channel="console")
    assert (call.state, call.wait_seconds, call.transfer_agent) == (State.TRANSFERRED, 20, desk.agent2)
    assert actions.end_call(call, step("ended", 90), actor=desk.agent1, channel="console").state == State.ENDED
    other = cti(event("offered", "direct-2", at(0))).json_body["call"]
    assert actions.abandon_call(other, step("abandoned", 5), actor=desk.agent1, channel="console").state == \
        State.ABANDONED
