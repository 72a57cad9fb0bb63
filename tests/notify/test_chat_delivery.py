"""Chat robots through the outbox, against loopback stand-ins of each platform that check its payload and
recompute its signature: planned once per event and robot, sent once, retried, refused for good."""

import datetime

import pytest
from django.utils import timezone

from servicedesk.notify import chat, sending
from servicedesk.notify.models import Event, MessageChannel, OutboundMessage, Robot, State
from servicedesk.sla.signals import threshold_reached
from servicedesk.tickets import actions
from servicedesk.tickets.models import Channel

from .chat_servers import platform_server_fixture  # noqa: F401  (the platform_server fixture)

SECRETS = {"dingtalk": "SEC5a3ecf88f2b3eb50db30ecfc00f53033ac909c99bf7f88fd612bda89d7f3a9dc",
           "feishu": "mAX2p0iUxQbd3Nh8sWkPrc"}


def robot_for(server, *, group=None, user=None, language="en", events=(Event.ASSIGNED_GROUP,), name="Ops robot"):
    return Robot.objects.create(name=name, platform=server.platform, webhook_url=server.url, secret=server.secret,
                                language=language, group=group, user=user, events=list(events))


def chat_rows(**filters):
    return list(OutboundMessage.objects.filter(channel=MessageChannel.CHAT, **filters).order_by("id"))


def _open(committed, desk, title="Printer jams"):
    return committed(actions.create_ticket, actor=desk.customer2, title=title, channel=Channel.PORTAL)


@pytest.mark.parametrize("platform", ["wecom", "dingtalk", "feishu", "slack", "teams"])
def test_a_ticket_new_in_the_queue_is_posted_once_in_the_platforms_own_format(
        platform, desk, smtp_sink, committed, platform_server):
    server = platform_server(platform, SECRETS.get(platform, ""))
    robot = robot_for(server, group=desk.third_line)
    ticket = _open(committed, desk)
    committed(actions.assign, ticket, actor=desk.agent1, group=desk.third_line)

    assert server.problems == []
    [got] = server.accepted
    assert len(server.requests) == 1
    text = server.texts()[0]
    assert ticket.number in text and "Printer jams" in text
    assert f"http://127.0.0.1:8000/console/tickets/{ticket.number}/" in text  # the console, absolute
    assert desk.third_line.name in text and "Priority" in text
    [row] = chat_rows(ticket=ticket)
    assert (row.event, row.robot, row.address, row.state) == (Event.ASSIGNED_GROUP, robot, f"robot:{robot.pk}",
                                                              State.SENT)
    # Planned again (the catch-up, a redelivered task): nothing more is planned or sent.
    committed(lambda: None)
    assert len(chat_rows(ticket=ticket)) == 1 and len(server.requests) == 1
    # The mail went as before, beside it.
    assert OutboundMessage.objects.filter(ticket=ticket, channel=MessageChannel.EMAIL,
                                          event=Event.ASSIGNED_GROUP).exists()


def test_the_message_is_in_the_robots_language(desk, smtp_sink, committed, platform_server):
    server = platform_server("dingtalk", SECRETS["dingtalk"])
    robot_for(server, group=desk.third_line, language="zh-hans")
    ticket = _open(committed, desk)
    committed(actions.assign, ticket, actor=desk.agent1, group=desk.third_line)
    [got] = server.accepted
    markdown = got.body["markdown"]
    assert markdown["title"] == f"{desk.third_line.name} 新工单：{ticket.number}"
    assert "优先级：" in markdown["text"] and "[打开工单](http://127.0.0.1:8000/console/tickets/" in markdown["text"]


