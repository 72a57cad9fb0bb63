"""Calendars and SLA policies changed through the API are in the audit trail: the administrator, channel "api",
each field's old and new value; a deletion keeps the values it had."""

from servicedesk.core import audit
from servicedesk.core.models import AuditEntry
from servicedesk.sla.models import Calendar, SlaPolicy


def test_an_api_change_of_a_policy_is_in_the_trail_with_old_and_new(api, desk):
    admin = api("admin")
    policy = SlaPolicy.objects.order_by("order").first()
    old_minutes = policy.resolution_minutes
    patched = admin.patch(f"sla/policies/{policy.pk}", {"resolution_minutes": old_minutes + 30, "name": policy.name})
    assert patched.status_code == 200, patched.json_body
    entry = audit.trail(policy).get()  # the unchanged name is not recorded
    assert (entry.action, entry.field, entry.old_value, entry.new_value) == (
        "changed", "resolution_minutes", str(old_minutes), str(old_minutes + 30))
    assert (entry.actor, entry.actor_name, entry.channel) == (desk.admin, str(desk.admin), "api")


def test_api_creations_and_deletions_are_in_the_trail(api, desk):
    admin = api("admin")
    created = admin.post("sla/calendars", {"name": "Night shift", "time_zone": "Asia/Shanghai",
                                           "weekly": {"0": [["22:00", "06:00"]]}})
    assert created.status_code == 201, created.json_body
    calendar = Calendar.objects.get(pk=created.json_body["id"])
    values = {e.field: e.new_value for e in audit.trail(calendar).filter(action="created", channel="api")}
    assert values["name"] == "Night shift" and values["time_zone"] == "Asia/Shanghai"
    assert values["weekly"] == '{"0": [["22:00", "06:00"]]}'

    assert admin.delete(f"sla/calendars/{calendar.pk}").status_code == 204
    deleted = AuditEntry.objects.filter(object_id=str(calendar.pk), action="deleted", channel="api")
    assert {e.field: e.old_value for e in deleted}["name"] == "Night shift"


def test_a_refused_change_leaves_no_entry(api, desk):
    policy = SlaPolicy.objects.order_by("order").first()
    refused = api("admin").patch(f"sla/policies/{policy.pk}", {"calendar": 999999})
    assert refused.status_code == 400
    assert api("agent1").patch(f"sla/policies/{policy.pk}", {"resolution_minutes": 5}).status_code == 403
    assert not audit.trail(policy).exists()
