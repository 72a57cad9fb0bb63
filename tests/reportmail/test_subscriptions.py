"""Report subscriptions: a mail once per period, after the period ends in the subscriber's zone (Shanghai before
UTC), in the subscriber's language, with the figures in the body and the Excel attached; never twice (a second
run, a restart, a run that read the subscription before another planned it, two senders claiming one mail);
retried after a refused connection; stopped from the console or the signed link in the mail. A real SMTP server on
loopback receives the mail."""

import datetime
import io
import re

import openpyxl
import pytest
from django.core import mail as django_mail
from django.test import Client

from servicedesk.core.audit import trail
from servicedesk.core.errors import ActionError, NotAllowed
from servicedesk.reportmail import actions, sending, tasks
from servicedesk.reportmail.models import Mailing, MailingState, Subscription
from tests.notify.conftest import parts, subject
from tests.reports.conftest import at
from tests.services import free_port

from .conftest import SECOND, SHANGHAI_MONTH_END, UTC_MONTH_END, run, subscribe


@pytest.fixture
def tickets(make_ticket, desk):
    return [
        # 00:30 on 1 February in Shanghai, 16:30 on 31 January in UTC: February's for Shanghai only.
        make_ticket("2026-01-31 16:30", channel="phone", group=desk.first_line, assignee=desk.agent1),
        make_ticket("2026-02-10 12:00", channel="email", group=desk.second_line, assignee=desk.agent2),
        make_ticket("2026-02-11 12:00", channel="phone", group=desk.second_line, assignee=desk.agent1),
    ]


def created_line(text: str) -> str:
    return next(line for line in text.splitlines() if "Tickets created" in line or "新建工单数" in line)


def test_a_monthly_report_is_sent_after_the_month_ends_in_the_subscribers_zone(tickets, desk, smtp_sink):
    shanghai = subscribe(desk.admin, zone="Asia/Shanghai")
    utc = subscribe(desk.lead1, zone="UTC")
    assert shanghai.next_due_at == SHANGHAI_MONTH_END and utc.next_due_at == UTC_MONTH_END

    run(SHANGHAI_MONTH_END - SECOND)
    assert smtp_sink.messages == []
    run(SHANGHAI_MONTH_END)
    [message] = smtp_sink.messages
    assert message["To"] == desk.admin.email
    assert "Monthly report" in subject(message) and "2026-02-01 – 2026-02-28" in subject(message)
    text, html = parts(message)
    assert re.search(r"Tickets created: 3 \(", created_line(text))  # the 00:30 call is February's in Shanghai
    assert "Tickets created" in html and "<table" in html

    run(UTC_MONTH_END - SECOND)
    assert len(smtp_sink.messages) == 1
    run(UTC_MONTH_END)
    assert len(smtp_sink.messages) == 2
    assert smtp_sink.messages[1]["To"] == desk.lead1.email
    mailing = Mailing.objects.get(subscription=utc)
    assert (mailing.period_start, mailing.period_end) == (datetime.date(2026, 2, 1), datetime.date(2026, 2, 28))
    assert Subscription.objects.get(pk=utc.pk).next_due_at == at("2026-04-01 00:00")


def test_the_excel_attached_has_the_figures_of_the_body(tickets, desk, smtp_sink):
    subscribe(desk.admin, zone="UTC")
    run(UTC_MONTH_END)
    [message] = smtp_sink.messages
    [attachment] = list(message.iter_attachments())
    assert attachment.get_filename().endswith("2026-02-01_2026-02-28.xlsx")
    book = openpyxl.load_workbook(io.BytesIO(attachment.get_content()))
    created = next(row for row in book["KPIs"].iter_rows(values_only=True) if row[1] == "Tickets created")
    assert created[3] == 2 and isinstance(created[3], int)  # in UTC the 16:30 call is January's
    assert "Tickets created: 2 (" in created_line(parts(message)[0])
    assert "By group" in book.sheetnames


def test_in_chinese_for_a_chinese_subscriber(tickets, desk, smtp_sink):
    subscribe(desk.manager, zone="Asia/Shanghai", language="zh-hans")
    run(SHANGHAI_MONTH_END)
    [message] = smtp_sink.messages
    assert "月报" in subject(message)
    text, html = parts(message)
    assert "新建工单数: 3" in created_line(text) and "停止发送此报表" in text
    book = openpyxl.load_workbook(io.BytesIO(next(message.iter_attachments()).get_content()))
    assert book.sheetnames[0] == "指标"


def test_sent_once_per_period_across_runs_restarts_and_stale_readers(tickets, desk, smtp_sink):
    subscription = subscribe(desk.admin, zone="UTC")
    stale = Subscription.objects.get(pk=subscription.pk)  # read by a run that another run overtakes
    run(UTC_MONTH_END)
    run(UTC_MONTH_END + datetime.timedelta(hours=1))  # the next beat, or a restarted scheduler
    assert actions.plan_one(stale, UTC_MONTH_END) is None
    assert len(smtp_sink.messages) == 1
    [mailing] = Mailing.objects.filter(subscription=subscription)
    assert mailing.state == MailingState.SENT and mailing.attempts == 1
    # A second sender claiming the mail finds nothing to claim.
    assert sending.send_mailing(mailing.pk, UTC_MONTH_END) is None
    assert Subscription.objects.get(pk=subscription.pk).last_period == datetime.date(2026, 2, 1)


