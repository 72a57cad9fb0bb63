"""The console's chat robots in the browser, in both languages: a group lead adds a WeCom robot to the group
they lead, saves it and sends a test message, which the stand-in WeCom server on loopback takes once."""

import pytest

from servicedesk.accounts.models import Group
from servicedesk.notify.models import Robot
from tests.notify.chat_servers import platform_server_fixture  # noqa: F401  (the platform_server fixture)

from .conftest import screenshot, translated


@pytest.mark.parametrize("language", ["en", "zh-hans"])
def test_a_lead_adds_the_groups_robot_and_tests_it(sign_in, live_server, e2e_desk, platform_server, language):
    server = platform_server("wecom")
    first_line = Group.objects.get(name="Service Desk (1st line)")
    lead = sign_in("lead1", language)
    lead.goto(f"{lead.base_url}/console/robots/")
    assert lead.locator("h1").inner_text() == translated(language, "Chat robots")
    assert lead.locator("nav a[aria-current=page]").inner_text() == translated(language, "Chat robots")
    screenshot(lead, f"console-robots-{language}")
    lead.click(f"a[href='/console/robots/new/?group={first_line.pk}']")
    lead.fill("#id_name", "一线值班群" if language == "zh-hans" else "1st line on duty")
    lead.select_option("#id_platform", "wecom")
    lead.fill("#id_webhook_url", server.url)
    lead.select_option("#id_language", language)
    lead.check("input[name=events][value=assigned_group]")
    lead.check("input[name=events][value=sla_breach]")
    assert lead.locator("input[name=events][value=assigned_agent]").count() == 0  # a person's event
    screenshot(lead, f"console-robot-form-{language}")
    lead.click(".robot-form button[type=submit]")
    lead.wait_for_load_state("domcontentloaded")
    robot = Robot.objects.get()
    assert lead.url.endswith(f"/console/robots/{robot.pk}/") and robot.group == first_line

    lead.click("#robot-test")
    lead.wait_for_load_state("domcontentloaded")
    assert lead.get_by_text(translated(language, "The test message was posted.")).is_visible()
    assert len(server.accepted) == 1 and server.problems == []
    content = server.accepted[0].body["markdown"]["content"]
    assert ("测试消息" if language == "zh-hans" else "Test message from") in content
    assert lead.locator("#robot-recent .state-sent").count() == 1
    screenshot(lead, f"console-robot-{language}")
