"""Concurrent deliveries of one alert make one incident (PostgreSQL: real row locks between threads)."""

import threading

import pytest
from django.db import connection

from servicedesk.accounts import identity
from servicedesk.monitoring.models import Alert
from servicedesk.tickets.models import LinkKind, Ticket, TicketLink

from .conftest import alertmanager, am_alert, post

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(connection.vendor != "postgresql", reason="SQLite has one writer: no race to lose"),
]


@pytest.fixture(autouse=True)
def _forget_the_system_identity():
    """This test's database is flushed afterwards without post_migrate (serialized rollback), which would leave
    the system identity remembered by id for the next test: forget it (accounts.identity)."""
    yield
    identity.forget()


def run_together(count: int, work) -> list:
    barrier = threading.Barrier(count)
    answers, errors = [None] * count, []

    def one(index):
        try:
            barrier.wait()
            answers[index] = work(index)
        except Exception as exc:  # noqa: BLE001  (reported below)
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=one, args=(n,)) for n in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert not errors, errors
    return answers


def test_eight_deliveries_of_one_new_alert_make_one_incident(desk, source):
    answers = run_together(8, lambda n: post(source, alertmanager(am_alert("db1"))))
    assert all(a.status_code == 200 for a in answers)
    outcomes = sorted(a.json()["alerts"][0]["outcome"] for a in answers)
    assert outcomes == ["created"] + ["repeated"] * 7
    assert Ticket.objects.count() == 1 and Alert.objects.get().count == 8


def test_a_concurrent_storm_makes_one_incident_per_fingerprint_and_one_parent(desk, source):
    source.storm_threshold = 5
    source.save()
    run_together(8, lambda n: [post(source, alertmanager(*[am_alert(f"node{(n + k) % 12:02d}") for k in range(6)]))
                               for _ in range(3)])
    assert Alert.objects.count() == 12 and Ticket.objects.exclude(title__startswith="Alert storm").count() == 12
    parents = Ticket.objects.filter(title__startswith="Alert storm")
    assert parents.count() == 1
    assert TicketLink.objects.filter(kind=LinkKind.CHILD_OF, target=parents.get()).count() >= 6
