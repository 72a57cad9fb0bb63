"""Each kind's path: a standard change is scheduled at once (pre-approved); a normal and an emergency change go to
their kind's approval policy, and the approval's outcome schedules or rejects them; scheduling publishes a
planned-change notice and cancelling calls it off. Who may, stale versions, and the history and audit trail."""

import pytest

from servicedesk.announcements.models import Kind as NoticeKind
from servicedesk.announcements.models import Phase
from servicedesk.approvals import actions as approvals
from servicedesk.approvals.models import ApprovalRequest
from servicedesk.changes import actions
from servicedesk.changes.models import ChangeRecord, State
from servicedesk.core import audit
from servicedesk.core.errors import ActionError, Conflict, NotAllowed, NotFound
from servicedesk.tickets.models import PendingReason, Status, TicketType

from .conftest import CONSOLE, plan


def _states(change):
    return [(e.old_value, e.new_value) for e in change.ticket.history.filter(event="change_state").order_by("id")]


def test_a_standard_change_is_scheduled_at_once_with_its_notice(desk, soon, template, mail):
    change = actions.create_change(actions.ChangeInput(
        template=template, planned_start=soon, planned_end=soon.replace(hour=23)), actor=desk.agent1, channel=CONSOLE)
    assert (change.ticket.type, change.ticket.title, change.ticket.owner) == (
        TicketType.CHANGE_REQUEST, "Monthly OS patches", desk.agent1)
    assert (change.kind, change.risk, change.implementation) == ("standard", 3, "Drain, patch, reboot, check.")
    assert list(change.services.all()) == [mail]
    actions.move(change, "submit", actor=desk.agent1, channel=CONSOLE, expected_version=change.version)
    change.refresh_from_db()
    assert change.state == State.SCHEDULED and change.approval is None
    notice = change.announcement
    assert (notice.kind, notice.starts_at, notice.ends_at, notice.phase()) == (
        NoticeKind.PLANNED_CHANGE, change.planned_start, change.planned_end, Phase.PLANNED)
    assert list(notice.services.all()) == [mail]
    assert change.ticket.number in notice.body and "计划变更" in notice.body_zh
    for action, note in (("start", ""), ("complete", "Patched, rebooted."), ("close", "No trouble since.")):
        actions.move(change, action, actor=desk.agent2, channel=CONSOLE, note=note)
    change.refresh_from_db()
    assert change.state == State.CLOSED and change.outcome == "Patched, rebooted.\n\nNo trouble since."
    assert _states(change) == [("draft", "scheduled"), ("scheduled", "implementing"), ("implementing", "review"),
                               ("review", "closed")]
    assert [e.action for e in audit.trail(change)][:2] == ["closed", "review"]
    change.ticket.refresh_from_db()  # out of the queues and their clocks, with the review as the resolution
    assert change.ticket.status == Status.CLOSED
    assert change.ticket.comments.get().body == "No trouble since."


def test_a_normal_change_waits_for_approval_and_the_approval_schedules_it(desk, soon, routes, mail,
                                                                           django_capture_on_commit_callbacks):
    change = plan(desk, soon, services=[mail])
    actions.move(change, "submit", actor=desk.agent1, channel=CONSOLE)
    change.refresh_from_db()
    assert change.state == State.AWAITING_APPROVAL and change.announcement is None
    request = change.approval
    assert (request.policy, request.state) == (routes["normal"], "pending")
    change.ticket.refresh_from_db()
    assert (change.ticket.status, change.ticket.pending_reason) == (Status.PENDING, PendingReason.APPROVAL)
    with pytest.raises(ActionError):  # not the agent's to skip
        actions.move(change, "start", actor=desk.agent1, channel=CONSOLE)
    with django_capture_on_commit_callbacks(execute=True):
        approvals.decide(request, actor=desk.manager, outcome="approve", comment="Go ahead", channel=CONSOLE)
    change.refresh_from_db()
    assert change.state == State.SCHEDULED and change.announcement is not None
    assert _states(change) == [("draft", "awaiting_approval"), ("awaiting_approval", "scheduled")]
    assert change.ticket.history.get(new_value="scheduled").actor.is_system_identity


