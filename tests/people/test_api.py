"""/api/v1/people: the same acts as the console's people screen, through the same actions and rule."""

import csv
import io

from django.core import mail

from servicedesk.accounts.models import User
from servicedesk.core import audit


def test_an_agent_creates_and_invites_a_customer(api, desk, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        answer = api("agent1").post("people", {"name": "Grace Hopper", "email": "grace@example.org",
                                              "phone": "+1 555 0100", "invite": True,
                                              "organisation": desk.customer1.organisation_id})
    assert answer.status_code == 201, answer.content
    person = User.objects.get(pk=answer.json_body["id"])
    assert (person.role, person.email, person.has_usable_password()) == ("customer", "grace@example.org", False)
    assert [m.to for m in mail.outbox] == [["grace@example.org"]]
    assert "/password/reset/" in mail.outbox[0].body and "Grace Hopper" in mail.outbox[0].body
    trail = [e.action for e in audit.trail(person)]
    assert trail[0] == "invited" and set(trail[1:]) == {"created"}


def test_the_invitation_is_in_the_persons_language(api, desk, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        answer = api("agent1").post("people", {"name": "王五", "email": "wangwu@example.cn", "language": "zh-hans",
                                              "invite": True})
    assert answer.status_code == 201
    assert "您的账户已开通" in mail.outbox[0].subject


def test_a_bad_address_is_a_clear_error(api):
    answer = api("agent1").post("people", {"name": "X", "email": "not an address"})
    assert answer.status_code == 400 and "is not an e-mail address" in answer.json_body["message"]


def test_the_list_is_whom_one_manages_and_searches(api, desk):
    names = {p["username"] for p in api("agent1").get("people", {"limit": 200}).json_body}
    assert {"customer1", "customer2", "customer3"} <= names and not names & {"agent2", "manager", "admin", "system"}
    found = api("manager").get("people", {"q": desk.customer3.email}).json_body
    assert [p["username"] for p in found] == ["customer3"]
    assert {p["role"] for p in api("manager").get("people", {"role": "agent"}).json_body} == {"agent"}
    assert api("customer1").get("people").status_code == 403


def test_someone_one_does_not_manage_is_not_found(api, desk):
    assert api("agent1").get(f"people/{desk.manager.pk}").status_code == 404
    assert api("agent1").post(f"people/{desk.agent2.pk}/deactivate", {}).status_code == 404


def test_edit_deactivate_reactivate_reset(api, desk, django_capture_on_commit_callbacks):
    client, pk = api("lead1"), desk.customer2.pk
    changed = client.patch(f"people/{pk}", {"phone": "+86 21 5555 0000", "last_name": "Li"})
    assert changed.status_code == 200 and changed.json_body["phone"] == "+86 21 5555 0000"
    assert client.post(f"people/{pk}/deactivate", {"reason": "left"}).json_body["active"] is False
    assert client.post(f"people/{pk}/reactivate", {}).json_body["active"] is True
    with django_capture_on_commit_callbacks(execute=True):
        assert client.post(f"people/{pk}/reset-link").status_code == 200
    assert mail.outbox[-1].to == [desk.customer2.email]
    actions = [e.action for e in audit.trail(desk.customer2)]
    assert actions[:3] == ["reset_link_sent", "reactivated", "deactivated"] and "changed" in actions


def test_a_known_address_is_refused_on_edit(api, desk):
    answer = api("manager").patch(f"people/{desk.customer2.pk}", {"email": desk.customer1.email.upper()})
    assert answer.status_code == 400 and "already known" in answer.json_body["message"]


def test_personal_data_and_erasure_are_for_managers(api, desk):
    assert api("agent1").get(f"people/{desk.customer2.pk}/personal-data").status_code == 403
    data = api("manager").get(f"people/{desk.customer2.pk}/personal-data").json_body
    assert data["account"]["email"] == desk.customer2.email
    assert api("manager").post(f"people/{desk.customer2.pk}/erase", {"confirm": "wrong"}).status_code == 400
    assert api("manager").post(f"people/{desk.customer2.pk}/erase",
                               {"confirm": desk.customer2.username}).status_code == 204
    assert User.objects.get(pk=desk.customer2.pk).email == ""


def test_the_audit_export_as_json_and_csv(api, desk):
    api("admin").patch(f"people/{desk.agent2.pk}", {"phone": "=1+2"})
    rows = api("manager").get("people/audit", {"kind": "person", "id": desk.agent2.pk}).json_body
    assert [(r["field"], r["new_value"]) for r in rows if r["field"] == "phone"] == [("phone", "=1+2")]
    answer = api("manager").get("people/audit", {"kind": "person", "id": desk.agent2.pk, "format": "csv"})
    assert answer["Content-Type"].startswith("text/csv")
    table = list(csv.DictReader(io.StringIO(answer.content.decode())))
    assert [r["new_value"] for r in table if r["field"] == "phone"] == ["'=1+2"]  # never a formula
    group = api("manager").get("people/audit", {"kind": "accounts.group", "id": desk.first_line.pk})
    assert group.status_code == 200
    assert api("lead1").get("people/audit", {"kind": "person", "id": desk.agent2.pk}).status_code == 403
    assert api("manager").get("people/audit", {"kind": "nothing.here", "id": "1"}).status_code == 400
    assert api("manager").get("people/audit", {"kind": "person", "id": desk.admin.pk}).status_code == 404
