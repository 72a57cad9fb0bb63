"""Helpers for the major-incident tests: a contact table, an incident; notify's `committed` runs an action's
after-commit work (pages, ticket notifications) as a real commit would."""

import re

import pytest

from servicedesk.core.audit import Channel
from servicedesk.major import actions
from servicedesk.major.models import Contact, ContactChannel
from servicedesk.tickets import actions as ticket_actions
from tests.notify.conftest import _mail_server_reachable, committed, subject, to  # noqa: F401 (shared fixtures)

CONSOLE = Channel.CONSOLE


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
