"""Each notification event, in both languages, read from a real SMTP server on loopback."""

import datetime
import zoneinfo

from django.test import Client
from django.utils import formats, translation

from servicedesk.accounts.models import Group
from servicedesk.notify.models import Event, State
from servicedesk.sla.clocks import sla_state
from servicedesk.sla.models import Calendar, SlaPolicy
from servicedesk.sla.signals import follow_up_digest, threshold_reached
from servicedesk.tickets import actions
from servicedesk.tickets.models import Channel, PendingReason

from .conftest import parts, rows, subject, to


def _open(committed, desk, requester, title="Printer jams", **kwargs):
    return committed(actions.create_ticket, actor=requester, title=title, channel=Channel.PORTAL, **kwargs)


def _expected_when(moment, time_zone, language):
    with translation.override(language):
        local = moment.astimezone(zoneinfo.ZoneInfo(time_zone))
        return f"{formats.date_format(local, 'DATETIME_FORMAT')} ({time_zone})"


def test_acknowledgement_in_chinese_with_the_committed_response_time(desk, smtp_sink, committed):
    ticket = _open(committed, desk, desk.customer1, title="打印机卡纸")
    [message] = smtp_sink.messages
    assert message["To"] == "customer1@example.com"
    assert f"[{ticket.number}]" in subject(message) and "我们已受理您的请求" in subject(message)
    text, html = parts(message)
    due = sla_state(ticket).first_response.due_at
    expected = _expected_when(due, "Asia/Shanghai", "zh-hans")
    assert "刘伟，您好" in text and f"我们将在 {expected} 之前响应" in text
    assert expected in html and "<strong>" in html
    assert "标准响应时限" not in text  # the time comes from the ticket's SLA policy
    assert message["Auto-Submitted"] == "auto-generated"
    [row] = rows(ticket=ticket)
    assert (row.event, row.state, row.language, row.source_key) == (Event.ACKNOWLEDGEMENT, State.SENT, "zh-hans", "ack")


def test_acknowledgement_in_english_falls_back_to_the_configured_default(desk, smtp_sink, committed, settings):
    SlaPolicy.objects.update(is_active=False)
    Calendar.objects.update(is_default=False)
    settings.SERVICEDESK_NOTIFY_DEFAULT_RESPONSE_MINUTES = {3: 90}
    ticket = _open(committed, desk, desk.customer2)  # impact 2 × urgency 2: priority 3
    [message] = smtp_sink.messages
    text, html = parts(message)
    expected = _expected_when(ticket.created_at + datetime.timedelta(minutes=90), "Asia/Shanghai", "en")
    assert "Hello Grace Hopper," in text
    assert f"We will respond by {expected} at the latest (our standard response time for this priority)" in text
    assert expected in html
    assert subject(message).startswith("We have received your request")


def test_staff_filing_for_a_customer_acknowledges_the_customer_and_tells_the_assignee(desk, smtp_sink, committed):
    ticket = committed(actions.create_ticket, actor=desk.agent1, requester=desk.customer2, title="VPN down",
                       channel=Channel.PHONE, group=desk.second_line, assignee=desk.agent2)
    by_event = {row.event: row for row in rows(ticket=ticket) if row.address != "agent1@example.com"}
    assert rows(ticket=ticket, address="agent1@example.com") == []  # not for one's own action
    assert by_event[Event.ACKNOWLEDGEMENT].address == "customer2@example.com"
    [assigned] = to(smtp_sink.messages, "agent2@example.com")
    assert subject(assigned).startswith("分派给您") and ticket.number in subject(assigned)
    text, _html = parts(assigned)
    assert f"工单 {ticket.number} 已分派给您（处理组：{desk.second_line.name}）" in text
    assert "/console/tickets/" in text  # staff get the console link
    # Routed to a person: that person is told, not the whole group.
    assert rows(ticket=ticket, event=Event.ASSIGNED_GROUP) == []
    assert len(smtp_sink.messages) == 2


def test_routing_to_a_group_queue_tells_its_members_but_not_the_actor(desk, smtp_sink, committed):
    ticket = _open(committed, desk, desk.customer2)
    smtp_sink.clear()
    committed(actions.assign, ticket, actor=desk.lead1, group=desk.first_line)
    members = {u.email for u in desk.first_line.members.all()} | {desk.first_line.lead.email}
    assert {m["To"] for m in smtp_sink.messages} == members - {"lead1@example.com"}
    english = to(smtp_sink.messages, "agent1@example.com")[0]
    assert subject(english) == f"New in {desk.first_line.name}: [{ticket.number}] Printer jams"
    assert f"{ticket.number} is assigned to {desk.first_line.name}." in parts(english)[0]