def test_a_wrong_signature_is_an_error_answer_kept_for_a_retry(desk, smtp_sink, committed, platform_server):
    server = platform_server("dingtalk", SECRETS["dingtalk"])
    robot = robot_for(server, group=desk.third_line)
    Robot.objects.filter(pk=robot.pk).update(secret="SECwrong")
    ticket = _open(committed, desk)
    committed(actions.assign, ticket, actor=desk.agent1, group=desk.third_line)
    assert server.accepted == [] and server.problems == ["sign not match"]
    [row] = chat_rows(ticket=ticket)
    assert row.state == State.QUEUED and "310000" in row.last_error and row.next_attempt_at is not None


def test_a_platform_failing_twice_gets_the_message_once(desk, smtp_sink, committed, platform_server):
    server = platform_server("wecom")
    robot_for(server, group=desk.third_line)
    server.fail_with = [(500, "busy"), (200, '{"errcode": 45009, "errmsg": "api freq out of limit"}')]
    ticket = _open(committed, desk)
    committed(actions.assign, ticket, actor=desk.agent1, group=desk.third_line)
    [row] = chat_rows(ticket=ticket)
    assert row.state == State.QUEUED and "HTTP 500" in row.last_error

    # Not before its backoff …
    assert sending.send_row(row.pk) is None
    later = row.next_attempt_at + datetime.timedelta(seconds=1)
    assert sending.send_row(row.pk, now=later).state == State.QUEUED
    row.refresh_from_db()
    assert "45009" in row.last_error
    outcome = sending.send_row(row.pk, now=row.next_attempt_at + datetime.timedelta(seconds=1))
    assert outcome.state == State.SENT
    # … and never again once sent, however often the sweep runs.
    assert sending.send_row(row.pk, now=timezone.now() + datetime.timedelta(days=1)) is None
    assert sending.due_rows(now=timezone.now() + datetime.timedelta(days=1)) == []
    row.refresh_from_db()
    assert (row.state, row.attempts) == (State.SENT, 3)
    assert len(server.requests) == 3 and len(server.accepted) == 1


def test_a_refusal_stops_at_once_and_too_many_requests_is_retried(desk, smtp_sink, committed, platform_server):
    server = platform_server("slack")
    robot_for(server, group=desk.third_line)
    server.fail_with = [(429, "rate_limited")]
    ticket = _open(committed, desk)
    committed(actions.assign, ticket, actor=desk.agent1, group=desk.third_line)
    [row] = chat_rows(ticket=ticket)
    assert row.state == State.QUEUED and "HTTP 429" in row.last_error

    server.fail_with = [(404, "no_service")]
    assert sending.send_row(row.pk, now=row.next_attempt_at).state == State.FAILED
    row.refresh_from_db()
    assert row.state == State.FAILED and "HTTP 404" in row.last_error and "no_service" in row.last_error
    assert sending.send_row(row.pk, now=timezone.now() + datetime.timedelta(days=1)) is None
    assert server.accepted == []


def test_a_deleted_robot_or_an_address_no_longer_allowed_fails_for_good(
        desk, smtp_sink, committed, platform_server, settings):
    server = platform_server("teams")
    robot = robot_for(server, group=desk.third_line)
    settings.SERVICEDESK_CHAT_LOOPBACK_HTTP = False  # e.g. the tests' allowance not given in production
    ticket = _open(committed, desk)
    committed(actions.assign, ticket, actor=desk.agent1, group=desk.third_line)
    [row] = chat_rows(ticket=ticket)
    assert row.state == State.FAILED and "https://" in row.last_error
    robot.delete()
    OutboundMessage.objects.filter(pk=row.pk).update(state=State.QUEUED)
    assert sending.send_row(row.pk).state == State.FAILED
    row.refresh_from_db()
    assert row.robot is None and "deleted" in row.last_error
    assert server.requests == []


