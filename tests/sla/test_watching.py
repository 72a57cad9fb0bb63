"""The watcher: clock rows derived from history, OLAs, the evaluator, escalation rules, follow-up digests.

History rows are dated at fixed instants (see conftest.dated); the rows are then recomputed and the
evaluator run "as of" fixed instants, so every due time and threshold instant is checked to the minute.
"""

from datetime import timedelta

import pytest
from django.core.management import call_command

from servicedesk.accounts.identity import system_user
from servicedesk.accounts.models import User
from servicedesk.sla import tracking
from servicedesk.sla.followup import overdue_follow_ups, send_digests
from servicedesk.sla.models import (
    ClockState,
    EscalationRule,
    FollowUpDigest,
    OlaTarget,
    PendingThreshold,
    SlaEvent,
    SlaTarget,
)
from servicedesk.sla.ola import ola_state
from servicedesk.sla.signals import follow_up_digest, threshold_reached
from servicedesk.tickets import actions
from servicedesk.tickets.models import Channel, HistoryEntry, Ticket

from .conftest import act, cn, dated, make_ticket


class Heard(list):
    def __init__(self, capture):
        super().__init__()
        self.capture = capture

    def run(self, call, *args, **kwargs):
        """Call, then run the on-commit callbacks it registered (as a commit would)."""
        with self.capture(execute=True):
            return call(*args, **kwargs)


def rows(ticket):
    return {row.key: row for row in SlaTarget.objects.filter(ticket=ticket)}


def pending(ticket):
    return sorted((p.key, p.percent, p.at) for p in PendingThreshold.objects.filter(ticket=ticket))


def recompute(ticket, now):
    tracking.recompute_ticket(ticket.pk, now=now)
    return rows(ticket)


@pytest.fixture
def heard(django_capture_on_commit_callbacks):
    """Every threshold_reached and follow_up_digest sent in this process (the test's on-commit callbacks run
    at each ``heard.run(call, ...)``)."""
    got = Heard(django_capture_on_commit_callbacks)

    def on_threshold(sender, **kwargs):
        got.append(("threshold", kwargs))

    def on_digest(sender, **kwargs):
        got.append(("digest", kwargs))

    threshold_reached.connect(on_threshold, dispatch_uid="test-heard-threshold")
    follow_up_digest.connect(on_digest, dispatch_uid="test-heard-digest")
    yield got
    threshold_reached.disconnect(dispatch_uid="test-heard-threshold")
    follow_up_digest.disconnect(dispatch_uid="test-heard-digest")


# -- due times --------------------------------------------------------------------------------------


# Created Tuesday 2025-09-30 17:00: one business hour left that day, then the holiday week (10-01…08),
# Thursday 10-09, Friday 10-10, the adjusted Saturday 10-11 (works as a Monday), Monday 10-13 …
EXPECTED = {
    1: (cn(2025, 9, 30, 18), cn(2025, 10, 9, 17)),
    2: (cn(2025, 9, 30, 18), cn(2025, 10, 10, 17)),
    3: (cn(2025, 10, 9, 17), cn(2025, 10, 14, 17)),
    4: (cn(2025, 10, 10, 17), cn(2025, 10, 21, 17)),
    5: (cn(2025, 10, 10, 17), cn(2025, 10, 21, 17)),
}


