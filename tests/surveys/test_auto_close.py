"""Resolved tickets nobody confirmed close by themselves after N working days of the desk's calendar (the default
business calendar, Asia/Shanghai, with China's official holidays and adjusted working days loaded), as the system
identity, with "closed without confirmation" in the history."""

import datetime
import zoneinfo
from unittest import mock

import pytest

from servicedesk.accounts.identity import system_user
from servicedesk.sla.calendars import load_official_days_into
from servicedesk.sla.models import Calendar
from servicedesk.surveys import actions
from servicedesk.tickets import actions as ticket_actions
from servicedesk.tickets.models import Status

from .conftest import CONSOLE

SHANGHAI = zoneinfo.ZoneInfo("Asia/Shanghai")


@pytest.fixture
def calendar(desk):
    default = Calendar.objects.get(is_default=True)
    assert default.time_zone == "Asia/Shanghai"
    load_official_days_into(default, country="CN", years=[2026])
    return default


def resolved_at(desk, moment: datetime.datetime):
    made = ticket_actions.create_ticket(actor=desk.customer2, title="Printer jams", channel="portal")
    with mock.patch("django.utils.timezone.now", return_value=moment):
        return ticket_actions.transition(made.pk, "resolve", actor=desk.agent1, channel=CONSOLE, comment="Fixed.")


def local(*args) -> datetime.datetime:
    return datetime.datetime(*args, tzinfo=SHANGHAI)


def test_resolved_on_friday_closes_after_three_working_days_past_the_weekend(desk, calendar, settings):
    settings.SERVICEDESK_AUTO_CLOSE_WORKING_DAYS = 3
    ticket = resolved_at(desk, local(2026, 11, 6, 15, 0))  # a Friday
    # Monday, Tuesday and Wednesday must pass: still resolved late on Wednesday.
    assert actions.close_unconfirmed(now=local(2026, 11, 11, 23, 59)) == 0
    ticket.refresh_from_db()
    assert ticket.status == Status.RESOLVED
    assert actions.close_unconfirmed(now=local(2026, 11, 12, 0, 0)) == 1
    ticket.refresh_from_db()
    assert ticket.status == Status.CLOSED
    entry = ticket.history.get(event="close", field="status")
    assert entry.actor == system_user() and entry.channel == "system"
    assert entry.note == "closed without confirmation after 3 working days"
    assert actions.close_unconfirmed(now=local(2026, 11, 13, 0, 0)) == 0  # once


def test_the_national_day_holiday_and_its_adjusted_working_saturday(desk, calendar, settings):
    settings.SERVICEDESK_AUTO_CLOSE_WORKING_DAYS = 3
    # Resolved on Wednesday 30 September; 1–7 October are holidays; Thursday 8, Friday 9 and Saturday 10
    # October (an adjusted working day, 调休) are the three working days.
    ticket = resolved_at(desk, local(2026, 9, 30, 10, 0))
    assert actions.close_unconfirmed(now=local(2026, 10, 7, 23, 0)) == 0
    assert actions.close_unconfirmed(now=local(2026, 10, 10, 23, 59)) == 0
    ticket.refresh_from_db()
    assert ticket.status == Status.RESOLVED
    assert actions.close_unconfirmed(now=local(2026, 10, 11, 0, 0)) == 1
    ticket.refresh_from_db()
    assert ticket.status == Status.CLOSED


def test_a_reopened_ticket_is_left_alone_and_zero_days_never_closes(desk, calendar, settings):
    settings.SERVICEDESK_AUTO_CLOSE_WORKING_DAYS = 1
    reopened = resolved_at(desk, local(2026, 11, 2, 10, 0))
    ticket_actions.transition(reopened.pk, "reopen", actor=desk.customer2, channel="portal", comment="Again")
    waiting = resolved_at(desk, local(2026, 11, 2, 11, 0))
    settings.SERVICEDESK_AUTO_CLOSE_WORKING_DAYS = 0
    assert actions.close_unconfirmed(now=local(2026, 11, 20, 0, 0)) == 0
    settings.SERVICEDESK_AUTO_CLOSE_WORKING_DAYS = 1
    assert actions.close_unconfirmed(now=local(2026, 11, 20, 0, 0)) == 1
    reopened.refresh_from_db()
    waiting.refresh_from_db()
    assert (reopened.status, waiting.status) == (Status.ACKNOWLEDGED, Status.CLOSED)


def test_the_periodic_task_is_scheduled_for_celery_beat_and_the_embedded_scheduler(settings):
    task = "servicedesk.surveys.tasks.close_unconfirmed"
    assert settings.SERVICEDESK_PERIODIC_TASKS["surveys-close-unconfirmed"]["task"] == task
    assert settings.CELERY_BEAT_SCHEDULE["surveys-close-unconfirmed"]["task"] == task
