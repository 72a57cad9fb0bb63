"""Without a broker the clocks are not recomputed in the request: the scheduler's catch-up finds every
ticket changed since its clocks were derived, and only those."""

from servicedesk.sla import tracking
from servicedesk.sla.models import ClockSync, SlaTarget
from servicedesk.tickets import actions


def test_catch_up_recomputes_changed_tickets_once(desk, settings, django_capture_on_commit_callbacks):
    settings.SERVICEDESK_SLA_INLINE = False
    with django_capture_on_commit_callbacks(execute=True):
        ticket = actions.create_ticket(actor=desk.customer1, requester=desk.customer1, title="Printer jam",
                                       channel="portal")
    assert not SlaTarget.objects.filter(ticket=ticket).exists()  # not in the request
    assert tracking.catch_up() == 1
    assert set(SlaTarget.objects.filter(ticket=ticket).values_list("key", flat=True)) == {"response", "resolution"}
    assert ClockSync.objects.get(ticket=ticket).version == ticket.version
    assert tracking.catch_up() == 0  # nothing changed since
    with django_capture_on_commit_callbacks(execute=True):
        actions.transition(ticket, "acknowledge", actor=desk.agent1)
        actions.add_comment(ticket, actor=desk.agent1, body="Looking at it")
    assert tracking.catch_up() == 1
    response = SlaTarget.objects.get(ticket=ticket, key="response")
    assert response.state == "stopped" and not response.breached  # the first reply met the target


def test_inline_mode_keeps_the_sync_current(desk, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        ticket = actions.create_ticket(actor=desk.customer1, requester=desk.customer1, title="Printer jam",
                                       channel="portal")
    assert SlaTarget.objects.filter(ticket=ticket).exists()
    assert tracking.catch_up() == 0


def test_the_scheduler_runs_the_catch_up(settings):
    assert settings.SERVICEDESK_PERIODIC_TASKS["sla-catch-up"]["task"] == "servicedesk.sla.tasks.catch_up"
    assert settings.SERVICEDESK_PERIODIC_TASKS["sla-catch-up"]["every"] <= 10
