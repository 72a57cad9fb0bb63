"""Helpers for the notification tests: actions whose after-commit work (the notifications) runs, and
the mail the SMTP sink received, by recipient."""

import pytest

from servicedesk.notify import sending, tasks
from servicedesk.notify.models import OutboundMessage


@pytest.fixture(autouse=True)
def _mail_server_reachable():
    """Each test starts with the in-process "mail server unreachable" pause cleared."""
    sending._mark_reachable()
    yield
    sending._mark_reachable()


@pytest.fixture
def committed(django_capture_on_commit_callbacks):
    """committed(fn, *args, **kwargs): call fn as if its transaction committed (signals, tasks run),
    then plan and send the ticket changes as the periodic catch-up does in the embedded mode (no
    broker: nothing is planned in the action's process; see servicedesk.notify.planning)."""

    def run(fn, *args, **kwargs):
        with django_capture_on_commit_callbacks(execute=True):
            result = fn(*args, **kwargs)
        tasks.plan_pending.delay().get()
        return result

    return run


def parts(message):
    """(plain text, HTML) of a parsed message."""
    text = message.get_body(preferencelist=("plain",))
    html = message.get_body(preferencelist=("html",))
    return (text.get_content() if text else ""), (html.get_content() if html else "")


def to(messages, address):
    return [m for m in messages if address in str(m["To"])]


def rows(**filters):
    return list(OutboundMessage.objects.filter(**filters).order_by("id"))


def subject(message):
    """The Subject as a mail program shows it (unfolded, without the folding space)."""
    return str(message["Subject"]).strip()
