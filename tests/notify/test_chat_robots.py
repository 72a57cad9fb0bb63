"""Managing chat robots: who may (leads for their groups, administrators for all, everyone on the staff for
their own), the address and events checked, the audit trail without the secrets, the test message through the
outbox, and the console's screens in both languages."""

import pytest
from django.test import Client

from servicedesk.core.audit import MASK, trail
from servicedesk.core.errors import ActionError, Conflict, NotAllowed, NotFound
from servicedesk.notify import actions
from servicedesk.notify.actions import RobotInput
from servicedesk.notify.models import CHAT_TEST, Event, MessageChannel, OutboundMessage, Robot, State

from .chat_servers import platform_server_fixture  # noqa: F401  (the platform_server fixture)

CONSOLE = "console"


def settings_for(url, **changes) -> RobotInput:
    values = {"name": "Ops chat", "platform": "dingtalk", "webhook_url": url, "language": "zh-hans",
              "events": [Event.ASSIGNED_GROUP, Event.SLA_BREACH], "secret": "SECabc"}
    values.update(changes)
    return RobotInput(**values)


HTTPS = "https://oapi.dingtalk.com/robot/send?access_token=abc123"


def test_leads_manage_their_groups_robots_and_everyone_on_the_staff_their_own(desk):
    robot = actions.create_robot(settings_for(HTTPS), actor=desk.lead1, channel=CONSOLE, group=desk.first_line)
    assert (robot.group, robot.user, robot.version) == (desk.first_line, None, 1)
    with pytest.raises(NotAllowed):  # lead1 does not lead the 3rd line
        actions.create_robot(settings_for(HTTPS), actor=desk.lead1, channel=CONSOLE, group=desk.third_line)
    actions.create_robot(settings_for(HTTPS), actor=desk.admin, channel=CONSOLE, group=desk.third_line)
    own = actions.create_robot(settings_for(HTTPS, events=[Event.ASSIGNED_AGENT]), actor=desk.agent1,
                               channel=CONSOLE)
    assert own.user == desk.agent1 and own.group is None
    with pytest.raises(NotAllowed):
        actions.create_robot(settings_for(HTTPS), actor=desk.customer1, channel=CONSOLE)
    # Another person's robot is not there for an agent or another group's lead; an administrator manages it.
    for outsider in (desk.agent2, desk.lead1):
        with pytest.raises(NotFound):
            actions.update_robot(own, settings_for(HTTPS, name="Mine"), actor=outsider, channel=CONSOLE)
    with pytest.raises(NotFound):
        actions.delete_robot(robot, actor=desk.agent1, channel=CONSOLE)
    actions.update_robot(own, settings_for(HTTPS, name="Checked", events=[Event.ASSIGNED_AGENT]),
                         actor=desk.admin, channel=CONSOLE)


def test_addresses_events_and_versions_are_checked(desk, settings):
    make = actions.create_robot
    with pytest.raises(ActionError, match="https://"):
        make(settings_for("http://oapi.dingtalk.com/robot/send"), actor=desk.lead1, channel=CONSOLE,
             group=desk.first_line)
    with pytest.raises(ActionError, match="https://"):  # loopback http only where the desk allows it (tests)
        make(settings_for("http://127.0.0.1:9/hook"), actor=desk.lead1, channel=CONSOLE, group=desk.first_line)
    with pytest.raises(ActionError):
        make(settings_for("https://user:pw@example.com/hook"), actor=desk.lead1, channel=CONSOLE,
             group=desk.first_line)
    with pytest.raises(ActionError, match="at least one event"):
        make(settings_for(HTTPS, events=[]), actor=desk.lead1, channel=CONSOLE, group=desk.first_line)
    # What one person is told of is no group's event, and the customers' acknowledgement nobody's.
    with pytest.raises(ActionError, match="assigned_agent"):
        make(settings_for(HTTPS, events=[Event.ASSIGNED_AGENT]), actor=desk.lead1, channel=CONSOLE,
             group=desk.first_line)
    with pytest.raises(ActionError, match="acknowledgement"):
        make(settings_for(HTTPS, events=[Event.ACKNOWLEDGEMENT]), actor=desk.agent1, channel=CONSOLE)
    with pytest.raises(ActionError, match="not a valid choice"):
        make(settings_for(HTTPS, platform="icq"), actor=desk.agent1, channel=CONSOLE)
    settings.SERVICEDESK_CHAT_LOOPBACK_HTTP = True
    robot = make(settings_for("http://127.0.0.1:9/hook"), actor=desk.lead1, channel=CONSOLE, group=desk.first_line)
    actions.update_robot(robot, settings_for(HTTPS, name="Renamed"), actor=desk.lead1, channel=CONSOLE,
                         expected_version=1)
    with pytest.raises(Conflict):
        actions.update_robot(robot, settings_for(HTTPS, name="Stale"), actor=desk.lead1, channel=CONSOLE,
                             expected_version=1)
    robot.refresh_from_db()
    assert (robot.name, robot.version, robot.secret) == ("Renamed", 2, "SECabc")


