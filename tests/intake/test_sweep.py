"""The sweeper (`servicedesk.intake.tasks.sweep_received`) and the periodic table's intake tasks."""

import datetime

import pytest
from django.conf import settings
from django.utils import timezone
from django.utils.module_loading import import_string

from servicedesk.accounts.models import Desk
from servicedesk.intake import tasks
from servicedesk.intake.ingest import store_raw
from servicedesk.intake.models import InboundMessage, Mailbox, Source, State
from servicedesk.tickets import actions
from servicedesk.tickets.models import Ticket

from .mailtools import DESK_ADDRESS, TITLES, corpus


@pytest.fixture
def mailbox(desk):
    return Mailbox.objects.create(name="IT", address=DESK_ADDRESS, desk=Desk.objects.get(is_default=True))


def left_over(name, mailbox, *, minutes=2, attempts=0):
    message = store_raw(corpus(name), Source.SMTP, mailbox)
    InboundMessage.objects.filter(pk=message.pk).update(
        received_at=timezone.now() - datetime.timedelta(minutes=minutes), attempts=attempts)
    return message


def test_periodic_table_names_the_intake_tasks():
    for name in ("mail-fetch", "mail-sweep"):
        task = import_string(settings.SERVICEDESK_PERIODIC_TASKS[name]["task"])
        assert task.name == settings.SERVICEDESK_PERIODIC_TASKS[name]["task"]


def test_sweeper_files_old_received_messages_and_leaves_recent_ones(desk, mailbox):
    old = left_over("big5.eml", mailbox, minutes=2)
    recent = left_over("qp_utf8.eml", mailbox, minutes=0)
    assert tasks.sweep_received.delay().get() == {"processed": 1, "quarantined": 0, "failed": 0}
    old.refresh_from_db()
    recent.refresh_from_db()
    assert old.state == State.DONE and old.ticket.title == TITLES["big5.eml"]
    assert recent.state == State.RECEIVED
    assert tasks.sweep_received.delay().get() == {"processed": 0, "quarantined": 0, "failed": 0}
    assert Ticket.objects.count() == 1


def test_sweeper_quarantines_a_message_that_used_up_its_attempts(desk, mailbox, settings):
    settings.SERVICEDESK_MAIL_MAX_ATTEMPTS = 3
    killer = left_over("gb2312_base64.eml", mailbox, attempts=3)  # its process died three times
    assert tasks.sweep_received.delay().get() == {"processed": 0, "quarantined": 1, "failed": 0}
    killer.refresh_from_db()
    assert killer.state == State.QUARANTINED
    assert "3 times" in killer.reason
    assert not Ticket.objects.exists()


def test_sweeper_counts_a_crash_and_quarantines_after_the_last_attempt(desk, mailbox, settings, monkeypatch):
    settings.SERVICEDESK_MAIL_MAX_ATTEMPTS = 2

    def crash(**kwargs):
        raise RuntimeError("database hiccup")

    monkeypatch.setattr(actions, "create_ticket", crash)
    message = left_over("utf8_plain.eml", mailbox)
    assert tasks.sweep_received.delay().get() == {"processed": 0, "quarantined": 0, "failed": 1}
    message.refresh_from_db()
    assert message.state == State.RECEIVED and "database hiccup" in message.reason
    tasks.sweep_received.delay().get()
    message.refresh_from_db()
    assert message.state == State.QUARANTINED and "2 times" in message.reason
