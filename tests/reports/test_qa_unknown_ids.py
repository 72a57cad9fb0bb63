"""A report narrowed to an id the desk does not have (a mistyped or bookmarked group, agent, service …) is refused
with the parameter named, in the API, on the dashboard and in a report subscription, instead of a report of zeros
that reads like a quiet group."""

import pytest

from servicedesk.core.audit import Channel
from servicedesk.core.errors import ActionError
from servicedesk.reportmail import actions as reportmail


@pytest.mark.parametrize("name", ["desk", "group", "agent", "service", "category", "organisation"])
def test_the_api_refuses_an_unknown_id(desk, api, name):
    answer = api("manager").get("reports/kpis", {name: "999999", "keys": "tickets_created"},
                                HTTP_ACCEPT_LANGUAGE="zh-hans")
    assert answer.status_code == 400, answer.json_body
    assert answer.json_body["message"] == f"参数“{name}”：“999999”不存在（没有此 id）。"


def test_a_known_id_still_narrows(desk, api):
    answer = api("manager").get("reports/kpis", {"group": str(desk.first_line.pk), "keys": "tickets_created"})
    assert answer.status_code == 200, answer.json_body


def test_the_dashboard_says_so(desk, client):
    client.force_login(desk.manager)
    page = client.get("/console/reports/", {"group": "999999"})
    assert page.status_code == 400
    assert "参数“group”：“999999”不存在（没有此 id）。" in page.content.decode()


def test_a_subscription_to_an_unknown_group_is_refused(desk):
    with pytest.raises(ActionError, match="matches nothing"):
        reportmail.subscribe(reportmail.SubscriptionInput(
            frequency="weekly", language="en", time_zone="UTC", name="x", query={"desk": "999999"}, keys=[]),
            actor=desk.manager, channel=Channel.CONSOLE)


def test_a_customer_learns_nothing_of_which_ids_exist(desk, api):
    assert api("customer1").get("reports/kpis", {"group": "999999"}).status_code == 403