def test_the_audit_trail_never_shows_the_address_or_the_secret(desk):
    robot = actions.create_robot(settings_for(HTTPS), actor=desk.lead1, channel=CONSOLE, group=desk.first_line)
    actions.update_robot(robot, settings_for(HTTPS + "x", secret="SECnew"), actor=desk.lead1, channel=CONSOLE)
    actions.update_robot(robot, settings_for(HTTPS + "x", secret=None, name="Kept"), actor=desk.lead1,
                         channel=CONSOLE)
    robot.refresh_from_db()
    assert robot.secret == "SECnew"  # None keeps the secret (forms never show it)
    values = [(entry.field, entry.old_value, entry.new_value) for entry in trail(robot)]
    shown = " ".join(f"{old} {new}" for _field, old, new in values)
    assert "abc123" not in shown and "SEC" not in shown
    assert ("webhook_url", "", MASK) in values and ("secret", "", MASK) in values
    assert ("webhook_url", MASK, MASK) in values and ("secret", MASK, MASK) in values
    assert ("name", "Ops chat", "Kept") in values
    actions.delete_robot(robot, actor=desk.lead1, channel=CONSOLE)
    assert not Robot.objects.filter(pk=robot.pk).exists()


def test_the_test_message_goes_through_the_outbox(desk, platform_server, smtp_sink, django_capture_on_commit_callbacks):
    server = platform_server("feishu", "feishu-secret")
    robot = actions.create_robot(settings_for(server.url, platform="feishu", secret="feishu-secret",
                                              events=[Event.ASSIGNED_AGENT]),
                                 actor=desk.agent2, channel=CONSOLE)
    with django_capture_on_commit_callbacks(execute=True):
        pk = actions.send_test_message(robot, actor=desk.agent2, channel=CONSOLE)
    row = OutboundMessage.objects.get(pk=pk)
    assert (row.event, row.channel, row.state, row.ticket) == (CHAT_TEST, MessageChannel.CHAT, State.SENT, None)
    [got] = server.accepted
    post = got.body["content"]["post"]["zh_cn"]
    assert post["title"].startswith("来自") and "测试消息" in post["title"]
    assert smtp_sink.messages == []  # a chat message only
    Robot.objects.filter(pk=robot.pk).update(is_active=False)
    with pytest.raises(ActionError, match="switched off"):
        actions.send_test_message(robot, actor=desk.agent2, channel=CONSOLE)
    with pytest.raises(NotFound):
        actions.send_test_message(robot, actor=desk.agent1, channel=CONSOLE)


def _client(user, language):
    user.language = language
    user.save(update_fields=["language"])
    client = Client()
    client.force_login(user)
    return client


