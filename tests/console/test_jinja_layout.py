"""The console's Jinja2 layout (the ticket page's) gives the same HTML as the Django one every other console
page extends: the menu, the language switch, the person's menu, the banner and the messages, in both languages
and for each role."""

import re

import pytest
from django.contrib import messages
from django.contrib.messages.storage.fallback import FallbackStorage
from django.contrib.sessions.backends.db import SessionStore
from django.template.loader import render_to_string
from django.test import RequestFactory
from django.utils import translation

from servicedesk.announcements import actions as notices
from servicedesk.announcements.models import Kind
from servicedesk.console.layout import layout_context
from servicedesk.tickets.models import Channel

TOKENS = re.compile(r'(csrfmiddlewaretoken" value="|"X-CSRFToken": ")[^"]+')


def request_of(user):
    request = RequestFactory().get("/console/tickets/SD-000001/?canned=3")
    request.user, request.session = user, SessionStore()
    request._messages = FallbackStorage(request)
    messages.success(request, "Saved <for> now")
    return request


def both(user, language):
    with translation.override(language):
        django_html = render_to_string("console/base.html", request=request_of(user))
        request = request_of(user)
        jinja_html = render_to_string("console/layout.html", layout_context(request), request, using="jinja2")
    return TOKENS.sub(r"\1X", django_html), TOKENS.sub(r"\1X", jinja_html)


@pytest.mark.parametrize("language", ["en", "zh-hans"])
@pytest.mark.parametrize("who", ["agent1", "manager", "admin"])
def test_same_layout_as_django(desk, who, language):
    django_html, jinja_html = both(getattr(desk, who), language)
    assert jinja_html == django_html
    assert "Saved &lt;for&gt; now" in jinja_html  # the messages are escaped as in Django's


def test_same_banner(desk):
    notices.create_announcement(notices.AnnouncementInput(kind=Kind.OUTAGE, title="Mail is down"),
                                actor=desk.manager, channel=Channel.CONSOLE)
    django_html, jinja_html = both(desk.agent1, "en")
    assert "Mail is down" in jinja_html
    assert jinja_html == django_html
