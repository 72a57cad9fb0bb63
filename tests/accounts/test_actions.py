"""accounts.actions: a person's preferences through one action from the page, the language switch and
the API (same rules, same errors, one audit trail); customers made by one action with one user-name rule."""

import pytest
from django.test import Client

from servicedesk.accounts import actions
from servicedesk.accounts.identity import system_user
from servicedesk.accounts.models import Role, User
from servicedesk.core import audit
from servicedesk.core.errors import ActionError, NotAllowed
from servicedesk.intake.models import UnknownSenders
from tests.console.test_quicklog import form as quick_log_form
from tests.intake.test_ingest import deliver, mailbox  # noqa: F401  (mailbox: a fixture)
from tests.intake.test_ingest import make as mail


def changed(obj) -> dict:
    return {e.field: (e.old_value, e.new_value, e.channel, e.actor_id) for e in audit.trail(obj)
            if e.action == "changed"}


def signed_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


# --- preferences -------------------------------------------------------------------------------


def test_the_page_saves_through_the_action_and_is_audited(desk):
    signed_in(desk.customer2).post("/preferences/", {"language": "zh-hans", "time_zone": "Europe/Berlin"})
    trail = changed(desk.customer2)
    assert trail["time_zone"] == ("Asia/Shanghai", "Europe/Berlin", "portal", desk.customer2.pk)
    assert trail["language"][2:] == ("portal", desk.customer2.pk)
    assert User.objects.get(pk=desk.customer2.pk).language == "zh-hans"


def test_the_api_saves_through_the_action_and_is_audited(api, desk):
    assert api("agent1").patch("me", {"time_zone": "Asia/Tokyo", "first_name": " Ada "}).status_code == 200
    trail = changed(desk.agent1)
    assert trail["time_zone"][1:] == ("Asia/Tokyo", "api", desk.agent1.pk)
    assert trail["first_name"][1] == "Ada"


def test_the_language_switch_saves_through_the_action(desk):
    signed_in(desk.agent1).post("/language/", {"language": "zh-hans", "next": "/console/"})
    assert changed(desk.agent1)["language"][2:] == ("console", desk.agent1.pk)


def test_nothing_changed_records_nothing(desk):
    same = User.objects.get(pk=desk.customer2.pk)
    actions.set_preferences(same, actor=same, channel="portal", time_zone=same.time_zone)
    assert not changed(same)


@pytest.mark.parametrize(("field", "value", "message"), [
    ("time_zone", "Mars/Olympus", "Unknown time zone: Mars/Olympus"),
    ("language", "tlh", "Unknown language: tlh"),
])
def test_page_and_api_refuse_with_the_same_message(api, desk, field, value, message):
    good = {"language": "en", "time_zone": "UTC"}
    page = signed_in(desk.customer2).post("/preferences/", {**good, field: value})
    assert page.status_code == 200 and message in page.content.decode()
    answer = api("customer2").patch("me", {field: value})
    assert answer.status_code == 400 and answer.json_body["message"] == message
    with pytest.raises(ActionError, match=message):
        actions.set_preferences(desk.customer2, actor=desk.customer2, channel="api", **{field: value})
    assert not changed(desk.customer2)


def test_refusals_read_in_chinese_on_the_page(desk):
    page = signed_in(desk.customer1).post("/preferences/", {"language": "zh-hans", "time_zone": "Mars/Olympus"})
    assert "未知时区：Mars/Olympus" in page.content.decode()


def test_only_oneself_or_an_administrator_changes_preferences(desk):
    with pytest.raises(NotAllowed):
        actions.set_preferences(desk.customer1, actor=desk.agent1, channel="api", language="en")
    actions.set_preferences(desk.customer1, actor=desk.admin, channel="admin", language="en")
    assert changed(desk.customer1)["language"][3] == desk.admin.pk


# --- customers ---------------------------------------------------------------------------------


def make(email="", name="", **kwargs):
    return actions.create_customer(name=name, email=email, actor=kwargs.pop("actor", system_user()),
                                   channel=kwargs.pop("channel", "email"), **kwargs)


def test_the_user_name_is_the_address(db):
    customer = make("Zhou.Jie@Example.com", "周杰")
    assert customer.username == "Zhou.Jie@Example.com" and customer.first_name == "周杰"
    assert customer.role == Role.CUSTOMER and not customer.has_usable_password()


def test_a_taken_name_gets_a_number_whatever_the_case(db):
    User.objects.create(username="li@example.cn")
    User.objects.create(username="LI@example.cn-2")
    assert make("Li@Example.cn").username == "Li@Example.cn-3"


def test_odd_addresses_become_a_valid_user_name(db):
    odd = make('"john doe"!#$%@example.com')
    assert odd.username == "john-doe-----@example.com"
    odd.full_clean(exclude=["password", "email"])  # the user name is valid
    long = make("a" * 200 + "@example.com")
    assert len(long.username) == actions.USERNAME_MAX
    assert len(make("a" * 200 + "@example.org").username) == actions.USERNAME_MAX + 2  # "-2"


def test_without_an_address_the_name_then_customer(db):
    assert make(name="王五").username == "王五"
    assert make(name="王五").username == "王五-2"
    assert make(name="Grace Hopper").username == "grace-hopper"
    assert make(name="!!!").username == "customer"


def test_a_known_address_is_refused(db):
    make("known@example.com")
    with pytest.raises(ActionError):
        make("KNOWN@example.com")


def test_creation_is_audited_with_who_and_channel(desk):
    customer = make("new@example.com", "New", actor=desk.agent1, channel="phone", phone="+86 10 1234")
    created = [e for e in audit.trail(customer) if e.action == "created"]
    assert {e.field for e in created} >= {"username", "email", "role", "phone"}
    assert {(e.actor_id, e.channel) for e in created} == {(desk.agent1.pk, "phone")}


def test_only_desk_staff_add_customers(desk):
    with pytest.raises(NotAllowed):
        make("x@example.com", actor=desk.customer1)


def test_the_quick_log_and_the_mail_share_the_rule(desk, mailbox):  # noqa: F811
    mailbox.unknown_senders = UnknownSenders.CREATE_CUSTOMER
    mailbox.save()
    sender = deliver(mail("Wang.Wu@Example.cn"), mailbox).ticket.requester
    assert sender.username == "wang.wu@example.cn" and sender.is_customer  # the ingester lower-cases it
    assert [(e.actor_id, e.channel) for e in audit.trail(sender)][:1] == [(system_user().pk, "email")]
    phone = signed_in(desk.agent1)
    phone.post("/console/quick-log/", quick_log_form(new_name="王五", new_email="wang.wu@example.org"))
    assert User.objects.get(email="wang.wu@example.org").username == "wang.wu@example.org"
