"""Four schedulers beating at the same moment (a second beat, two Celery workers) send a period's report once
(PostgreSQL: real concurrent transactions between threads; SQLite has one writer, and the stale-reader and
double-claim tests of test_subscriptions.py cover it)."""

import pytest
from django.db import connection

from servicedesk.accounts import identity
from servicedesk.reportmail.models import Mailing, MailingState
from tests.monitoring.test_concurrency import run_together

from .conftest import UTC_MONTH_END, run, subscribe

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(connection.vendor != "postgresql", reason="SQLite has one writer: no race to lose"),
]


@pytest.fixture(autouse=True)
def _forget_the_system_identity():
    """The flush after this test leaves no system identity: forget the remembered one (accounts.identity)."""
    yield
    identity.forget()


def test_four_beats_at_once_send_the_report_once(desk, smtp_sink):
    subscriptions = [subscribe(user, zone="UTC") for user in (desk.admin, desk.manager, desk.lead1)]
    run_together(4, lambda n: run(UTC_MONTH_END))
    assert len(smtp_sink.wait_for(3)) == 3
    assert sorted(m["To"] for m in smtp_sink.messages) == sorted(s.user.email for s in subscriptions)
    assert list(Mailing.objects.values_list("state", "attempts").distinct()) == [(MailingState.SENT, 1)]
