"""Helpers for the survey tests: a ticket resolved by agent1 for customer2 (English) and the rating links its
resolution mail carries; notify's `committed` runs an action's after-commit work as a real commit would."""

import re

import pytest

from servicedesk.tickets import actions as ticket_actions
from servicedesk.tickets.models import Channel
from tests.notify.conftest import _mail_server_reachable, committed, subject, to  # noqa: F401 (shared fixtures)

CONSOLE = Channel.CONSOLE


@pytest.fixture
def ticket(desk, committed):  # noqa: F811 (the shared fixture)
    """customer2's incident, routed to the 1st line (lead: lead1) and owned by agent1, its mail planned."""
    made = committed(ticket_actions.create_ticket, actor=desk.customer2, title="Printer jams", description="Floor 3",
                     channel=Channel.PORTAL)
    return committed(ticket_actions.assign, made, actor=desk.agent1, group=desk.first_line, assignee=desk.agent1,
                     channel=CONSOLE)


def resolve(ticket, agent, text="Replaced the roller."):
    return ticket_actions.transition(ticket.pk, "resolve", actor=agent, channel=CONSOLE, comment=text)


def rating_links(message) -> dict[int, str]:
    """{rating: link} of a resolution mail's plain text."""
    text = message.get_body(preferencelist=("plain",)).get_content()
    return {int(rating): url for rating, url in re.findall(r"^([1-5])[:：] ?(http://\S+/survey/\S+/)\r?$", text, re.M)}
