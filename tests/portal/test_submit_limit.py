"""The portal's limit on requests sent per user: a clear error, and the form keeps what was typed."""

from django.conf import settings
from django.test import Client
from django.urls import reverse

from servicedesk.tickets.models import Ticket


def submit(client, title):
    return client.post(reverse("portal:new"), {"type": "incident", "title": title,
                                               "description": f"Details of {title}", "urgency": "2"})


def test_requests_per_minute_are_limited_and_the_refused_one_keeps_what_was_typed(desk):
    desk.customer1.language = "en"
    desk.customer1.save()
    client = Client()
    client.force_login(desk.customer1)
    limit = settings.SERVICEDESK_PORTAL_SUBMITS_PER_MINUTE
    for n in range(limit):
        assert submit(client, f"Request {n}").status_code == 302
    refused = submit(client, "One too many")
    assert refused.status_code == 429
    page = refused.content.decode()
    assert "You have sent many requests in a short time" in page and "What you typed is kept" in page
    assert 'value="One too many"' in page and "Details of One too many</textarea>" in page
    assert Ticket.objects.filter(requester=desk.customer1).count() == limit
    # Another customer is not held up by the first one's requests.
    other = Client()
    other.force_login(desk.customer2)
    assert submit(other, "Mine").status_code == 302


def test_the_hourly_limit_and_the_message_in_chinese(desk, settings):
    settings.SERVICEDESK_PORTAL_SUBMITS_PER_MINUTE = 100
    settings.SERVICEDESK_PORTAL_SUBMITS_PER_HOUR = 2
    desk.customer1.language = "zh-hans"
    desk.customer1.save()
    client = Client()
    client.force_login(desk.customer1)
    assert [submit(client, f"R{n}").status_code for n in range(3)] == [302, 302, 429]
    assert "您在短时间内提交了很多请求" in submit(client, "R3").content.decode()


def test_a_refused_form_does_not_count(desk):
    client = Client()
    client.force_login(desk.customer1)
    for _ in range(settings.SERVICEDESK_PORTAL_SUBMITS_PER_MINUTE + 2):
        assert submit(client, "").status_code == 200  # no summary: the form asks for one
    assert submit(client, "Now complete").status_code == 302
