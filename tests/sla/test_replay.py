"""The one history replay both the SLA clocks and the OLA clocks are derived from."""

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from servicedesk.accounts.models import Group
from servicedesk.sla.replay import Step, history_entries, replay, running_periods
from servicedesk.tickets.models import HistoryEntry, Ticket

UTC = ZoneInfo("UTC")
T0 = datetime(2025, 10, 13, 9, 0, tzinfo=UTC)
OLA_FIELDS = ("status", "pending_reason", "group")


def at(minutes):
    return T0 + timedelta(minutes=minutes)


def change(minutes, field, old, new):
    return HistoryEntry(at=at(minutes), field=field, old_value=old, new_value=new)


def ticket(**fields):
    return Ticket(created_at=T0, **{"status": "new", "pending_reason": "", **fields})


def test_a_ticket_without_history_is_one_step_in_its_current_state():
    assert replay(ticket(status="in_progress"), []) == [Step(T0, "in_progress", "")]


def test_the_state_at_creation_is_the_first_changes_old_value():
    entries = [change(10, "status", "new", "in_progress"), change(30, "status", "in_progress", "resolved")]
    assert replay(ticket(status="resolved"), entries) == [
        Step(T0, "new", ""), Step(at(10), "in_progress", ""), Step(at(30), "resolved", "")]


def test_one_action_at_one_instant_makes_one_step_and_other_fields_are_passed_over():
    entries = [change(5, "first_response_at", "", "x"),
               change(20, "status", "in_progress", "pending"), change(20, "pending_reason", "", "customer")]
    assert replay(ticket(status="pending", pending_reason="customer"), entries) == [
        Step(T0, "in_progress", ""), Step(at(20), "pending", "customer")]


def test_history_dated_before_creation_counts_from_creation():
    entries = [change(-5, "status", "new", "acknowledged")]
    assert replay(ticket(status="acknowledged"), entries) == [Step(T0, "acknowledged", "")]


def test_the_group_is_replayed_only_when_asked_for():
    entries = [change(15, "group", "Service Desk", "Network")]
    assert replay(ticket(), entries) == [Step(T0, "new", "")]
    assert replay(ticket(), entries, OLA_FIELDS) == [Step(T0, "new", "", "Service Desk"),
                                                     Step(at(15), "new", "", "Network")]
    # Never routed in its history: the group it has now, from creation on.
    assert replay(ticket(group=Group(pk=7, name="Network")), [], OLA_FIELDS) == [Step(T0, "new", "", "Network")]


def test_running_periods_join_adjacent_steps_and_run_on_while_the_last_step_runs():
    steps = [Step(T0, "new", ""), Step(at(10), "in_progress", ""), Step(at(20), "pending", "customer"),
             Step(at(40), "in_progress", "")]
    assert running_periods(steps, lambda step: step.status != "pending") == [(T0, at(20)), (at(40), None)]


def test_running_periods_are_cut_to_start_and_stop():
    steps = [Step(T0, "new", ""), Step(at(10), "in_progress", ""), Step(at(30), "resolved", ""),
             Step(at(50), "in_progress", "")]

    def runs(step):
        return step.status != "resolved"

    assert running_periods(steps, runs, start=at(5), stop=at(20)) == [(at(5), at(20))]
    assert running_periods(steps, runs, start=at(40)) == [(at(50), None)]
    assert running_periods(steps, runs, stop=T0) == []


def test_history_entries_already_loaded_are_filtered_by_field_and_time():
    loaded = [change(10, "status", "new", "in_progress"), change(12, "priority", "3", "2"),
              change(90, "status", "in_progress", "resolved")]
    assert history_entries(ticket(), ("status",), at(60), loaded) == loaded[:1]
