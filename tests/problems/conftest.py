"""Helpers for the problem tests: three incidents of customer1 and customer2; notify's `committed` runs an
action's after-commit work (the resolution mails) as a real commit would."""

import pytest

from servicedesk.core.audit import Channel
from servicedesk.problems import actions
from servicedesk.tickets import actions as ticket_actions
from tests.notify.conftest import _mail_server_reachable, committed, subject, to  # noqa: F401 (shared fixtures)

CONSOLE = Channel.CONSOLE


@pytest.fixture
def incidents(desk):
    """Three incidents with one symptom, as the portal records them: two of customer1 (Chinese), one of
    customer2 (English)."""
    return [
        ticket_actions.create_ticket(actor=desk.customer1, title="VPN drops every hour",
                                     description="The VPN client disconnects every hour on the hour"),
        ticket_actions.create_ticket(actor=desk.customer1, title="VPN disconnects"),
        ticket_actions.create_ticket(actor=desk.customer2, title="VPN keeps dropping"),
    ]


def open_problem(incidents, actor, **kwargs):
    return actions.open_problem(incidents, actor=actor, channel=CONSOLE, **kwargs)