def test_sla_warning_and_breach_reach_the_groups_robot_once_each(desk, smtp_sink, committed, platform_server):
    server = platform_server("feishu", SECRETS["feishu"])
    robot_for(server, group=desk.third_line, language="zh-hans", events=[Event.SLA_WARNING, Event.SLA_BREACH])
    ticket = _open(committed, desk, title="ERP 登录失败")
    committed(actions.assign, ticket, actor=desk.agent1, group=desk.third_line)
    assert server.requests == []  # not subscribed to new tickets
    due = datetime.datetime(2026, 11, 27, 2, 0, tzinfo=datetime.UTC)
    ticket.refresh_from_db()
    committed(threshold_reached.send, sender=None, ticket=ticket, target="response", percent=75, due_at=due,
              notify=[desk.lead1], group=None)
    committed(threshold_reached.send, sender=None, ticket=ticket, target="resolution", percent=100, due_at=due,
              notify=[desk.lead1], group=None)
    committed(threshold_reached.send, sender=None, ticket=ticket, target="resolution", percent=100, due_at=due,
              notify=[desk.lead1], group=None)
    assert server.problems == []
    warning, breach = (got.body["content"]["post"]["zh_cn"] for got in server.accepted)
    assert warning["title"] == f"SLA 预警（75%）：{ticket.number}"
    assert breach["title"] == f"SLA 超时：{ticket.number}"
    lines = " ".join(element["text"] for line in breach["content"] for element in line)
    assert "ERP 登录失败" in lines and "2026年11月27日 10:00 (Asia/Shanghai)" in lines
    links = [element["href"] for line in breach["content"] for element in line if element["tag"] == "a"]
    assert f"http://127.0.0.1:8000/console/tickets/{ticket.number}/" in links
    assert [row.event for row in chat_rows(ticket=ticket)] == [Event.SLA_WARNING, Event.SLA_BREACH]


def test_a_groups_robot_gets_only_that_groups_tickets(desk, smtp_sink, committed, platform_server):
    server = platform_server("wecom")
    robot_for(server, group=desk.third_line, events=[Event.ASSIGNED_GROUP, Event.SLA_WARNING])
    ticket = _open(committed, desk)
    committed(actions.assign, ticket, actor=desk.agent1, group=desk.second_line)
    ticket.refresh_from_db()
    committed(threshold_reached.send, sender=None, ticket=ticket, target="response", percent=75,
              due_at=timezone.now(), notify=[desk.lead1], group=None)
    assert server.requests == [] and chat_rows() == []


def test_a_persons_robot_gets_what_that_person_is_mailed(desk, smtp_sink, committed, platform_server):
    server = platform_server("slack")
    robot_for(server, user=desk.agent2, language="zh-hans", name="我的机器人",
              events=[Event.ASSIGNED_AGENT, Event.SLA_WARNING])
    ticket = _open(committed, desk, title="VPN <down> & out")
    committed(actions.assign, ticket, actor=desk.agent1, group=desk.second_line, assignee=desk.agent2)
    [got] = server.accepted
    section = got.body["blocks"][0]["text"]["text"]
    assert f"<http://127.0.0.1:8000/console/tickets/{ticket.number}/|{ticket.number}>" in section
    assert "VPN &lt;down&gt; &amp; out" in section  # Slack's markup characters escaped
    assert got.body["text"].startswith("分派给")  # the generic message in the robot's language
    # agent2's own action is not told to agent2, by mail or robot.
    committed(actions.transition, ticket, "start", actor=desk.agent2)
    # Named by the SLA layer: told; not named: not told.
    ticket.refresh_from_db()
    due = timezone.now()
    committed(threshold_reached.send, sender=None, ticket=ticket, target="response", percent=75, due_at=due,
              notify=[desk.lead1], group=None)
    assert len(server.accepted) == 1
    committed(threshold_reached.send, sender=None, ticket=ticket, target="resolution", percent=75, due_at=due,
              notify=[desk.agent2], group=None)
    assert len(server.accepted) == 2
    assert {row.recipient for row in chat_rows(ticket=ticket)} == {desk.agent2}


