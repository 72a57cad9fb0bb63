"""The audit trail in the admin: read-only for everyone, readable by administrators only, filtered and searched,
in both languages; an audited object's History page shows its entries (old → new); secrets and password hashes
never reach it."""

import datetime

import pytest
from django.contrib.auth.models import Permission
from django.contrib.contenttypes.models import ContentType
from django.test import Client

from servicedesk.accounts import actions as account_actions
from servicedesk.accounts.models import Desk, Role
from servicedesk.core import audit
from servicedesk.core.models import AuditEntry
from servicedesk.intake.models import Mailbox
from servicedesk.sla import actions as sla_actions
from servicedesk.sla.models import SlaPolicy

TRAIL = "/admin/core/auditentry/"


@pytest.fixture
def admin(desk) -> Client:
    client = Client()
    client.force_login(desk.admin)
    return client


@pytest.fixture
def policy_changed(desk) -> SlaPolicy:
    policy = SlaPolicy.objects.order_by("order").first()
    sla_actions.update_policy(policy, actor=desk.admin, channel=audit.Channel.API,
                              changes={"resolution_minutes": 1234})
    return policy


def posted(form) -> dict:
    """What a browser posts back for an unchanged admin form."""
    data = {}
    for name in form.fields:
        value = form[name].value()
        if isinstance(value, datetime.datetime):
            data[f"{name}_0"], data[f"{name}_1"] = value.date().isoformat(), value.time().isoformat()
        elif isinstance(value, list | tuple):
            data[name] = [str(v) for v in value]
        elif value is True:
            data[name] = "on"
        elif value not in (None, False):
            data[name] = value
    return data


def test_the_trail_is_listed_and_read_only_even_for_a_superuser(desk, admin, policy_changed):
    entry = audit.trail(policy_changed).get()
    listing = admin.get(TRAIL)
    assert listing.status_code == 200
    page = listing.content.decode()
    for text in (str(desk.admin), "API", policy_changed.name, "resolution target", "1234",
                 "SLA policy", "changed"):
        assert text in page, text
    assert admin.get(f"{TRAIL}add/").status_code == 403
    assert admin.get(f"{TRAIL}{entry.pk}/change/").status_code == 200  # shown, not editable
    assert admin.post(f"{TRAIL}{entry.pk}/change/", {"note": "edited"}).status_code == 403
    assert admin.post(f"{TRAIL}{entry.pk}/delete/", {"post": "yes"}).status_code == 403
    assert admin.post(TRAIL, {"action": "delete_selected", "_selected_action": [entry.pk]}).status_code == 200
    entry.refresh_from_db()
    assert entry.note == "" and AuditEntry.objects.filter(pk=entry.pk).exists()


def test_only_administrators_read_the_trail(desk, policy_changed):
    staff = desk.manager
    staff.is_staff = True
    staff.save()
    staff.user_permissions.add(*Permission.objects.filter(codename__in=["view_auditentry", "view_slapolicy"]))
    client = Client()
    client.force_login(staff)
    assert client.get(TRAIL).status_code == 403
    history = client.get(f"/admin/sla/slapolicy/{policy_changed.pk}/history/")
    assert history.status_code == 200 and "1234" not in history.content.decode()


def test_the_trail_is_filtered_and_searched(desk, admin, policy_changed):
    mailbox = Mailbox.objects.create(name="IT", address="it@example.com", desk=Desk.objects.get(is_default=True))
    audit.record_created(mailbox, actor=desk.agent1, channel=audit.Channel.ADMIN)

    def objects(query: str) -> set[str]:
        response = admin.get(TRAIL + query)
        assert response.status_code == 200, query
        return {e.object_repr for e in response.context["cl"].result_list}

    assert objects("?channel=api") == {policy_changed.name}
    assert objects("?action=created") == {str(mailbox)}
    kind = ContentType.objects.get_for_model(Mailbox).pk
    assert objects(f"?kind={kind}") == {str(mailbox)}
    assert objects("?q=it@example") == {str(mailbox)}
    assert objects(f"?q={desk.agent1.username}") == {str(mailbox)}
    assert objects(f"?q={desk.admin.username}") == {policy_changed.name}
    today = datetime.date.today()
    assert objects(f"?at__year={today.year}") == {str(mailbox), policy_changed.name}


