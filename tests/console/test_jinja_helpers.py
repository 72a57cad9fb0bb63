import datetime
import zoneinfo

from django.urls import reverse
from django.utils import timezone, translation

from servicedesk.core.jinja import display, localdate, url
from servicedesk.tickets.models import Status, Ticket


def test_localdate_shows_the_users_time_zone():
    moment = datetime.datetime(2026, 1, 1, 23, 30, tzinfo=datetime.UTC)
    with timezone.override(zoneinfo.ZoneInfo("Asia/Shanghai")):
        assert localdate(moment) == "2026-01-02 07:30"
        assert localdate(moment, "c").startswith("2026-01-02T07:30:00+08:00")
    assert localdate(datetime.date(2026, 3, 4), "Y-m-d") == "2026-03-04"
    assert localdate(None) == ""


def test_display_is_the_choice_label_in_the_active_language():
    ticket = Ticket(status=Status.IN_PROGRESS)
    assert display(ticket, "status") == ticket.get_status_display() == "In progress"
    with translation.override("zh-hans"):
        assert display(ticket, "status") == ticket.get_status_display() != "In progress"
    assert display(Ticket(status="not-a-status"), "status") == "not-a-status"


def test_url_is_reverse():
    assert url("console:ticket", "SD-000123") == reverse("console:ticket", args=["SD-000123"])
    assert url("console:ticket", "SD-000123") == url("console:ticket", "SD-000123")
    assert url("console:home") == reverse("console:home")
