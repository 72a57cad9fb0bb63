"""The smaller screen changes of issue 12 in a real browser, in both languages: one top menu on every
console page, Cancel as tall as Save, "just now", the history in the reader's language, the admin
under the desk's name."""

import pytest

from servicedesk.routing.models import GroupAssignment, RoutingRule, Tag
from servicedesk.tickets import actions

from .conftest import screenshot


def nav_items(page) -> list[tuple[str, str]]:
    links = page.locator("nav.topnav a")
    return [(links.nth(i).get_attribute("href"), links.nth(i).inner_text()) for i in range(links.count())]


@pytest.mark.parametrize("language", ["en", "zh-hans"])
def test_the_console_top_menu_stays_the_same(sign_in, e2e_desk, language):
    ticket = actions.create_ticket(actor=e2e_desk["customer1"], title="Printer jams", description="Floor 3.",
                                   channel="portal")
    page = sign_in("lead1", language)
    menus = {}
    for path in ("/console/", "/console/quick-log/", "/console/canned/", "/console/canned/new/",
                 f"/console/tickets/{ticket.number}/", "/console/kb/"):
        page.goto(page.base_url + path)
        menus[path] = nav_items(page)
    first = menus["/console/"]
    assert [href for href, _label in first] == ["/console/", "/console/quick-log/", "/console/canned/", "/console/kb/",
                                                "/console/kb/upkeep/", "/console/announcements/", "/console/robots/",
                                                "/console/calls/", "/console/major/", "/console/reports/",
                                                "/console/approvals/", "/console/cmdb/", "/console/problems/",
                                                "/console/changes/", "/console/people/"]
    assert all(menu == first for menu in menus.values()), menus
    expected = {"en": ["Queues", "Quick log", "Canned responses", "Knowledge base", "Knowledge upkeep",
                       "Announcements", "Chat robots", "Calls", "Major incidents", "Reports", "Approvals",
                       "Configuration items", "Problems", "Changes", "People"],
                "zh-hans": ["队列", "快速登记", "回复模板", "知识库", "知识维护", "公告", "聊天机器人", "呼叫记录",
                            "重大事件", "报表", "审批", "配置项", "问题", "变更", "人员"]}
    assert [label for _href, label in first] == expected[language]


@pytest.mark.parametrize("language", ["en", "zh-hans"])
def test_cancel_is_as_tall_as_save_on_the_canned_response_form(sign_in, language):
    page = sign_in("agent1", language)
    page.goto(f"{page.base_url}/console/canned/new/")
    save = page.locator(".canned-form .actions button.primary").bounding_box()
    cancel = page.locator(".canned-form .actions a.button").bounding_box()
    assert abs(save["height"] - cancel["height"]) < 1, (save, cancel)
    assert abs(save["y"] - cancel["y"]) < 1
    screenshot(page, f"console-canned-form-{language}")


@pytest.mark.parametrize(("language", "words"), [("en", "updated just now"), ("zh-hans", "刚刚更新")])
def test_a_request_just_changed_says_so(sign_in, e2e_desk, language, words):
    actions.create_ticket(actor=e2e_desk["customer1"], title="VPN drops", description="Every hour.",
                          channel="portal")
    page = sign_in("customer1", language)
    page.goto(f"{page.base_url}/portal/requests/")
    assert words in page.locator("main").inner_text()
    assert "0 分钟" not in page.content() and "0 minutes" not in page.content()


@pytest.mark.parametrize("language", ["en", "zh-hans"])
def test_the_timeline_speaks_the_readers_language(sign_in, e2e_desk, language):
    second = e2e_desk["lead1"].led_groups.get(tier=2)
    GroupAssignment.objects.create(group=second, strategy="round_robin")
    rule = RoutingRule.objects.create(name="Network words", keywords="VPN", set_group=second)
    rule.add_tags.set([Tag.objects.create(name="network")])
    ticket = actions.create_ticket(actor=e2e_desk["customer1"], title="VPN drops every hour",
                                   description="Since Monday.", channel="portal")
    page = sign_in("manager", language)
    page.goto(f"{page.base_url}/console/tickets/{ticket.number}/")
    text = page.locator("main").inner_text()
    if language == "zh-hans":
        assert "路由规则：Network words" in text and "添加了标签 network" in text
        assert "网络与基础设施（二线）" in text and "Network and Infrastructure" not in text
        assert "routing rule" not in text and "auto-assignment" not in text
    else:
        assert "routing rule: Network words" in text and "added the tags network" in text
        assert "Network and Infrastructure (2nd line)" in text
    screenshot(page, f"console-ticket-routed-{language}")


@pytest.mark.parametrize(("language", "header"), [("en", "Service Desk administration"), ("zh-hans", "服务台 管理")])
def test_the_admin_bears_the_desks_name(sign_in, language, header):
    page = sign_in("admin", language)
    page.goto(f"{page.base_url}/admin/")
    assert page.locator("#site-name").inner_text() == header
    assert "Django" not in page.title() and "Django" not in page.locator("body").inner_text()
    screenshot(page, f"admin-index-{language}")
