"""The audit trail: an administrator's change to a calendar, an SLA policy or a routing rule is recorded with
its author, channel and the old and new value of each field changed; adds and deletes too."""

import pytest
from django.test import Client

from servicedesk.core import audit
from servicedesk.core.models import AuditEntry
from servicedesk.routing.models import RoutingRule
from servicedesk.sla.models import Calendar, SlaPolicy


@pytest.fixture
def admin(desk) -> Client:
    client = Client()
    client.force_login(desk.admin)
    return client


def changes_of(obj) -> dict[str, tuple[str, str]]:
    return {e.field: (e.old_value, e.new_value) for e in audit.trail(obj) if e.action == "changed"}


def test_a_calendar_changed_in_the_admin_is_in_the_trail(desk, admin):
    calendar = Calendar.objects.get(is_default=True)
    page = admin.get(f"/admin/sla/calendar/{calendar.pk}/change/")
    form = page.context["adminform"].form
    data = {name: form[name].value() for name in ("name", "time_zone", "weekly")}
    data.update(name="Beijing office", time_zone="Asia/Shanghai", is_default="on",
                **{"days-TOTAL_FORMS": "0", "days-INITIAL_FORMS": "0"})
    prefix = page.context["inline_admin_formsets"][0].formset.prefix
    data.update({f"{prefix}-TOTAL_FORMS": "0", f"{prefix}-INITIAL_FORMS": "0"})
    response = admin.post(f"/admin/sla/calendar/{calendar.pk}/change/", data)
    assert response.status_code == 302, response.content.decode()[:3000]
    entry = audit.trail(calendar).get(field="name")
    assert (entry.old_value, entry.new_value) == (calendar.name, "Beijing office")
    assert (entry.actor_id, entry.actor_name, entry.channel) == (desk.admin.pk, str(desk.admin), "admin")
    assert entry.object_repr == "Beijing office"


def test_a_policy_changed_in_the_list_is_in_the_trail(desk, admin):
    policy = SlaPolicy.objects.order_by("order").first()
    # The policies' list edits order and active in place.
    policies = list(SlaPolicy.objects.order_by("order", "pk"))
    data = {"form-TOTAL_FORMS": str(len(policies)), "form-INITIAL_FORMS": str(len(policies)), "_save": "Save"}
    for index, row in enumerate(policies):
        data[f"form-{index}-id"] = str(row.pk)
        data[f"form-{index}-order"] = str(row.order + (5 if row.pk == policy.pk else 0))
        if row.is_active and row.pk != policy.pk:
            data[f"form-{index}-is_active"] = "on"
    response = admin.post("/admin/sla/slapolicy/", data)
    assert response.status_code == 302, response.content.decode()[:3000]
    assert changes_of(policy) == {"order": (str(policy.order), str(policy.order + 5)),
                                  "is_active": ("true" if policy.is_active else "false", "false")}


def test_a_routing_rule_added_changed_and_deleted_in_the_admin(desk, admin):
    response = admin.post("/admin/routing/routingrule/add/", {
        "name": "VPN to the network team", "order": "10", "is_active": "on", "keywords": "vpn",
        "set_group": str(desk.second_line.pk),
    })
    assert response.status_code == 302, response.context["adminform"].form.errors
    rule = RoutingRule.objects.get(name="VPN to the network team")
    created = {e.field: e.new_value for e in audit.trail(rule).filter(action="created")}
    assert created["name"] == "VPN to the network team" and created["keywords"] == "vpn"
    assert str(desk.second_line) in created["set_group"]

    page = admin.get(f"/admin/routing/routingrule/{rule.pk}/change/")
    form = page.context["adminform"].form
    data = {name: form[name].value() for name in form.fields if form[name].value() is not None}
    data = {k: (v if not isinstance(v, list) else [str(x) for x in v]) for k, v in data.items()}
    data.update(keywords="vpn\nanyconnect", is_active="on")
    data = {k: v for k, v in data.items() if v is not False}
    response = admin.post(f"/admin/routing/routingrule/{rule.pk}/change/", data)
    assert response.status_code == 302, response.content.decode()[:5000]
    assert changes_of(rule) == {"keywords": ("vpn", "vpn\nanyconnect")}

    response = admin.post(f"/admin/routing/routingrule/{rule.pk}/delete/", {"post": "yes"})
    assert response.status_code == 302
    deleted = AuditEntry.objects.filter(object_id=str(rule.pk), action="deleted")
    assert {e.field: e.old_value for e in deleted}["name"] == "VPN to the network team"
    assert {e.actor_id for e in deleted} == {desk.admin.pk}


def test_nothing_is_recorded_without_an_actor(desk):
    calendar = Calendar.objects.get(is_default=True)
    with pytest.raises(ValueError):
        audit.record_created(calendar, actor=None, channel=audit.Channel.SYSTEM)


def test_entries_are_append_only(desk):
    calendar = Calendar.objects.get(is_default=True)
    audit.record_event(calendar, "checked", actor=desk.admin, channel=audit.Channel.COMMAND)
    entry = audit.trail(calendar).get()
    entry.note = "edited"
    with pytest.raises(ValueError):
        entry.save()
