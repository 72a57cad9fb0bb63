"""Administrators edit and order the rules, and set each group's auto-assignment, in the admin site."""

from django.test import Client

from servicedesk.routing.models import GroupAssignment, RoutingRule, Strategy

from .conftest import category


def admin_client(desk):
    client = Client()
    client.force_login(desk.admin)
    return client


def test_admin_creates_a_rule_with_check_boxes_and_reorders(desk, make_rule):
    client = admin_client(desk)
    assert client.get("/admin/routing/routingrule/add/").status_code == 200
    response = client.post("/admin/routing/routingrule/add/", {
        "name": "Phone VPN calls", "order": 7, "is_active": "on",
        "channels": ["phone", "email"], "ticket_types": ["incident"], "languages": ["zh-hans"],
        "categories": [category("VPN").pk], "keywords": "VPN，网络", "set_group": desk.second_line.pk,
        "set_urgency": 1,
    })
    assert response.status_code == 302, response.content.decode()[:2000]
    rule = RoutingRule.objects.get(name="Phone VPN calls")
    assert (rule.channels, rule.ticket_types, rule.languages) == (["phone", "email"], ["incident"], ["zh-hans"])
    assert rule.keyword_list == ["VPN", "网络"]
    bad = client.post("/admin/routing/routingrule/add/", {"name": "x", "order": 1, "set_owner": desk.customer1.pk})
    assert bad.status_code == 200 and not RoutingRule.objects.filter(name="x").exists()

    make_rule("Earlier", order=3)
    listing = client.get("/admin/routing/routingrule/")
    assert listing.status_code == 200
    text = listing.content.decode()
    assert text.index("Earlier") < text.index("Phone VPN calls")


def test_admin_sets_a_group_strategy(desk):
    client = admin_client(desk)
    response = client.post("/admin/routing/groupassignment/add/",
                           {"group": desk.second_line.pk, "strategy": Strategy.LEAST_OPEN})
    assert response.status_code == 302
    assert GroupAssignment.objects.get(group=desk.second_line).strategy == Strategy.LEAST_OPEN
    assert client.get("/admin/routing/groupassignment/").status_code == 200
    assert client.get("/admin/routing/skill/add/").status_code == 200
    assert client.get("/admin/routing/tickettag/").status_code == 200
