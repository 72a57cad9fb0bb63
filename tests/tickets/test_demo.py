"""The full demo desk (`servicedesk demo`), made through the actions and idempotent, must look like a
real desk: clocks with due times, something breaching soon, canned responses per group in both
languages, history spread over weeks in working hours, one language per ticket and categories that
match titles."""

import io
import re
import time
from datetime import timedelta

import pytest
from django.core.management import call_command

from servicedesk.accounts.models import Group, User
from servicedesk.console.clocks import breaching_clocks
from servicedesk.console.models import CannedResponse
from servicedesk.console.queue_defs import QUEUES_BY_SLUG
from servicedesk.sla.calendars import business_calendar
from servicedesk.sla.models import Calendar, ClockState, SlaTarget
from servicedesk.tickets.models import OPEN_STATUSES, Channel, Comment, HistoryEntry, Priority, Ticket

CJK = re.compile(r"[\u4e00-\u9fff]")

# Words one of which each title of the category names.
KEYWORDS = {
    "Office Wi-Fi": ["wi-fi", "无线"],
    "Cannot connect": ["vpn"],
    "New VPN access": ["vpn"],
    "Password reset": ["password", "密码"],
    "Account locked": ["locked", "锁定"],
    "Printer fault": ["printer", "打印机"],
    "Toner and paper": ["toner", "硒鼓"],
    "Laptop": ["laptop", "笔记本"],
    "Mailbox full": ["mailbox", "邮箱"],
    "Cannot send": ["send", "发送"],
    "Report error": ["report", "报表"],
    "Slow response": ["slow", "慢"],
    "Shared folder": ["folder", "文件夹"],
    "Application role": ["erp", "权限"],
    "Finance folder": ["folder", "文件夹"],
}


@pytest.fixture
def demo(db):
    started = time.monotonic()
    call_command("demo", stdout=io.StringIO())
    return time.monotonic() - started


def chinese(text: str) -> bool:
    return bool(CJK.search(text))


def test_the_demo_loads_fast_and_once(demo):
    assert demo < 20
    counts = Ticket.objects.count(), HistoryEntry.objects.count(), CannedResponse.objects.count()
    assert 40 <= counts[0] <= 60
    assert HistoryEntry.objects.filter(event="created").count() == counts[0]
    for username in ("admin", "manager", "lead1", "agent1", "agent2", "customer1", "customer2", "customer3",
                     "vendor1"):
        assert User.objects.get(username=username).check_password("demo-pass-123")
    assert User.objects.get(username="customer3").organisation.name == "Organisation B"

    out = io.StringIO()
    call_command("demo", stdout=out)
    assert "0 tickets added" in out.getvalue()
    assert (Ticket.objects.count(), HistoryEntry.objects.count(), CannedResponse.objects.count()) == counts

    out = io.StringIO()
    call_command("demo", if_empty=True, stdout=out)
    assert "not loaded" in out.getvalue()


def test_every_open_ticket_has_a_clock_with_a_due_time(demo):
    open_tickets = Ticket.objects.filter(status__in=OPEN_STATUSES)
    assert open_tickets.count() >= 20
    for ticket in open_tickets:
        clocks = SlaTarget.objects.filter(ticket=ticket).exclude(state=ClockState.STOPPED)
        assert clocks.exists(), ticket.title
        assert all(c.due_at is not None for c in clocks if c.state == ClockState.RUNNING), ticket.title


def test_something_is_breaching_soon_and_something_is_overdue(demo):
    manager = User.objects.get(username="manager")
    assert sum(q.count() for q in QUEUES_BY_SLUG["breaching"].querysets(manager)) > 0
    assert breaching_clocks(Ticket.objects.all()).exists()
    overdue = SlaTarget.objects.filter(state=ClockState.RUNNING, due_at__lt=Ticket.objects.latest("updated_at")
                                       .updated_at)
    assert overdue.exists()


def test_canned_responses_per_group_in_both_languages(demo):
    for group in Group.objects.all():
        names = list(CannedResponse.objects.filter(group=group).values_list("name", "body"))
        assert any(chinese(n) and chinese(b) for n, b in names), group.name
        assert any(not chinese(n) and not chinese(b) for n, b in names), group.name
    first = CannedResponse.objects.filter(group__name="Service Desk (1st line)")
    assert first.filter(body__contains="{response_due}").count() == 2
    assert first.filter(set_status="resolve").count() == first.filter(set_status="pend").count() == 2
    supplier = CannedResponse.objects.filter(group__name="Hardware supplier")
    assert supplier.filter(set_status="pend", set_pending_reason="supplier").count() == 2


def test_history_spreads_over_weeks_in_working_hours(demo):
    entries = HistoryEntry.objects.order_by("at")
    assert entries.last().at - entries.first().at > timedelta(days=7)
    calendar = business_calendar(Calendar.objects.get(is_default=True))
    # Critical incidents are round the clock, and alerts (monitoring.demo) come when the demo is loaded.
    for ticket in Ticket.objects.exclude(priority=Priority.CRITICAL).exclude(channel=Channel.MONITORING):
        moments = list(ticket.history.values_list("at", flat=True))
        # (a moment at a span's end, 18:00, is still the working day's)
        assert all(calendar.is_working(at - timedelta(seconds=1)) for at in moments), ticket.title
        if ticket.version > 1 and ticket.channel != Channel.PHONE:  # a call solved on the spot is one moment
            assert len({at.replace(second=0, microsecond=0) for at in moments}) > 1, ticket.title
        comments = list(ticket.comments.values_list("created_at", flat=True))
        assert comments == sorted(comments)


def test_each_ticket_speaks_one_language_and_matches_its_category(demo):
    for ticket in Ticket.objects.select_related("category"):
        language = chinese(ticket.title)
        assert chinese(ticket.description) == language, ticket.title
        for body in Comment.objects.filter(ticket=ticket).values_list("body", flat=True):
            assert chinese(body) == language, (ticket.title, body)
        if ticket.category is not None:
            assert any(word in ticket.title.lower() for word in KEYWORDS[ticket.category.name]), ticket.title


def test_suppliers_have_people_and_states_are_mixed(demo):
    supplier = Group.objects.get(name="Hardware supplier")
    assert supplier.email and supplier.members.filter(username="vendor1").exists()
    assert Ticket.objects.filter(group=supplier, assignee__username="vendor1", pending_reason="supplier").exists()
    statuses = set(Ticket.objects.values_list("status", flat=True))
    assert statuses == {"new", "acknowledged", "assigned", "in_progress", "pending", "resolved", "closed"}
    assert Ticket.objects.filter(type="complaint", owner__username="manager").exists()
    assert HistoryEntry.objects.filter(event="reopen").exists()
    # Solved on the spot: one phone call, created, resolved and closed by the same agent.
    assert Ticket.objects.filter(channel=Channel.PHONE, status="closed", history__event="close").exists()


def test_languages_are_left_to_the_browser_but_one(demo):
    saved = dict(User.objects.exclude(language="").values_list("username", "language"))
    assert saved == {"customer2": "en"}


def test_make_run_loads_the_demo_into_a_fresh_desk(db):
    """A fresh desk holds only the system identity (made by a migration): `demo --if-empty` loads."""
    from servicedesk.accounts.identity import system_user

    assert list(User.objects.values_list("username", flat=True)) == [system_user().username]
    out = io.StringIO()
    call_command("demo", if_empty=True, no_tickets=True, stdout=out)
    assert "not loaded" not in out.getvalue()
    assert User.objects.filter(username="agent1").exists()