def test_assignment_to_a_group_with_an_address_goes_to_that_address(desk, smtp_sink, committed):
    Group.objects.filter(pk=desk.third_line.pk).update(email="apps-team@example.com")
    ticket = _open(committed, desk, desk.customer2)
    smtp_sink.clear()
    committed(actions.assign, ticket, actor=desk.agent1, group=Group.objects.get(pk=desk.third_line.pk))
    [message] = smtp_sink.messages
    assert message["To"] == "apps-team@example.com"
    assert subject(message).startswith(f"{desk.third_line.name} 新工单")  # the desk's language


def test_public_reply_reaches_the_customer_and_internal_note_does_not(desk, smtp_sink, committed):
    ticket = _open(committed, desk, desk.customer2)
    smtp_sink.clear()
    committed(actions.add_comment, ticket, actor=desk.agent1, body="Secret: the printer was dropped.", internal=True)
    assert smtp_sink.messages == []
    committed(actions.add_comment, ticket, actor=desk.agent1, body="Please restart the printer.")
    [message] = smtp_sink.messages
    assert message["To"] == "customer2@example.com"
    text, html = parts(message)
    assert "Alex Chen wrote on" in text and "Please restart the printer." in text
    assert "Secret" not in text and "Secret" not in html
    assert "Auto-Submitted" not in message  # a person's words, not an automatic message
    assert subject(message) == f"Re: [{ticket.number}] Printer jams"


def test_customer_reply_goes_to_the_assignee_in_their_language(desk, smtp_sink, committed):
    ticket = _open(committed, desk, desk.customer1)
    committed(actions.assign, ticket, actor=desk.agent1, group=desk.first_line, assignee=desk.agent2)
    smtp_sink.clear()
    committed(actions.add_comment, ticket, actor=desk.customer1, body="还是不行")
    assert [m["To"] for m in smtp_sink.messages] == ["agent2@example.com"]
    text, _html = parts(smtp_sink.messages[0])
    assert "刘伟 在工单" in text and "还是不行" in text


def test_status_change_pending_on_the_customer(desk, smtp_sink, committed):
    ticket = _open(committed, desk, desk.customer2)
    committed(actions.transition, ticket, "acknowledge", actor=desk.agent1)
    committed(actions.transition, ticket, "start", actor=desk.agent1)
    smtp_sink.clear()
    committed(actions.transition, ticket, "pend", actor=desk.agent1, pending_reason=PendingReason.CUSTOMER,
              comment="Which floor is the printer on?", internal=False)
    [message] = smtp_sink.messages
    assert subject(message) == f"[{ticket.number}] is now Pending: Printer jams"
    text, _html = parts(message)
    assert "changed from In progress to Pending. (Waiting on the customer)" in text
    assert "Please reply to this message" in text and "Which floor is the printer on?" in text


def test_status_change_in_chinese_with_an_internal_note_kept_from_the_customer(desk, smtp_sink, committed):
    ticket = _open(committed, desk, desk.customer1)
    committed(actions.transition, ticket, "acknowledge", actor=desk.agent1)
    assert len(smtp_sink.messages) == 1  # the acknowledgement; "acknowledged" is not told again
    smtp_sink.clear()
    committed(actions.transition, ticket, "start", actor=desk.agent1, comment="内部：先查日志", internal=True)
    [message] = smtp_sink.messages
    assert subject(message) == f"[{ticket.number}] 状态变为处理中：Printer jams"
    text, html = parts(message)
    assert "状态由“已受理”变为“处理中”" in text
    assert "先查日志" not in text and "先查日志" not in html


def test_resolution_links_open_the_portal_request_page(desk, smtp_sink, committed):
    ticket = _open(committed, desk, desk.customer2)
    smtp_sink.clear()
    committed(actions.transition, ticket, "resolve", actor=desk.agent1, comment="Replaced the toner.")
    [message] = smtp_sink.messages
    text, html = parts(message)
    assert subject(message) == f"Resolved: [{ticket.number}] Printer jams"
    assert "Replaced the toner." in text
    confirm = next(line.split(": ", 1)[1] for line in text.splitlines() if line.startswith("Is your problem solved?"))
    reopen = next(line.split(": ", 1)[1] for line in text.splitlines() if line.startswith("Still a problem?"))
    assert f'href="{confirm}"' in html and f'href="{reopen}"' in html
    base = "http://127.0.0.1:8000"
    assert confirm == f"{base}/portal/requests/{ticket.number}/#confirm-heading"
    client = Client()
    client.force_login(desk.customer2)
    for link in (confirm, reopen):
        path, _sep, anchor = link.removeprefix(base).partition("#")
        page = client.get(path)
        assert page.status_code == 200
        assert f'id="{anchor}"' in page.content.decode()