@pytest.mark.parametrize("priority", sorted(EXPECTED))
def test_due_times_for_each_priority(desk, priority_policies, priority):
    ticket = make_ticket(desk, cn(2025, 9, 30, 17), priority=priority)
    clocks = recompute(ticket, cn(2025, 9, 30, 17, 1))
    response, resolution = EXPECTED[priority]
    assert (clocks["response"].due_at, clocks["resolution"].due_at) == (response, resolution)
    assert clocks["response"].state == clocks["resolution"].state == ClockState.RUNNING
    assert clocks["resolution"].policy == priority_policies[priority]
    # The 75 % warning of the first response: three quarters of its business time after creation.
    minutes = priority_policies[priority].first_response_minutes
    calendar = tracking.business_calendar(priority_policies[priority].calendar)
    warn = calendar.add_business_minutes(cn(2025, 9, 30, 17), minutes * 3 // 4)
    assert ("response", 75, warn) in pending(ticket)
    assert ("response", 100, response) in pending(ticket)
    assert ("resolution", 100, resolution) in pending(ticket)
    if priority == 1:
        assert warn == cn(2025, 9, 30, 17, 45)


def test_policy_thresholds_are_configurable(desk, priority_policies):
    priority_policies[1].thresholds = [50, 90]
    priority_policies[1].save()
    ticket = make_ticket(desk, cn(2025, 9, 29, 9), priority=1)
    recompute(ticket, cn(2025, 9, 29, 9, 1))
    assert [p for k, p, _at in pending(ticket) if k == "response"] == [50, 75, 90, 100]  # 75: the default rule
    EscalationRule.objects.all().delete()
    recompute(ticket, cn(2025, 9, 29, 9, 1))
    assert [(p, at) for k, p, at in pending(ticket) if k == "response"] == [
        (50, cn(2025, 9, 29, 9, 30)), (90, cn(2025, 9, 29, 9, 54)), (100, cn(2025, 9, 29, 10))]


def test_pause_and_resume(desk, priority_policies):
    ticket = make_ticket(desk, cn(2025, 9, 29, 9), priority=3, group=desk.first_line)
    act(desk, ticket, cn(2025, 9, 29, 10), "pend", pending_reason="customer")
    clocks = recompute(ticket, cn(2025, 9, 29, 15))
    assert clocks["response"].state == ClockState.PAUSED
    assert clocks["response"].due_at is None and clocks["response"].used_minutes == 60
    assert pending(ticket) == []  # 75 % of 480 minutes was not reached before the pause
    act(desk, ticket, cn(2025, 9, 30, 9), "resume")
    clocks = recompute(ticket, cn(2025, 9, 30, 9, 1))
    assert clocks["response"].state == ClockState.RUNNING
    assert clocks["response"].due_at == cn(2025, 9, 30, 17)  # 420 minutes left from Tuesday 09:00
    assert clocks["resolution"].due_at == cn(2025, 10, 13, 17)  # 60 + 480 + 3 × 480 + 420 (holidays skipped)


def test_reopen_restarts_the_resolution_clock_and_its_thresholds(desk, priority_policies):
    ticket = make_ticket(desk, cn(2025, 9, 29, 9), priority=1, group=desk.first_line)
    tracking.recompute_ticket(ticket.pk, now=cn(2025, 9, 29, 9))
    assert tracking.evaluate(cn(2025, 9, 29, 18)).recorded == 4  # response and resolution, 75 and 100 %
    act(desk, ticket, cn(2025, 9, 30, 9, 30), "resolve")
    clocks = recompute(ticket, cn(2025, 9, 30, 9, 30))
    assert clocks["resolution"].state == ClockState.STOPPED and clocks["resolution"].breached
    assert clocks["resolution"].used_minutes == 510 and pending(ticket) == []
    act(desk, ticket, cn(2025, 9, 30, 10), "reopen")
    clocks = recompute(ticket, cn(2025, 9, 30, 10))
    assert clocks["resolution"].started_at == cn(2025, 9, 30, 10)
    assert clocks["resolution"].due_at == cn(2025, 10, 9, 10)  # over the holiday week
    assert ("resolution", 75, cn(2025, 9, 30, 17)) in pending(ticket)
    assert tracking.evaluate(cn(2025, 9, 30, 17)).recorded == 1  # the new cycle's 75 % fires again
    assert SlaEvent.objects.filter(ticket=ticket, key="resolution").count() == 3


def test_priority_change_recomputes_and_history_says_why(desk, priority_policies):
    ticket = make_ticket(desk, cn(2025, 9, 29, 9), priority=3)
    assert recompute(ticket, cn(2025, 9, 29, 9, 30))["response"].due_at == cn(2025, 9, 29, 18)
    dated(ticket, cn(2025, 9, 29, 9, 30), actions.set_priority, actor=desk.agent1, priority=1)
    clocks = recompute(ticket, cn(2025, 9, 29, 9, 31))
    assert clocks["response"].due_at == cn(2025, 9, 29, 10)
    assert clocks["response"].policy == priority_policies[1]
    assert ("response", 75, cn(2025, 9, 29, 9, 45)) in pending(ticket)
    why = HistoryEntry.objects.get(ticket=ticket, field="priority")
    assert (why.old_value, why.new_value, why.actor, why.at) == ("3", "1", desk.agent1, cn(2025, 9, 29, 9, 30))


def test_a_ticket_without_a_policy_has_no_sla_clocks(desk, priority_policies):
    priority_policies[3].is_active = False
    priority_policies[3].save()
    ticket = make_ticket(desk, cn(2025, 9, 29, 9), priority=3)
    assert recompute(ticket, cn(2025, 9, 29, 10)) == {}


# -- OLAs -------------------------------------------------------------------------------------------


def test_ola_per_group_adds_up_stints(desk, priority_policies, holiday_calendar):
    OlaTarget.objects.create(group=desk.first_line, minutes=120, calendar=holiday_calendar)
    OlaTarget.objects.create(group=desk.second_line, minutes=240, calendar=holiday_calendar)
    ticket = make_ticket(desk, cn(2025, 9, 29, 9), priority=3, group=desk.first_line)
    dated(ticket, cn(2025, 9, 29, 10), actions.assign, actor=desk.agent1, group=desk.second_line)
    dated(ticket, cn(2025, 9, 29, 11), actions.assign, actor=desk.agent2, group=desk.first_line)
    dated(ticket, cn(2025, 9, 29, 13, 30), actions.assign, actor=desk.agent1, group=desk.second_line)
    state = {o.group.pk: o for o in ola_state(ticket, cn(2025, 9, 29, 14))}
    first, second = state[desk.first_line.pk], state[desk.second_line.pk]
    # 1st line: 09:00–10:00 and 11:00–13:30 (lunch 12–13 is not business time) = 150 minutes, handed on.
    assert (first.holds, first.stints, first.clock.elapsed_minutes, first.clock.breached) == (False, 2, 150, True)
    assert first.clock.met_at == cn(2025, 9, 29, 13, 30)
    # 2nd line: 10:00–11:00 and since 13:30; 180 minutes left at 13:30 → due 16:30.
    assert (second.holds, second.stints, second.clock.elapsed_minutes) == (True, 2, 90)
    assert second.clock.started_at == cn(2025, 9, 29, 10) and second.clock.due_at == cn(2025, 9, 29, 16, 30)
    clocks = recompute(ticket, cn(2025, 9, 29, 14))
    assert clocks[f"ola:{desk.first_line.pk}"].state == ClockState.STOPPED
    assert clocks[f"ola:{desk.first_line.pk}"].breached
    assert clocks[f"ola:{desk.second_line.pk}"].due_at == cn(2025, 9, 29, 16, 30)
    assert (f"ola:{desk.second_line.pk}", 75, cn(2025, 9, 29, 15, 30)) in pending(ticket)
    # Pending on the customer pauses the group's clock too; resolving stops it for good.
    act(desk, ticket, cn(2025, 9, 29, 15), "pend", actor=desk.agent2, pending_reason="customer")
    act(desk, ticket, cn(2025, 9, 30, 9), "resume", actor=desk.agent2)
    act(desk, ticket, cn(2025, 9, 30, 10), "resolve", actor=desk.agent2)
    second = {o.group.pk: o for o in ola_state(ticket, cn(2025, 9, 30, 11))}[desk.second_line.pk]
    assert second.resolved and second.clock.elapsed_minutes == 60 + 90 + 60
    assert not second.clock.breached


def test_ola_events_tell_the_groups_lead(desk, priority_policies, holiday_calendar, heard):
    OlaTarget.objects.create(group=desk.third_line, minutes=60, calendar=holiday_calendar, thresholds=[])
    ticket = make_ticket(desk, cn(2025, 9, 29, 9), priority=4, group=desk.third_line)
    tracking.recompute_ticket(ticket.pk, now=cn(2025, 9, 29, 9))
    heard.run(tracking.evaluate, cn(2025, 9, 29, 10))
    ola = [kw for kind, kw in heard if kind == "threshold" and kw["target"] == "ola"]
    assert [(kw["percent"], kw["group"]) for kw in ola] == [(75, desk.third_line), (100, desk.third_line)]
    assert desk.manager in ola[0]["notify"]  # the manager leads the 3rd line
    event = SlaEvent.objects.get(ticket=ticket, kind="ola", percent=100)
    assert desk.third_line.name in event.cause and event.reached_at == cn(2025, 9, 29, 10)


# -- the evaluator ----------------------------------------------------------------------------------


def test_each_threshold_fires_once_with_the_default_notify_lists(desk, priority_policies, heard):
    ticket = make_ticket(desk, cn(2025, 9, 29, 9), priority=1, group=desk.first_line, assignee=desk.agent1)
    tracking.recompute_ticket(ticket.pk, now=cn(2025, 9, 29, 9))
    assert heard.run(tracking.evaluate, cn(2025, 9, 29, 9, 44)).recorded == 0
    assert heard.run(tracking.evaluate, cn(2025, 9, 29, 9, 45)).recorded == 1
    assert heard.run(tracking.evaluate, cn(2025, 9, 29, 9, 50)).recorded == 0
    tracking.recompute_ticket(ticket.pk, now=cn(2025, 9, 29, 9, 50))  # a change meanwhile: no second warning
    assert heard.run(tracking.evaluate, cn(2025, 9, 29, 9, 55)).recorded == 0
    assert heard.run(tracking.evaluate, cn(2025, 9, 29, 10)).recorded == 1
    warn, breach = SlaEvent.objects.filter(ticket=ticket).order_by("percent")
    assert (warn.key, warn.percent, warn.reached_at, warn.due_at) == ("response", 75, cn(2025, 9, 29, 9, 45),
                                                                      cn(2025, 9, 29, 10))
    assert (breach.percent, breach.reached_at) == (100, cn(2025, 9, 29, 10))
    assert "No first response" in breach.cause
    signals = [kw for kind, kw in heard if kind == "threshold"]
    assert [(kw["target"], kw["percent"]) for kw in signals] == [("response", 75), ("response", 100)]
    # Defaults: the assignee, the owner and the group lead at 75 %; the desk managers as well at the breach.
    assert {u.username for u in signals[0]["notify"]} == {"agent1", "lead1"}
    assert {u.username for u in signals[1]["notify"]} == {"agent1", "lead1", "manager"}
    assert signals[1]["due_at"] == cn(2025, 9, 29, 10) and signals[1]["group"] is None


def test_a_first_response_stops_the_response_clock(desk, priority_policies):
    ticket = make_ticket(desk, cn(2025, 9, 29, 9), priority=1, group=desk.first_line)
    dated(ticket, cn(2025, 9, 29, 9, 30), actions.add_comment, actor=desk.agent1, body="Looking into it.")
    clocks = recompute(ticket, cn(2025, 9, 29, 9, 31))
    assert clocks["response"].state == ClockState.STOPPED and not clocks["response"].breached
    assert [k for k, _p, _at in pending(ticket)] == ["resolution", "resolution"]
    assert tracking.evaluate(cn(2025, 9, 29, 12)).recorded == 0


def test_recompute_sla_gives_what_live_tracking_gave(desk, priority_policies, holiday_calendar,
                                                     django_capture_on_commit_callbacks):
    OlaTarget.objects.create(group=desk.second_line, minutes=240, calendar=holiday_calendar)

    def snapshot():
        targets = sorted(SlaTarget.objects.values_list(
            "ticket_id", "key", "kind", "group_id", "policy_id", "started_at", "target_minutes", "state", "due_at",
            "stopped_at", "used_minutes", "breached"))
        thresholds = sorted(PendingThreshold.objects.values_list(
            "ticket_id", "key", "percent", "at", "due_at", "started_at"))
        return targets, thresholds

    with django_capture_on_commit_callbacks(execute=True):  # live: ticket_changed → recompute_ticket
        tickets = [actions.create_ticket(actor=desk.agent1, title=f"T{p}", requester=desk.customer1, priority=p,
                                         group=desk.first_line) for p in (1, 2, 3, 4)]
    with django_capture_on_commit_callbacks(execute=True):
        actions.assign(tickets[0], actor=desk.agent1, group=desk.second_line)
    with django_capture_on_commit_callbacks(execute=True):
        actions.transition(tickets[1], "pend", actor=desk.agent1, pending_reason="customer")
    with django_capture_on_commit_callbacks(execute=True):
        actions.set_priority(tickets[2], actor=desk.agent1, priority=1)
    with django_capture_on_commit_callbacks(execute=True):
        actions.transition(tickets[3], "resolve", actor=desk.agent1, comment="Fixed.")
    # Fire what is due a month on (the warnings and breaches of the open tickets), then change one more.
    later = max(t.created_at for t in tickets) + timedelta(days=40)
    assert tracking.evaluate(later, escalate=False).recorded > 0
    with django_capture_on_commit_callbacks(execute=True):
        actions.transition(tickets[1], "resume", actor=desk.agent1)
    live = snapshot()
    assert len(live[0]) == 4 * 2 + 1 and live[1]
    SlaTarget.objects.all().delete()
    PendingThreshold.objects.all().delete()
    call_command("recompute-sla", stdout=open("/dev/null", "w"))
    assert snapshot() == live


# -- escalation -------------------------------------------------------------------------------------


def test_functional_escalation_moves_the_ticket_with_history(desk, priority_policies, heard):
    EscalationRule.objects.create(name="P1 to 2nd line at 75 %", order=1, target="resolution", threshold=75,
                                  priorities=[1], escalate_to="next_tier")
    ticket = make_ticket(desk, cn(2025, 9, 29, 9), priority=1, group=desk.first_line, assignee=desk.agent1)
    tracking.recompute_ticket(ticket.pk, now=cn(2025, 9, 29, 9))
    dated(ticket, cn(2025, 9, 29, 9, 5), actions.add_comment, actor=desk.agent1, body="On it.")  # response met
    tracking.recompute_ticket(ticket.pk, now=cn(2025, 9, 29, 9, 5))
    heard.run(tracking.evaluate, cn(2025, 9, 29, 16))  # 75 % of 480 business minutes: 16:00
    ticket.refresh_from_db()
    assert (ticket.group, ticket.assignee) == (desk.second_line, None)
    moved = HistoryEntry.objects.get(ticket=ticket, field="group", new_value=desk.second_line.name)
    assert (moved.actor, moved.channel, moved.old_value) == (system_user(), Channel.SYSTEM, desk.first_line.name)
    note = HistoryEntry.objects.get(ticket=ticket, event="internal_note", internal=True)
    assert "P1 to 2nd line at 75 %" in note.note and "75%" in note.note
    event = SlaEvent.objects.get(ticket=ticket, key="resolution", percent=75)
    assert desk.second_line.name in event.escalation
    notify = next(kw["notify"] for kind, kw in heard if kind == "threshold" and kw["percent"] == 75)
    assert desk.lead1 in notify  # lead of both lines
    # Only one move per event, however often the evaluator runs.
    heard.run(tracking.evaluate, cn(2025, 9, 29, 16, 1))
    assert HistoryEntry.objects.filter(ticket=ticket, field="group").count() == 2


def test_escalation_to_a_named_supplier_and_conditions(desk, priority_policies, heard):
    rule = EscalationRule.objects.create(name="Hardware to the supplier", order=1, target="resolution",
                                         threshold=100, escalate_to="group", to_group=desk.supplier,
                                         ticket_types=["incident"])
    rule.groups.set([desk.second_line])
    rule.notify_users.set([desk.agent2])
    in_scope = make_ticket(desk, cn(2025, 9, 29, 9), priority=1, group=desk.second_line)
    elsewhere = make_ticket(desk, cn(2025, 9, 29, 9), priority=1, group=desk.first_line)
    request = make_ticket(desk, cn(2025, 9, 29, 9), priority=1, group=desk.second_line, type="service_request")
    for ticket in (in_scope, elsewhere, request):
        tracking.recompute_ticket(ticket.pk, now=cn(2025, 9, 29, 9))
    heard.run(tracking.evaluate, cn(2025, 9, 30, 9, 30))
    for ticket in (in_scope, elsewhere, request):
        ticket.refresh_from_db()
    assert in_scope.group == desk.supplier
    assert (elsewhere.group, request.group) == (desk.first_line, desk.second_line)
    breach = {kw["ticket"].pk: kw["notify"] for kind, kw in heard
              if kind == "threshold" and kw["percent"] == 100 and kw["target"] == "resolution"}
    assert desk.agent2 in breach[in_scope.pk] and desk.agent2 not in breach[elsewhere.pk]
    assert desk.manager in breach[elsewhere.pk]  # the default breach rule still applies


def test_a_refused_move_is_recorded_on_the_event(desk, priority_policies):
    EscalationRule.objects.create(name="To 3rd line", order=1, target="response", threshold=100,
                                  escalate_to="group", to_group=desk.third_line)
    desk.third_line.is_active = False
    desk.third_line.save()
    ticket = make_ticket(desk, cn(2025, 9, 29, 9), priority=1, group=desk.first_line)
    tracking.recompute_ticket(ticket.pk, now=cn(2025, 9, 29, 9))
    tracking.evaluate(cn(2025, 9, 29, 10))
    ticket.refresh_from_db()
    assert ticket.group == desk.first_line
    assert "refused" in SlaEvent.objects.get(ticket=ticket, key="response", percent=100).escalation


def test_rule_validation(desk):
    rule = EscalationRule(name="x", threshold=150, priorities=[9], escalate_to="group")
    with pytest.raises(Exception) as info:
        rule.full_clean()
    assert {"threshold", "priorities", "to_group"} <= set(info.value.message_dict)


# -- follow-up --------------------------------------------------------------------------------------


def test_follow_up_digest_once_a_day_to_owner_and_lead(desk, priority_policies, settings, heard):
    settings.SERVICEDESK_FOLLOW_UP_HOUR = 9
    routed = make_ticket(desk, cn(2025, 9, 29, 9), priority=3)
    dated(routed, cn(2025, 9, 29, 9), actions.assign, actor=desk.agent1, group=desk.second_line)
    mine = make_ticket(desk, cn(2025, 9, 29, 9), priority=3)
    dated(mine, cn(2025, 9, 29, 9), actions.assign, actor=desk.agent1, group=desk.first_line, assignee=desk.agent1)
    fresh = make_ticket(desk, cn(2025, 9, 29, 9), priority=3)
    dated(fresh, cn(2025, 9, 30, 9, 30), actions.assign, actor=desk.agent1, group=desk.third_line)
    # 09:00 Monday to 09:30 Tuesday is 510 business minutes ≥ 480; "fresh" was updated at 09:30.
    assert overdue_follow_ups(cn(2025, 9, 30, 9, 30)) == [routed]
    assert heard.run(send_digests, cn(2025, 9, 30, 8, 30)) == []  # before 09:00 local time (and not yet overdue)
    sent = heard.run(send_digests, cn(2025, 9, 30, 9, 30))
    assert sorted((d.recipient.username, d.as_lead, d.ticket_count) for d in sent) == [
        ("agent1", False, 1), ("lead1", True, 1)]
    digests = [kw for kind, kw in heard if kind == "digest"]
    assert [(kw["recipient"], kw["tickets"], kw["as_lead"]) for kw in digests] == [
        (desk.agent1, [routed], False), (desk.lead1, [routed], True)]
    assert heard.run(send_digests, cn(2025, 9, 30, 15)) == []  # once a day
    assert FollowUpDigest.objects.count() == 2
    # After the holiday week "fresh" is overdue too: agent1 owns both, the manager leads the 3rd line.
    sent = heard.run(send_digests, cn(2025, 10, 9, 10))
    assert sorted((d.recipient.username, d.as_lead, d.ticket_count) for d in sent) == [
        ("agent1", False, 2), ("lead1", True, 1), ("manager", True, 1)]


def test_system_identity_is_not_a_manager_to_notify(desk):
    actor = system_user()
    assert not actor.has_usable_password() and actor.is_desk_staff
    assert system_user() == actor and User.objects.filter(username=actor.username).count() == 1


def test_clock_time_left(desk, priority_policies):
    ticket = make_ticket(desk, cn(2025, 9, 29, 9), priority=1)
    clocks = recompute(ticket, cn(2025, 9, 29, 9))
    assert clocks["response"].time_left(cn(2025, 9, 29, 9, 40)) == timedelta(minutes=20)
    assert SlaTarget.objects.filter(state="running", due_at__lte=cn(2025, 9, 29, 10)).count() == 1
    assert Ticket.objects.get(pk=ticket.pk).sla_targets.count() == 2


def test_a_policy_edit_recomputes_open_tickets_on_the_next_evaluator_pass(desk, priority_policies):
    from servicedesk.sla import tasks
    from servicedesk.sla.models import ClockRebuild

    ticket = make_ticket(desk, cn(2025, 9, 29, 9), priority=1)
    closed = make_ticket(desk, cn(2025, 9, 29, 9), priority=1, group=desk.first_line)
    act(desk, closed, cn(2025, 9, 29, 10), "resolve")
    tracking.rebuild()
    ClockRebuild.objects.all().delete()
    policy = priority_policies[1]
    policy.first_response_minutes = 120
    policy.save()
    assert ClockRebuild.objects.count() == 1
    assert rows(ticket)["response"].target_minutes == 60  # not in the admin's request
    tasks.evaluate.apply()
    assert not ClockRebuild.objects.exists()
    assert rows(ticket)["response"].target_minutes == 120
    assert rows(closed)["response"].target_minutes == 60  # closed tickets: `servicedesk recompute-sla`


def test_what_the_console_reads(desk, priority_policies, holiday_calendar):
    OlaTarget.objects.create(group=desk.first_line, minutes=120, calendar=holiday_calendar)
    ticket = make_ticket(desk, cn(2025, 9, 30, 17), priority=1, group=desk.first_line)
    other = make_ticket(desk, cn(2025, 9, 30, 9), priority=4, group=desk.first_line)
    tracking.recompute_ticket(ticket.pk, now=cn(2025, 9, 30, 17))
    tracking.recompute_ticket(other.pk, now=cn(2025, 9, 30, 9))
    clocks = tracking.ticket_clocks(ticket)
    assert [c.key for c in clocks] == ["response", "resolution", f"ola:{desk.first_line.pk}"]
    # 17:30 on the eve of the holiday week: 30 business minutes to the response, 7.5 hours to the resolution.
    assert tracking.business_time_left(clocks[0], cn(2025, 9, 30, 17, 30)) == timedelta(minutes=30)
    assert tracking.business_time_left(clocks[1], cn(2025, 9, 30, 17, 30)) == timedelta(minutes=450)
    assert tracking.business_time_left(clocks[2], cn(2025, 9, 30, 17, 30)) == timedelta(minutes=90)
    soon = tracking.breaching_soon(timedelta(hours=1), now=cn(2025, 9, 30, 17, 30))
    # The other ticket's 1st-line OLA was due at 11:00: overdue clocks come first.
    assert [(r.ticket_id, r.key) for r in soon] == [(other.pk, f"ola:{desk.first_line.pk}"), (ticket.pk, "response")]
    act(desk, ticket, cn(2025, 9, 30, 17, 40), "pend", pending_reason="customer")
    tracking.recompute_ticket(ticket.pk, now=cn(2025, 9, 30, 17, 40))
    paused = tracking.ticket_clocks(ticket)
    assert tracking.business_time_left(paused[0]) == timedelta(minutes=20)
