"""History notes the desk writes itself (routing rules, tags, auto-assignment, the priority matrix) and
group names read in the reader's language on the ticket page; old rows too."""

import pytest
from django.utils import timezone

from servicedesk.accounts.models import Group
from servicedesk.routing.models import GroupAssignment, RoutingRule, Tag
from servicedesk.tickets import actions, history_notes
from servicedesk.tickets.models import HistoryEntry


def page(client, user, language, ticket) -> str:
    user.language = language
    user.save(update_fields=["language"])
    client.force_login(user)
    return client.get(f"/console/tickets/{ticket.number}/").content.decode()


@pytest.fixture
def routed(desk):
    """A ticket a rule routed to the 2nd line and tagged, auto-assigned round-robin there."""
    GroupAssignment.objects.create(group=desk.second_line, strategy="round_robin")
    rule = RoutingRule.objects.create(name="Network words", keywords="VPN", set_group=desk.second_line)
    rule.add_tags.set([Tag.objects.create(name="network")])
    return actions.create_ticket(actor=desk.customer1, requester=desk.customer1, title="VPN drops every hour",
                                 channel="portal")


def test_routing_notes_and_group_names_in_chinese(client, desk, routed):
    html = page(client, desk.manager, "zh-hans", routed)
    assert "路由规则：Network words" in html
    assert "系统 添加了标签 network" in html
    assert "在 网络与基础设施（二线） 中自动分派（轮流）" in html
    assert "系统 将 处理组 设为 网络与基础设施（二线）" in html
    for english in ("routing rule:", "auto-assignment", "set tags", "Network and Infrastructure"):
        assert english not in html, english


def test_routing_notes_and_group_names_in_english(client, desk, routed):
    html = page(client, desk.manager, "en", routed)
    assert "routing rule: Network words" in html
    assert "The system added the tags network" in html
    assert "auto-assignment (round robin) in Network and Infrastructure (2nd line)" in html
    assert "网络与基础设施" not in html and "路由规则" not in html


def test_an_old_history_row_reads_in_chinese_too(client, desk, routed):
    """Rows written before the notes were translated keep their stored English form and still read."""
    HistoryEntry.objects.create(
        ticket=routed, actor=None, at=timezone.now(), channel="system", event="updated", field="priority",
        old_value="3", new_value="1",
        note="routing rule: Old rule; override: impact 2 × urgency 2 gives 3", version=routed.version,
    )
    html = page(client, desk.manager, "zh-hans", routed)
    assert "路由规则：Old rule；手动设定优先级：影响度 2 × 紧急度 2 本应得出 3" in html


def test_readable_keeps_what_it_does_not_know():
    assert history_notes.readable("Diagnosis and fix") == "Diagnosis and fix"
    assert history_notes.readable("") == ""


def test_group_names_follow_the_language_on_console_lists(client, desk, routed):
    html = page(client, desk.manager, "zh-hans", routed)
    assert f'<option value="{desk.second_line.pk}">网络与基础设施（二线）</option>' in html.replace(" selected", "")
    client.force_login(desk.manager)
    queue = client.get("/console/queues/all/").content.decode()
    assert "网络与基础设施（二线）" in queue
    desk.manager.language = "en"
    desk.manager.save(update_fields=["language"])
    queue = client.get("/console/queues/all/").content.decode()
    assert "Network and Infrastructure (2nd line)" in queue and "网络与基础设施" not in queue


def test_the_english_name_stays_the_groups_key(desk):
    group = Group.objects.get(name="Network and Infrastructure (2nd line)")
    assert group.name_zh == "网络与基础设施（二线）"
