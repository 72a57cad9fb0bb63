"""Change conflicts: two changes on one configuration item whose windows overlap, and a change inside a freeze —
flagged on both sides, in the history when the change is scheduled, and in a constant number of queries."""

from servicedesk.changes import actions, conflicts
from servicedesk.changes.models import State

from .conftest import CONSOLE, plan


def _kinds(change):
    return [(c.kind, c.other.ticket.number if c.other else c.freeze.reason) for c in conflicts.of(change)]


def test_two_changes_on_one_item_with_overlapping_windows_conflict(desk, soon, servers, template, routes):
    first = plan(desk, soon, kind="standard", template=template, items=[servers[0]])
    actions.move(first, "submit", actor=desk.agent1, channel=CONSOLE)
    second = plan(desk, soon, start=1, items=[servers[0], servers[1]])
    assert _kinds(second) == [("item", first.ticket.number)]
    assert conflicts.of(second)[0].items == ["srv-mail-01"]
    assert _kinds(first) == []  # a draft holds no window yet: nothing to collide with
    actions.move(second, "submit", actor=desk.agent1, channel=CONSOLE)  # normal: awaits approval, holds it
    assert _kinds(first) == [("item", second.ticket.number)]


def test_no_conflict_apart_in_time_or_on_other_items(desk, soon, servers, template):
    first = plan(desk, soon, kind="standard", template=template, items=[servers[0]])
    actions.move(first, "submit", actor=desk.agent1, channel=CONSOLE)
    later = plan(desk, soon, start=2, items=[servers[0]])  # starts as the first ends
    elsewhere = plan(desk, soon, items=[servers[1]])
    unlinked = plan(desk, soon)
    assert _kinds(later) == _kinds(elsewhere) == _kinds(unlinked) == []


def test_a_cancelled_change_no_longer_conflicts(desk, soon, servers, template):
    first = plan(desk, soon, kind="standard", template=template, items=[servers[0]])
    actions.move(first, "submit", actor=desk.agent1, channel=CONSOLE)
    second = plan(desk, soon, items=[servers[0]])
    actions.move(first, "cancel", actor=desk.agent1, channel=CONSOLE)
    assert _kinds(second) == []


def test_a_change_inside_a_freeze_is_flagged_and_the_history_says_so(desk, soon, freeze, template):
    inside = plan(desk, soon, kind="standard", template=template, start=10 * 24 + 1)
    outside = plan(desk, soon, kind="standard", template=template)
    assert _kinds(inside) == [("freeze", "Year-end closing")]
    assert _kinds(outside) == []
    actions.move(inside, "submit", actor=desk.agent1, channel=CONSOLE)  # flagged, not refused
    inside.refresh_from_db()
    assert inside.state == State.SCHEDULED
    entry = inside.ticket.history.get(event="change_conflicts")
    assert (entry.new_value, entry.internal) == ("1", True)
    actions.move(outside, "submit", actor=desk.agent1, channel=CONSOLE)
    assert not outside.ticket.history.filter(event="change_conflicts").exists()


def test_the_text_names_only_changes_the_reader_may_see(desk, soon, servers, template):
    first = plan(desk, soon, kind="standard", template=template, items=[servers[0]])
    actions.move(first, "submit", actor=desk.agent1, channel=CONSOLE)
    second = plan(desk, soon, items=[servers[0]])
    (conflict,) = conflicts.of(second)
    assert first.ticket.number in conflict.text()
    assert first.ticket.number not in conflict.text(visible=set())
    assert "another change" in conflict.text(visible=set())


def test_finding_the_conflicts_of_many_changes_takes_three_queries(desk, soon, servers, freeze, template,
                                                                  django_assert_max_num_queries):
    changes = [plan(desk, soon, start=3 * n, items=[servers[n % 2]]) for n in range(6)]
    for change in changes[:3]:
        actions.move(change, "cancel", actor=desk.agent1, channel=CONSOLE)
    with django_assert_max_num_queries(3):
        found = conflicts.find(changes)
    assert set(found) == {c.pk for c in changes}
