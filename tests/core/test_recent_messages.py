"""Messages not shown yet are kept up to the latest few from earlier pages, and all of the last one: a client
that sends form after form without ever opening the page it is sent to does not carry (and send back, and
have decoded) all of them."""

from django.contrib import messages
from django.contrib.messages.storage.cookie import CookieStorage
from django.http import HttpResponse
from django.test import Client, RequestFactory
from django.urls import reverse

from servicedesk.core.messages import RecentMessages
from servicedesk.tickets.models import Ticket


def test_only_the_latest_earlier_messages_wait_for_the_next_page(desk, settings):
    settings.SERVICEDESK_PORTAL_SUBMITS_PER_MINUTE = 100
    desk.customer1.language = "en"
    desk.customer1.save()
    client = Client()
    client.force_login(desk.customer1)
    for n in range(RecentMessages.KEEP + 3):
        response = client.post(reverse("portal:new"), {"type": "incident", "title": f"Request {n}",
                                                      "description": "", "urgency": "2"})
        assert response.status_code == 302
    numbers = list(Ticket.objects.order_by("id").values_list("number", flat=True))
    page = client.get(reverse("portal:home")).content.decode()
    shown = [number for number in numbers if f"Your request {number} has been received" in page]
    assert shown == numbers[-(RecentMessages.KEEP + 1):]
    # Shown once: the next page has none of them.
    assert "has been received" not in client.get(reverse("portal:home")).content.decode()


def test_every_message_of_one_response_is_kept(client):
    request = RequestFactory().get("/")
    request.session = client.session
    storage = RecentMessages(request)
    for n in range(RecentMessages.KEEP * 2):
        storage.add(messages.WARNING, f"Left open: {n}")
    response = HttpResponse()
    storage.update(response)
    later = RequestFactory().get("/")
    later.COOKIES[CookieStorage.cookie_name] = response.cookies[CookieStorage.cookie_name].value
    later.session = client.session
    assert [m.message for m in RecentMessages(later)] == [f"Left open: {n}" for n in range(RecentMessages.KEEP * 2)]