def test_resolution_in_chinese(desk, smtp_sink, committed):
    ticket = _open(committed, desk, desk.customer1)
    smtp_sink.clear()
    committed(actions.transition, ticket, "resolve", actor=desk.agent1, comment="Fixed.")
    [message] = smtp_sink.messages
    text, html = parts(message)
    assert subject(message).startswith("已解决：")
    assert "问题是否已解决？请确认：" in text and "是，确认解决" in html and "否，重新打开" in html


def test_customer_confirming_tells_the_assignee_not_the_customer(desk, smtp_sink, committed):
    ticket = _open(committed, desk, desk.customer2)
    committed(actions.assign, ticket, actor=desk.agent1, group=desk.first_line, assignee=desk.agent1)
    committed(actions.transition, ticket, "resolve", actor=desk.agent1, comment="Fixed.")
    smtp_sink.clear()
    committed(actions.transition, ticket, "confirm", actor=desk.customer2)
    assert [m["To"] for m in smtp_sink.messages] == ["agent1@example.com"]
    assert "is now Closed" in subject(smtp_sink.messages[0])


def test_sla_warning_and_breach_go_to_the_people_the_sla_layer_names(desk, smtp_sink, committed):
    ticket = _open(committed, desk, desk.customer2)
    smtp_sink.clear()
    due = datetime.datetime(2026, 11, 27, 2, 0, tzinfo=datetime.UTC)
    committed(threshold_reached.send, sender=None, ticket=ticket, target="response", percent=75, due_at=due,
                           notify=[desk.lead1, desk.agent1], group=None)
    warning = {m["To"]: m for m in smtp_sink.messages}
    assert set(warning) == {"lead1@example.com", "agent1@example.com"}
    assert subject(warning["lead1@example.com"]).startswith("SLA 预警（75%）")
    text, _html = parts(warning["agent1@example.com"])
    assert "has used 75% of its first response target" in text
    assert _expected_when(due, "Asia/Shanghai", "en") in text
    smtp_sink.clear()
    committed(threshold_reached.send, sender=None, ticket=ticket, target="ola", percent=100, due_at=due,
                           notify=[desk.lead1], group=desk.third_line)
    [breach] = smtp_sink.messages
    assert subject(breach).startswith("SLA 超时")
    text, _html = parts(breach)
    assert f"工单 {ticket.number} 已超出" in text and desk.third_line.name in text
    # The same threshold announced again is not mailed again.
    committed(threshold_reached.send, sender=None, ticket=ticket, target="ola", percent=100, due_at=due,
                           notify=[desk.lead1], group=desk.third_line)
    assert len(smtp_sink.messages) == 1


def test_follow_up_digest(desk, smtp_sink, committed):
    first = _open(committed, desk, desk.customer1, title="Laptop slow")
    second = _open(committed, desk, desk.customer2, title="Mail bounces")
    smtp_sink.clear()
    committed(follow_up_digest.send, sender=None, recipient=desk.agent1, tickets=[first, second], as_lead=False)
    committed(follow_up_digest.send, sender=None, recipient=desk.lead1, tickets=[first], as_lead=True)
    english = to(smtp_sink.messages, "agent1@example.com")[0]
    chinese = to(smtp_sink.messages, "lead1@example.com")[0]
    assert subject(english) == "Follow-up due: 2 tickets"
    text, html = parts(english)
    assert first.number in text and second.number in text and "Laptop slow" in html
    assert f"/console/tickets/{first.number}/" in text
    assert subject(chinese) == "待跟踪工单：1 个"
    assert "您所在处理组需要跟踪的工单" in parts(chinese)[0]
    assert "In-Reply-To" not in english  # a digest belongs to no single ticket


def test_assignment_to_an_agent_in_english_carries_the_note_written_with_it(desk, smtp_sink, committed):
    ticket = _open(committed, desk, desk.customer2)
    committed(actions.assign, ticket, actor=desk.lead1, group=desk.first_line)
    smtp_sink.clear()
    committed(actions.transition, ticket, "assign", actor=desk.lead1, group=desk.first_line, assignee=desk.agent1,
              comment="VIP user, call first.", internal=True)
    [message] = smtp_sink.messages
    assert message["To"] == "agent1@example.com"
    assert subject(message) == f"Assigned to you: [{ticket.number}] Printer jams"
    text, html = parts(message)
    assert f"{ticket.number} is assigned to you in {desk.first_line.name}." in text
    assert "VIP user, call first." in text and "VIP user, call first." in html