def test_a_rejected_approval_rejects_the_change(desk, soon, routes, django_capture_on_commit_callbacks):
    change = plan(desk, soon)
    actions.move(change, "submit", actor=desk.agent1, channel=CONSOLE)
    change.refresh_from_db()
    with django_capture_on_commit_callbacks(execute=True):
        approvals.decide(change.approval, actor=desk.manager, outcome="reject", comment="Not now", channel=CONSOLE)
    change.refresh_from_db()
    assert change.state == State.REJECTED and change.announcement is None
    assert actions.available_moves(change, desk.agent1) == []
    change.ticket.refresh_from_db()
    assert change.ticket.status == Status.CLOSED
    assert change.ticket.comments.filter(body="The change was rejected by its approvers.").exists()


def test_an_emergency_change_goes_to_its_own_policy(desk, soon, routes, django_capture_on_commit_callbacks):
    change = plan(desk, soon, kind="emergency")
    actions.move(change, "submit", actor=desk.agent1, channel=CONSOLE)
    change.refresh_from_db()
    assert change.approval.policy == routes["emergency"]
    with pytest.raises(NotAllowed):  # the normal policy's approver is not this one's
        approvals.decide(change.approval, actor=desk.manager, outcome="approve", channel=CONSOLE)
    with django_capture_on_commit_callbacks(execute=True):
        approvals.decide(change.approval, actor=desk.lead1, outcome="approve", channel=CONSOLE)
    change.refresh_from_db()
    assert change.state == State.SCHEDULED


def test_without_a_policy_for_its_kind_a_change_cannot_be_submitted(desk, soon):
    change = plan(desk, soon)
    with pytest.raises(ActionError, match="No approval policy is set for normal changes"):
        actions.move(change, "submit", actor=desk.agent1, channel=CONSOLE)
    change.refresh_from_db()
    assert change.state == State.DRAFT and not ApprovalRequest.objects.exists()


def test_cancelling_withdraws_the_approval_and_calls_off_the_notice(desk, soon, routes, template):
    waiting = plan(desk, soon)
    actions.move(waiting, "submit", actor=desk.agent1, channel=CONSOLE)
    actions.move(waiting, "cancel", actor=desk.agent1, channel=CONSOLE, note="Not needed")
    waiting.refresh_from_db()
    assert waiting.state == State.CANCELLED and waiting.approval.state == "cancelled"
    assert (waiting.ticket.status, waiting.ticket.comments.get().body) == (Status.CLOSED, "Not needed")
    scheduled = plan(desk, soon, kind="standard", template=template)
    actions.move(scheduled, "submit", actor=desk.agent1, channel=CONSOLE)
    actions.move(scheduled, "cancel", actor=desk.agent1, channel=CONSOLE)
    scheduled.refresh_from_db()
    assert scheduled.announcement.phase() == Phase.ENDED


def test_who_may_and_stale_versions(desk, soon, template):
    with pytest.raises(NotAllowed):
        actions.create_change(actions.ChangeInput(title="Mine"), actor=desk.customer1, channel="portal")
    change = plan(desk, soon, kind="standard", template=template)
    with pytest.raises(NotFound):  # a customer does not see the change's ticket
        actions.move(change, "submit", actor=desk.customer1, channel="portal")
    with pytest.raises(Conflict):
        actions.update_change(change, actions.ChangeInput(risk=1), actor=desk.agent1, channel=CONSOLE,
                              expected_version=change.version + 1)
    actions.update_change(change, actions.ChangeInput(risk=1, title="Patch the mail servers"), actor=desk.agent1,
                          channel=CONSOLE, expected_version=change.version)
    change = ChangeRecord.objects.select_related("ticket").get(pk=change.pk)
    assert (change.risk, change.version, change.ticket.title) == (1, 2, "Patch the mail servers")
    assert audit.trail(change).filter(field="risk").exists()
    with pytest.raises(ActionError, match="after the planned start"):
        actions.update_change(change, actions.ChangeInput(planned_end=soon), actor=desk.agent1, channel=CONSOLE)
