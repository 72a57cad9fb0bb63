"""Mails that agree with each other: one mail per person and change, showing the ticket as it stood at
the event, read from a real SMTP server on loopback."""

import datetime

import pytest
from django.db import transaction
from django.test import Client
from django.utils import timezone

from servicedesk.notify import tasks
from servicedesk.notify.models import CombinedChange, Event, NotificationTemplate, PlannedChange, State
from servicedesk.tickets import actions
from servicedesk.tickets.models import Channel, Status, Ticket

from .conftest import parts, rows, subject, to

QUICK_LOG = "/console/quick-log/"


def _quick_log(requester, **overrides):
    data = {"title": "Outlook keeps asking for the password", "description": "Since this morning.",
            "type": "incident", "impact": "2", "urgency": "2", "outcome": "solved",
            "solution": "Cleared the saved credentials; it works again.", "caller_q": "", "category": "",
            "group": "", "new_name": "", "new_email": "", "new_phone": "", "new_organisation": "",
            "requester": requester.pk}
    data.update(overrides)
    return data


@pytest.fixture
def agent1(desk):
    client = Client()
    client.force_login(desk.agent1)
    return client


def test_a_call_solved_on_the_spot_sends_the_caller_one_mail_in_english(desk, smtp_sink, committed, agent1):
    response = committed(agent1.post, QUICK_LOG, _quick_log(desk.customer2))
    assert response.status_code == 302
    ticket = Ticket.objects.get()
    assert ticket.status == Status.CLOSED
    [message] = smtp_sink.messages
    assert message["To"] == "customer2@example.com"
    assert subject(message) == f"Recorded and solved: [{ticket.number}] Outlook keeps asking for the password"
    text, html = parts(message)
    assert f"We recorded your request as {ticket.number} and solved it on the spot." in text
    assert "Cleared the saved credentials; it works again." in text and "Cleared the saved credentials" in html
    assert "Status: Closed" in text and "Contact: Phone" in text
    assert "respond by" not in text  # no response promise for a request already solved
    [row] = rows(ticket=ticket)
    assert (row.event, row.state, row.source_key) == (Event.SOLVED_ON_CONTACT, State.SENT, f"v{ticket.version}")
    # The create, resolve and close were one change, planned once.
    assert PlannedChange.objects.filter(ticket=ticket).count() == ticket.version == 3


def test_a_call_solved_on_the_spot_in_chinese(desk, smtp_sink, committed, agent1):
    committed(agent1.post, QUICK_LOG, _quick_log(desk.customer1, solution="已清除保存的密码，现在正常。"))
    ticket = Ticket.objects.get()
    [message] = smtp_sink.messages
    assert message["To"] == "customer1@example.com"
    assert subject(message).startswith(f"已记录并当场解决：[{ticket.number}]")
    text, _html = parts(message)
    assert f"您的请求已记录为工单 {ticket.number}，并已当场解决。" in text
    assert "已清除保存的密码，现在正常。" in text and "状态：已关闭" in text and "联系方式：电话" in text
    assert "之前响应" not in text


def test_a_call_left_for_routing_still_gets_the_acknowledgement(desk, smtp_sink, committed, agent1):
    committed(agent1.post, QUICK_LOG, _quick_log(desk.customer2, outcome="route", solution="",
                                                 group=desk.second_line.pk))
    ticket = Ticket.objects.get()
    [ack] = to(smtp_sink.messages, "customer2@example.com")
    assert subject(ack).startswith("We have received your request")
    assert "We will respond by" in parts(ack)[0]
    assert {row.event for row in rows(ticket=ticket, address="customer2@example.com")} == {Event.ACKNOWLEDGEMENT}


