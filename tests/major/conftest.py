"""Helpers for the major-incident tests: a contact table, an incident, and actions whose after-commit work
(pages by e-mail, ticket notifications) runs as it would after a real commit."""

import re

import pytest

from servicedesk.core.audit import Channel
from servicedesk.major import actions
from servicedesk.major.models import Contact, ContactChannel
from servicedesk.notify import sending, tasks
from servicedesk.tickets import actions as ticket_actions

CONSOLE = Channel.CONSOLE


@pytest.fixture(autouse=True)
def _mail_server_reachable():
    sending._mark_reachable()
    yield
    sending._mark_reachable()


@pytest.fixture
def committed(django_capture_on_commit_callbacks):
    """committed(fn, *args, **kwargs): call fn as if its transaction committed (pages mailed, tasks run), then
    plan and send the ticket changes as the embedded scheduler's catch-up does."""

    def run(fn, *args, **kwargs):
        with django_capture_on_commit_callbacks(execute=True):
            result = fn(*args, **kwargs)
        tasks.plan_pending.delay().get()
        return result

    return run


@pytest.fixture
def contacts(desk):
    """The desk-wide default list: agent1 (English) and an outside duty officer first, within 15 minutes;
    lead1 (Chinese) next, within 30."""
    return [
        Contact.objects.create(order=1, user=desk.agent1, channel=ContactChannel.EMAIL, respond_within=15),
        Contact.objects.create(order=1, name="Duty officer", email="duty@example.net", phone="+86 10 5555 0100",
                               channel=ContactChannel.EMAIL, respond_within=15),
        Contact.objects.create(order=2, user=desk.lead1, channel=ContactChannel.EMAIL, respond_within=30),
    ]


@pytest.fixture
def incident(desk):
    return ticket_actions.create_ticket(actor=desk.customer2, title="Nobody can print", description="All floors")


def declare(ticket, actor, **kwargs):
    kwargs.setdefault("reason", "Every printer of the building is down")
    kwargs.setdefault("publish_notice", False)
    return actions.declare(ticket, actor=actor, channel=CONSOLE, **kwargs)


def ack_link(message) -> str:
    text = message.get_body(preferencelist=("plain",)).get_content()
    return re.search(r"http://\S+/major/ack/\S+/", text).group(0)


def to(messages, address):
    return [m for m in messages if address in str(m["To"])]


def subject(message) -> str:
    """The Subject as a mail program shows it (unfolded, without the folding space)."""
    return str(message["Subject"]).strip()
