"""Naming a delegate never reveals someone the person may not see: a customer hands over only to desk staff and
to people of their own organisation (the API takes any user id; the portal any user name or address)."""

import datetime

from django.test import Client
from django.utils import timezone

from servicedesk.approvals import actions
from servicedesk.approvals.models import Delegation
from servicedesk.core.errors import NotFound
from tests.conftest import Api


def _window():
    now = timezone.now()
    return now + datetime.timedelta(hours=1), now + datetime.timedelta(days=2)


def test_a_customer_cannot_learn_another_organisations_customer_through_the_api(desk):
    starts, ends = _window()
    other = Api(desk.customer3)
    body = {"starts": starts.isoformat(), "ends": ends.isoformat()}
    refused = other.post("approvals/delegations", {**body, "delegate": desk.customer1.pk})
    assert refused.status_code == 404
    assert refused.json_body == {"message": "User not found."}
    assert desk.customer1.display_name not in refused.content.decode()
    # Staff and a colleague of the same organisation are fine.
    assert other.post("approvals/delegations", {**body, "delegate": desk.agent1.pk}).status_code == 201
    assert Api(desk.customer1).post("approvals/delegations", {**body, "delegate": desk.customer2.pk}).status_code == 201
    assert Delegation.objects.filter(user=desk.customer3, delegate=desk.customer1).count() == 0


def test_the_portal_and_the_action_refuse_the_same(desk):
    starts, ends = _window()
    client = Client()
    client.force_login(desk.customer3)
    shown = client.post("/portal/approvals/delegations/", {
        "delegate": desk.customer1.username, "starts": timezone.localtime(starts).strftime("%Y-%m-%dT%H:%M"),
        "ends": timezone.localtime(ends).strftime("%Y-%m-%dT%H:%M")})
    # customer3 reads Chinese: the same words as for a name nobody has.
    assert shown.status_code == 400 and "没有该用户名或地址的人员。" in shown.content.decode()
    try:
        actions.delegate(desk.customer3, to=desk.customer1, starts=starts, ends=ends, actor=desk.customer3,
                         channel="api")
    except NotFound:
        pass
    else:
        raise AssertionError("a customer handed over to another organisation's customer")
    assert not Delegation.objects.exists()