def test_the_resolution_mail_shows_resolved_though_the_ticket_was_closed_before_it_was_written(
        desk, smtp_sink, committed, django_capture_on_commit_callbacks):
    ticket = committed(actions.create_ticket, actor=desk.customer1, title="打印机卡纸", channel=Channel.PORTAL)
    smtp_sink.clear()
    # Two separate changes, both committed before the catch-up plans either (the embedded mode plans
    # once a minute): each mail still shows the ticket as its own event left it.
    with django_capture_on_commit_callbacks(execute=True):
        actions.transition(ticket, "resolve", actor=desk.agent1, comment="已更换硒鼓。")
    with django_capture_on_commit_callbacks(execute=True):
        actions.transition(ticket, "close", actor=desk.agent1)
    tasks.plan_pending.delay().get()
    resolved, closed = smtp_sink.messages
    assert subject(resolved).startswith("已解决：")
    text, html = parts(resolved)
    assert "状态：已解决" in text and "已关闭" not in text
    assert "<td>已解决</td>" in html
    assert "问题是否已解决？请确认：" in text
    assert "状态：已关闭" in parts(closed)[0]
    # Sending again later sends the text written then; nothing is rendered again.
    row = rows(ticket=ticket, event=Event.RESOLVED)[0]
    assert "状态：已解决" in row.body_text


def test_resolved_and_closed_in_one_change_is_told_once_as_closed(desk, smtp_sink, committed):
    ticket = committed(actions.create_ticket, actor=desk.customer2, title="VPN drops", channel=Channel.PORTAL)
    smtp_sink.clear()

    @transaction.atomic
    def acknowledge_assign_resolve_close():
        t = actions.transition(ticket, "acknowledge", actor=desk.lead1)
        t = actions.assign(t, actor=desk.lead1, group=desk.first_line, assignee=desk.agent1)
        t = actions.transition(t, "resolve", actor=desk.lead1, comment="Reinstalled the VPN client.")
        return actions.transition(t, "close", actor=desk.lead1)

    ticket = committed(acknowledge_assign_resolve_close)
    customer = to(smtp_sink.messages, "customer2@example.com")
    assert len(customer) == 1  # no acknowledgement, no "resolved, please confirm"
    text, _html = parts(customer[0])
    assert subject(customer[0]) == f"[{ticket.number}] is now Closed: VPN drops"
    assert "changed from New to Closed" in text and "Reinstalled the VPN client." in text
    assert "Please confirm" not in text
    # The agent it was assigned to hears of it once too: the assignment is the more telling event.
    [agent] = to(smtp_sink.messages, "agent1@example.com")
    assert subject(agent).startswith("Assigned to you")
    assert len(smtp_sink.messages) == 2
    assert sorted(row.source_key for row in rows(ticket=ticket)) == ["ack", f"v{ticket.version}", f"v{ticket.version}"]


def test_a_reply_with_the_acknowledgement_supersedes_the_promise(desk, smtp_sink, committed):
    ticket = committed(actions.create_ticket, actor=desk.agent1, requester=desk.customer2, title="Laptop slow",
                       channel=Channel.PHONE)
    smtp_sink.clear()
    Ticket.objects.filter(pk=ticket.pk).update(acknowledged_at=None)  # as a ticket from the intake

    @transaction.atomic
    def acknowledge_and_ask():
        t = actions.transition(ticket, "acknowledge", actor=desk.agent1)
        return actions.add_comment(t, actor=desk.agent1, body="Which model is it?")

    committed(acknowledge_and_ask)
    [message] = smtp_sink.messages
    assert subject(message).startswith("Re: ") and "Which model is it?" in parts(message)[0]


def test_separate_changes_are_told_separately(desk, smtp_sink, committed):
    ticket = committed(actions.create_ticket, actor=desk.customer2, title="VPN drops", channel=Channel.PORTAL)
    committed(actions.transition, ticket, "resolve", actor=desk.agent1, comment="Fixed.")
    committed(actions.transition, ticket, "close", actor=desk.agent1)
    events = [row.event for row in rows(ticket=ticket)]
    assert events == [Event.ACKNOWLEDGEMENT, Event.RESOLVED, Event.STATUS_CHANGED]
    assert not CombinedChange.objects.exists()