def test_the_trail_speaks_chinese(desk, admin, policy_changed):
    desk.admin.language = "zh-hans"
    desk.admin.save(update_fields=["language"])
    admin.force_login(desk.admin)
    page = admin.get(TRAIL, headers={"accept-language": "zh-hans"}).content.decode()
    for text in ("审计记录", "渠道", "对象类型", "旧值", "新值"):
        assert text in page, text


def test_a_policys_history_page_shows_old_and_new(desk, admin, policy_changed):
    page = admin.get(f"/admin/sla/slapolicy/{policy_changed.pk}/history/").content.decode()
    old = audit.trail(policy_changed).get().old_value
    row = next(r for r in page.split("<tr>") if "1234" in r)
    for text in (str(desk.admin), "API", "resolution target", f">{old}<", "→", ">1234<"):
        assert text in row, text


def test_an_imap_password_change_is_recorded_masked(desk, admin):
    mailbox = Mailbox.objects.create(name="IT", address="it@example.com", desk=Desk.objects.get(is_default=True),
                                     imap_host="imap.example.com", imap_username="desk", imap_password="first-S3cret")
    url = f"/admin/intake/mailbox/{mailbox.pk}/change/"
    data = posted(admin.get(url).context["adminform"].form)
    assert admin.post(url, {**data, "imap_password": "second-S3cret"}).status_code == 302
    assert admin.post(url, {**data, "imap_password": "", "clear_imap_password": "on"}).status_code == 302
    changes = [(e.old_value, e.new_value) for e in audit.trail(mailbox).filter(field="imap_password").order_by("id")]
    assert changes == [(audit.MASK, audit.MASK), (audit.MASK, "")]
    for value in AuditEntry.objects.values_list("old_value", "new_value", "note"):
        assert not any("S3cret" in v for v in value)
    assert admin.post(url, {**data, "imap_password": "third-S3cret"}).status_code == 302
    assert audit.trail(mailbox).filter(field="imap_password", old_value="", new_value=audit.MASK).exists()


def test_a_persons_role_activity_groups_and_password_set_by_an_administrator(desk, admin):
    person = desk.agent2
    url = f"/admin/accounts/user/{person.pk}/change/"
    data = posted(admin.get(url).context["adminform"].form)
    data.update(role=Role.MANAGER)
    data.pop("is_active", None)
    response = admin.post(url, data)
    assert response.status_code == 302, response.context["adminform"].form.errors
    changes = {e.field: (e.old_value, e.new_value) for e in audit.trail(person).filter(action="changed")}
    assert changes["role"] == (Role.AGENT.label, Role.MANAGER.label) and changes["is_active"] == ("true", "false")

    group = desk.second_line
    group_url = f"/admin/accounts/group/{group.pk}/change/"
    data = posted(admin.get(group_url).context["adminform"].form)
    data["members"] = [*data.get("members", []), str(desk.customer1.pk)]
    assert admin.post(group_url, data).status_code == 302
    members = audit.trail(group).get(field="members")
    assert str(desk.customer1) in members.new_value and str(desk.customer1) not in members.old_value

    response = admin.post(f"/admin/accounts/user/{person.pk}/password/",
                          {"password1": "a-new-long-secret-9", "password2": "a-new-long-secret-9"})
    assert response.status_code == 302
    person.refresh_from_db()
    event = audit.trail(person).get(action=account_actions.Event.PASSWORD_SET)
    assert (event.actor, event.channel) == (desk.admin, "admin")
    hash_part = person.password.split("$")[-1]
    for value in AuditEntry.objects.values_list("old_value", "new_value", "note"):
        assert not any(hash_part in v or "a-new-long-secret" in v for v in value)
    assert "password" not in set(AuditEntry.objects.values_list("field", flat=True))


def test_a_person_added_in_the_admin_is_recorded_without_the_password(desk, admin):
    response = admin.post("/admin/accounts/user/add/", {
        "username": "wang.fang", "usable_password": "true", "password1": "a-long-secret-77",
        "password2": "a-long-secret-77", "role": Role.AGENT, "email": "wang.fang@example.com"})
    assert response.status_code == 302, response.context["adminform"].form.errors
    created = {e.field: e.new_value for e in AuditEntry.objects.filter(object_repr="wang.fang", action="created")}
    assert created["username"] == "wang.fang" and created["role"] == Role.AGENT.label
    assert "password" not in created and not any("a-long-secret" in v for v in created.values())