def test_two_senders_of_one_planned_mail_send_it_once(tickets, desk, smtp_sink):
    subscribe(desk.admin, zone="UTC")
    [pk] = actions.plan_due(UTC_MONTH_END)
    assert actions.plan_due(UTC_MONTH_END) == []
    first, second = sending.send_mailing(pk, UTC_MONTH_END), sending.send_mailing(pk, UTC_MONTH_END)
    assert first.state == MailingState.SENT and second is None
    assert len(smtp_sink.messages) == 1


def test_the_periodic_task_plans_and_sends_once(tickets, desk, smtp_sink):
    subscribe(desk.admin, zone="UTC", frequency="daily")
    assert tasks.send_due.delay().get() == 1  # the last day that has ended, today
    assert tasks.send_due.delay().get() == 0
    assert len(smtp_sink.messages) == 1
    assert "Daily report" in subject(smtp_sink.messages[0])


def test_a_refused_connection_is_retried_after_a_backoff(tickets, desk, smtp_sink, settings):
    subscribe(desk.admin, zone="UTC")
    port = settings.EMAIL_PORT
    settings.EMAIL_PORT = free_port()  # nothing listens
    run(UTC_MONTH_END)
    mailing = Mailing.objects.get()
    assert mailing.state == MailingState.QUEUED and mailing.attempts == 1 and mailing.last_error
    assert mailing.next_attempt_at == UTC_MONTH_END + datetime.timedelta(minutes=1)
    settings.EMAIL_PORT = port
    run(UTC_MONTH_END + datetime.timedelta(seconds=30))
    assert smtp_sink.messages == []
    run(UTC_MONTH_END + datetime.timedelta(minutes=1))
    assert len(smtp_sink.messages) == 1
    assert Mailing.objects.get().state == MailingState.SENT


def test_an_agent_gets_their_own_figures(tickets, desk, smtp_sink):
    subscribe(desk.agent1, zone="UTC")
    run(UTC_MONTH_END)
    [message] = smtp_sink.messages
    assert "Tickets created: 1 (" in created_line(parts(message)[0])  # agent1's one February ticket in UTC
    with pytest.raises(NotAllowed):
        subscribe(desk.agent1, zone="UTC", query={"agent": str(desk.agent2.pk)})


def test_who_may_subscribe_and_what(desk):
    with pytest.raises(NotAllowed):
        subscribe(desk.customer1, zone="UTC")
    with pytest.raises(ActionError, match="time zone"):
        subscribe(desk.manager, zone="Mars/Olympus")
    with pytest.raises(ActionError, match="channel"):
        subscribe(desk.manager, zone="UTC", query={"channel": "pigeon"})
    subscription = subscribe(desk.manager, zone="UTC", query={"channel": "phone", "start": "2020-01-01"})
    assert subscription.query == {"channel": "phone"}  # the dates are each period's
    assert {entry.action for entry in trail(subscription)} == {"created"}


def test_unsubscribe_by_the_link_in_the_mail(tickets, desk, smtp_sink):
    subscription = subscribe(desk.admin, zone="UTC")
    run(UTC_MONTH_END)
    text = parts(smtp_sink.messages[0])[0]
    url = re.search(r"(http\S+/report-mail/unsubscribe/\S+/)", text).group(1)
    path = url.split("://", 1)[1].split("/", 1)[1]
    anonymous = Client(enforce_csrf_checks=True)
    page = anonymous.get("/" + path)
    assert page.status_code == 200 and b'id="unsubscribe"' in page.content
    assert Subscription.objects.filter(pk=subscription.pk).exists()  # a GET (a mail scanner) changes nothing
    done = anonymous.post("/" + path)
    assert done.status_code == 200 and b'id="unsubscribed"' in done.content
    assert not Subscription.objects.filter(pk=subscription.pk).exists()
    assert anonymous.post("/" + path).status_code == 200  # a second click: nothing more to do
    assert anonymous.get("/report-mail/unsubscribe/1:forged/").status_code == 404
    run(at("2026-04-01 00:00"))
    assert len(smtp_sink.messages) == 1
    assert str(smtp_sink.messages[0]["List-Unsubscribe"]).strip() == f"<{url}>"


def test_a_mail_with_no_address_fails_with_the_reason(desk, smtp_sink):
    desk.admin.email = ""
    desk.admin.save(update_fields=["email"])
    subscribe(desk.admin, zone="UTC")
    run(UTC_MONTH_END)
    mailing = Mailing.objects.get()
    assert mailing.state == MailingState.FAILED and "e-mail address" in mailing.last_error
    assert smtp_sink.messages == [] and django_mail.outbox == []