def test_no_robot_no_chat_message(desk, smtp_sink, committed, platform_server):
    server = platform_server("wecom")
    robot_for(server, group=desk.third_line, events=[Event.SLA_BREACH])
    Robot.objects.create(name="Off", platform="wecom", webhook_url=server.url, language="en", group=desk.third_line,
                         events=[Event.ASSIGNED_GROUP], is_active=False)
    ticket = _open(committed, desk)
    committed(actions.assign, ticket, actor=desk.agent1, group=desk.third_line)
    assert chat_rows() == [] and server.requests == []
    assert len(smtp_sink.messages) > 1  # the mail is unchanged


def test_plan_chat_plans_once_per_robot_and_key_with_the_generic_text(desk, smtp_sink, committed, platform_server):
    """The interface another feature plans with (e.g. a major incident): the robots of people and groups that
    subscribe to an event, one row each, once per source key; an event without a template gets the generic one."""
    server = platform_server("teams")
    group_robot = robot_for(server, group=desk.third_line, events=[Event.ANNOUNCEMENT])
    own = robot_for(server, user=desk.agent1, events=[Event.ANNOUNCEMENT, Event.STATUS_CHANGED])
    robot_for(server, user=desk.agent2, events=[Event.STATUS_CHANGED])
    ticket = _open(committed, desk)
    robots = chat.robots_for(users=[desk.agent1, desk.agent2], groups=[desk.third_line], event=Event.ANNOUNCEMENT)
    assert robots == [group_robot, own]

    def build(robot):
        return {"text": f"Paged {robot.name}", "url": "https://desk.example.com/console/"}

    first = chat.plan_chat(Event.ANNOUNCEMENT, robots, ticket=None, source_key="page:1", build_context=build)
    again = chat.plan_chat(Event.ANNOUNCEMENT, robots, ticket=None, source_key="page:1", build_context=build)
    assert len(first) == 2 and again == []
    row = OutboundMessage.objects.get(pk=first[0])
    assert row.subject == "Service notice (announcement)" and "Paged Ops robot" in row.body_text
    assert "[Open](https://desk.example.com/console/)" in row.body_text
    [status] = chat.plan_chat(Event.STATUS_CHANGED, [own], ticket=ticket, source_key="v9",
                              build_context=lambda robot: {"ticket": {"number": ticket.number, "title": ticket.title,
                                                                      "priority": "High", "status": "Pending",
                                                                      "group": "", "url": "https://x.example/t"}})
    assert OutboundMessage.objects.get(pk=status).subject == f"Status change: {ticket.number}"
    assert sending.send_row(status).state == State.SENT
    [got] = server.accepted
    card = got.body["attachments"][0]["content"]
    assert card["body"][0]["text"] == f"Status change: {ticket.number}"
    assert "[Open the ticket](https://x.example/t)" in card["body"][1]["text"]


@pytest.mark.parametrize("platform, answer", [
    ("wecom", '{"errcode": 93000, "errmsg": "invalid webhook url"}'),
    ("dingtalk", '{"errcode": 130101, "errmsg": "send too fast"}'),
    ("feishu", '{"code": 9499, "msg": "Bad Request", "data": {}}'),
    ("slack", "invalid_payload"),
    ("teams", "Webhook message delivery failed with error: Microsoft Teams endpoint returned HTTP error 429"),
])
def test_an_error_answer_in_a_200_is_a_failure_retried(platform, answer, desk, smtp_sink, committed,
                                                       platform_server):
    server = platform_server(platform, SECRETS.get(platform, ""))
    robot_for(server, group=desk.third_line)
    server.fail_with = [(200, answer)]
    ticket = _open(committed, desk)
    committed(actions.assign, ticket, actor=desk.agent1, group=desk.third_line)
    [row] = chat_rows(ticket=ticket)
    assert row.state == State.QUEUED and answer[:20] in row.last_error
    assert sending.send_row(row.pk, now=row.next_attempt_at).state == State.SENT
    assert len(server.accepted) == 1