def test_a_rolled_back_transaction_joins_nothing(desk, smtp_sink, committed):
    ticket = committed(actions.create_ticket, actor=desk.customer2, title="VPN drops", channel=Channel.PORTAL)
    with pytest.raises(RuntimeError), transaction.atomic():
        actions.transition(ticket, "resolve", actor=desk.agent1, comment="Fixed.")
        raise RuntimeError("rolled back")
    # The next action is a change of its own, not the continuation of the rolled-back one.
    committed(actions.transition, ticket, "resolve", actor=desk.agent1, comment="Fixed.")
    committed(actions.transition, ticket, "close", actor=desk.agent1)
    assert not CombinedChange.objects.exists()
    assert [row.event for row in rows(ticket=ticket)] == [Event.ACKNOWLEDGEMENT, Event.RESOLVED,
                                                          Event.STATUS_CHANGED]


def test_each_version_s_task_plans_the_change_once(desk, smtp_sink, django_capture_on_commit_callbacks,
                                                     agent1):
    with django_capture_on_commit_callbacks(execute=True):
        agent1.post(QUICK_LOG, _quick_log(desk.customer2))
    ticket = Ticket.objects.get()
    assert list(CombinedChange.objects.values_list("ticket", "first_version", "last_version")) == [
        (ticket.pk, 1, 3)]
    # With a broker, every version's task arrives; the first plans the whole change, the others nothing.
    planned = [tasks.notify_ticket_change.delay(ticket.pk, version).get() for version in (2, 1, 3)]
    assert planned == [1, 0, 0]
    assert tasks.plan_pending.delay().get() == 0
    assert len(smtp_sink.messages) == 1
    assert not CombinedChange.objects.exists()  # planned: the marks keep it from being planned again


def test_the_solved_template_is_editable_and_checked_on_save(desk, smtp_sink, committed, agent1):
    admin = Client()
    admin.force_login(desk.admin)
    url = "/admin/notify/notificationtemplate/add/"
    page = admin.get(url, {"event": Event.SOLVED_ON_CONTACT, "language": "en"}).content.decode()
    assert "solved it on the spot" in page  # starts from the shipped default
    refused = admin.post(url, {"event": Event.SOLVED_ON_CONTACT, "language": "en", "is_active": "on",
                               "subject": "Solved {{ ticket.number }}", "body_text": "{{ response_due }}",
                               "body_html": ""})
    assert refused.status_code == 200 and "Unknown variables: response_due" in refused.content.decode()
    saved = admin.post(url, {"event": Event.SOLVED_ON_CONTACT, "language": "en", "is_active": "on",
                             "subject": "Done on the phone", "body_text": "Solution: {{ comment.body }}",
                             "body_html": ""})
    assert saved.status_code == 302
    assert NotificationTemplate.objects.filter(event=Event.SOLVED_ON_CONTACT).exists()
    committed(agent1.post, QUICK_LOG, _quick_log(desk.customer2))
    [message] = smtp_sink.messages
    ticket = Ticket.objects.get()
    assert subject(message) == f"Done on the phone [{ticket.number}]"
    assert parts(message)[0].strip() == "Solution: Cleared the saved credentials; it works again."


def test_combined_changes_the_catch_up_never_planned_are_pruned(desk, smtp_sink, committed):
    ticket = committed(actions.create_ticket, actor=desk.customer2, title="VPN drops", channel=Channel.PORTAL)
    old = timezone.now() - datetime.timedelta(days=3)
    forgotten = CombinedChange.objects.create(ticket=ticket, first_version=7, last_version=8, created_at=old)
    recent = CombinedChange.objects.create(ticket=ticket, first_version=9, last_version=10)
    tasks.plan_pending.delay().get()
    assert list(CombinedChange.objects.values_list("pk", flat=True)) == [recent.pk]
    assert forgotten.pk != recent.pk
