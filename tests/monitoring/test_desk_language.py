"""What the desk writes on an alert's incident is in the desk's language, whatever language the monitoring
system's request asks for."""

from django.test import Client

from servicedesk.accounts.models import Desk
from servicedesk.monitoring.models import Alert
from servicedesk.tickets.models import Comment

from .conftest import alertmanager, am_alert, post


def test_a_chinese_desk_gets_chinese_notes_from_an_english_request(desk, source):
    Desk.objects.update(language="zh-hans")
    english = Client(HTTP_ACCEPT_LANGUAGE="en")
    post(source, alertmanager(am_alert("db1")), client=english)
    ticket = Alert.objects.get(fingerprint="db1").ticket
    assert "告警源：" in ticket.description and "Alert source" not in ticket.description
    post(source, alertmanager(am_alert("db1", "resolved")), client=english)
    [note] = Comment.objects.filter(ticket=ticket)
    assert note.body.startswith("告警已恢复"), note.body


def test_an_english_desk_gets_english_notes_from_a_chinese_request(desk, source):
    post(source, alertmanager(am_alert("db1")), client=Client(HTTP_ACCEPT_LANGUAGE="zh-hans"))
    ticket = Alert.objects.get(fingerprint="db1").ticket
    assert "Alert source: " in ticket.description
