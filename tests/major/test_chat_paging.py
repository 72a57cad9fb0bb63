"""A chat contact of the table is paged through the chat robots (notify.chat): the group's robots that
subscribe to major incidents get the page, once, in the robot's language, with the acknowledgement link."""

import re

from django.test import Client

from servicedesk.major.models import Contact, ContactChannel, Page
from servicedesk.notify.models import Event, MessageChannel, OutboundMessage, Robot
from tests.notify.chat_servers import platform_server_fixture  # noqa: F401  (the platform_server fixture)

from .conftest import declare


def test_a_chat_contact_is_paged_through_the_groups_robot_with_the_acknowledgement_link(
        desk, incident, smtp_sink, committed, platform_server):
    server = platform_server("wecom")
    Robot.objects.create(name="Infra chat", platform="wecom", webhook_url=server.url, language="zh-hans",
                         group=desk.second_line, events=[Event.MAJOR_INCIDENT])
    Robot.objects.create(name="Not for this", platform="wecom", webhook_url=server.url, language="en",
                         group=desk.second_line, events=[Event.SLA_BREACH])
    Contact.objects.create(order=1, group=desk.second_line, channel=ContactChannel.CHAT, respond_within=10)
    major = committed(declare, incident, desk.manager)
    [page] = major.pages.all()
    assert (page.name, page.channel, page.user) == (desk.second_line.local_name, "chat", None)
    assert server.problems == [] and len(server.accepted) == 1
    text = server.accepted[0].body["markdown"]["content"]  # WeCom's markdown message
    assert text.startswith(f"### 重大事件 {incident.number}") and "10 分钟内确认收到" in text
    link = re.search(r"\((http://127\.0\.0\.1:8000/major/ack/[^)]+)\)", text).group(1)
    committed(lambda: None)  # planned again: nothing more is sent
    assert len(server.requests) == 1
    assert OutboundMessage.objects.filter(channel=MessageChannel.CHAT, event=Event.MAJOR_INCIDENT).count() == 1
    Client().post(link.removeprefix("http://127.0.0.1:8000"))
    page.refresh_from_db()
    assert page.acknowledged_at is not None and page.acknowledged_via == "link"
    assert Page.objects.count() == 1
