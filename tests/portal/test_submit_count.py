"""The portal's submit limit counts the customer's own portal requests in the database: exact over the sliding
minute and hour, whichever process took them, and nothing written to count them."""

import datetime

from django.core.cache import caches
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from servicedesk.tickets import actions
from servicedesk.tickets.models import Channel, Ticket


def submit(client, title):
    return client.post(reverse("portal:new"), {"type": "incident", "title": title, "description": "", "urgency": "2"})


def sent(desk, minutes_ago, channel=Channel.PORTAL):
    ticket = actions.create_ticket(actor=desk.customer1, title=f"Sent {minutes_ago} minutes ago", channel=channel)
    at = timezone.now() - datetime.timedelta(minutes=minutes_ago)
    Ticket.objects.filter(pk=ticket.pk).update(created_at=at, updated_at=at)


def test_requests_of_the_last_hour_count_whoever_took_them(desk, settings):
    settings.SERVICEDESK_PORTAL_SUBMITS_PER_MINUTE = 100
    settings.SERVICEDESK_PORTAL_SUBMITS_PER_HOUR = 2
    desk.customer1.language = "en"
    desk.customer1.save()
    sent(desk, 50)
    sent(desk, 30)
    sent(desk, 5, channel=Channel.EMAIL)  # a mail is not a request sent through the portal
    client = Client()
    client.force_login(desk.customer1)
    refused = submit(client, "Third within the hour")
    assert refused.status_code == 429
    # Free again when the one sent 50 minutes ago leaves the hour.
    assert "please wait 10 minutes" in refused.content.decode()
    Ticket.objects.filter(title="Sent 50 minutes ago").update(
        created_at=timezone.now() - datetime.timedelta(minutes=61),
        updated_at=timezone.now() - datetime.timedelta(minutes=61))
    assert submit(client, "Now there is room").status_code == 302
    assert Ticket.objects.filter(title="Now there is room", channel=Channel.PORTAL).exists()


def test_the_minute_limit_is_exact_and_nothing_is_written_to_count(desk, settings):
    settings.SERVICEDESK_PORTAL_SUBMITS_PER_MINUTE = 2
    client = Client()
    client.force_login(desk.customer1)
    sent(desk, 2)  # more than a minute ago: does not count for the minute
    assert [submit(client, f"R{n}").status_code for n in range(3)] == [302, 302, 429]
    assert not caches["ratelimit"]._cache  # the requests themselves are the count