@pytest.mark.parametrize("language", ["en", "zh-hans"])
def test_the_console_screens(desk, platform_server, smtp_sink, language, django_capture_on_commit_callbacks):
    server = platform_server("wecom")
    client = _client(desk.lead1, language)
    page = client.get("/console/robots/")
    text = page.content.decode()
    assert page.status_code == 200
    heading = {"en": "Chat robots", "zh-hans": "聊天机器人"}[language]
    assert f"<h1>{heading}</h1>" in text
    assert desk.first_line.local_name in text or desk.first_line.name_zh in text
    assert f"?group={desk.third_line.pk}" not in text  # only the groups lead1 leads
    assert client.get(f"/console/robots/new/?group={desk.third_line.pk}").status_code == 403

    form = client.get(f"/console/robots/new/?group={desk.first_line.pk}").content.decode()
    assert 'value="assigned_group"' in form and 'value="assigned_agent"' not in form
    answer = client.post("/console/robots/new/", {
        "group": desk.first_line.pk, "name": "一线值班群", "platform": "wecom", "webhook_url": server.url,
        "language": "zh-hans", "events": ["assigned_group"], "is_active": "on"})
    robot = Robot.objects.get(name="一线值班群")
    assert answer.status_code == 302 and answer["Location"] == f"/console/robots/{robot.pk}/"
    assert robot.group == desk.first_line and robot.secret == ""

    bad = client.post(f"/console/robots/{robot.pk}/", {
        "name": "x", "platform": "wecom", "webhook_url": "http://example.com/hook", "language": "en",
        "events": ["assigned_group"], "version": robot.version})
    assert bad.status_code == 400 and "https://" in bad.content.decode()

    with django_capture_on_commit_callbacks(execute=True):
        client.post(f"/console/robots/{robot.pk}/test/")
    assert len(server.accepted) == 1
    recent = client.get(f"/console/robots/{robot.pk}/").content.decode()
    assert "state-sent" in recent and "测试消息" in recent  # the robot's language, whatever the reader's

    # Someone else's robot is not there; deleting takes the version the page showed.
    own = actions.create_robot(settings_for(HTTPS, events=[Event.ASSIGNED_AGENT]), actor=desk.agent1, channel=CONSOLE)
    assert client.get(f"/console/robots/{own.pk}/").status_code == 404
    assert client.post(f"/console/robots/{robot.pk}/delete/", {"version": robot.version}).status_code == 302
    assert not Robot.objects.filter(pk=robot.pk).exists()


@pytest.mark.django_db(transaction=True)
def test_the_test_button_says_whether_the_chat_app_took_the_message(desk, platform_server, smtp_sink):
    """Without a broker the message is sent when the action commits: the page says what the chat app answered."""
    server = platform_server("slack")
    robot = actions.create_robot(settings_for(server.url, platform="slack", secret=None,
                                              events=[Event.ASSIGNED_AGENT]), actor=desk.agent1, channel=CONSOLE)
    client = _client(desk.agent1, "en")
    done = client.post(f"/console/robots/{robot.pk}/test/", follow=True).content.decode()
    assert "The test message was posted." in done and len(server.accepted) == 1
    server.fail_with = [(404, "no_service")]
    failed = client.post(f"/console/robots/{robot.pk}/test/", follow=True).content.decode()
    assert "The test message was not posted" in failed and "HTTP 404" in failed and "no_service" in failed


def test_customers_are_sent_to_the_portal_and_administrators_see_every_robot(desk):
    own = actions.create_robot(settings_for(HTTPS, events=[Event.ASSIGNED_AGENT]), actor=desk.agent1,
                               channel=CONSOLE)
    customer = _client(desk.customer1, "en")
    assert customer.get("/console/robots/")["Location"].startswith("/portal/")
    admin = _client(desk.admin, "en")
    page = admin.get("/console/robots/").content.decode()
    assert f"/console/robots/{own.pk}/" in page and desk.third_line.name in page
    assert admin.get(f"/console/robots/{own.pk}/").status_code == 200
    assert admin.get("/admin/notify/robot/").status_code == 200
    assert admin.get(f"/admin/notify/robot/{own.pk}/change/").status_code == 200
