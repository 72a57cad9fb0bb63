"""The process's copy of the impact graph (cmdb.graph): the same answer as a recursive query on random graphs
with cycles, whatever changed since it was built — here, in another connection, in a rolled-back
transaction, in bulk — and never more than one statement when nothing did."""

import random
import re
import threading
from pathlib import Path

import pytest
from django.db import connection, connections, transaction
from django.test.utils import CaptureQueriesContext

from servicedesk.cmdb import actions, graph
from servicedesk.cmdb.impact import affected_levels
from servicedesk.cmdb.models import IMPACT_KINDS, ConfigItem, Relation, RelationChange, RelationKind

from .conftest import CONSOLE, make, relate

KINDS = list(RelationKind.values)


def sql_walk(item_id: int, depth: int) -> dict[int, int]:
    """The reference: every (item, level) pair a recursive query reaches, the lowest level per item."""
    kinds = ", ".join(["%s"] * len(IMPACT_KINDS))
    with connection.cursor() as cursor:
        cursor.execute(
            "WITH RECURSIVE walk(item, level) AS (SELECT CAST(%s AS bigint), 0 UNION SELECT r.source_id, w.level + 1"
            f" FROM walk w JOIN cmdb_relation r ON r.target_id = w.item WHERE r.kind IN ({kinds}) AND w.level < %s)"
            " SELECT item, MIN(level) FROM walk WHERE item <> %s GROUP BY item",
            [item_id, *[str(k) for k in IMPACT_KINDS], depth, item_id])
        return dict(cursor.fetchall())


def assert_same_walks(items, depths=(1, 2, 5)):
    for item in items:
        for depth in depths:
            assert affected_levels(item.pk, depth) == sql_walk(item.pk, depth), (item.pk, depth)


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_the_walk_equals_the_recursive_query_on_random_graphs_as_they_change(desk, types, seed):
    rng = random.Random(seed)
    items = ConfigItem.objects.bulk_create(ConfigItem(type=types["server"], name=f"ci-{n}") for n in range(40))
    pairs = {(rng.choice(items).pk, rng.choice(items).pk, rng.choice(KINDS)) for _ in range(120)}
    Relation.objects.bulk_create(Relation(source_id=s, target_id=t, kind=k) for s, t, k in pairs if s != t)
    actions.relations_replaced()
    assert_same_walks(items)
    # Changes through the actions, each seen by the next walk (applied to the copy, not built again).
    for _round in range(4):
        for relation in rng.sample(list(Relation.objects.filter(source__in=items)), 5):
            actions.remove_relation(relation, actor=desk.manager, channel=CONSOLE)
        for _ in range(5):
            source, target = rng.sample(items, 2)
            if not Relation.objects.filter(source=source, target=target).exists():
                relate(desk, source, target, rng.choice(KINDS))
        assert graph.current().overlay
        assert_same_walks(rng.sample(items, 10))


def test_a_relation_removed_while_another_of_its_pair_remains_still_spreads(desk, types, estate):
    assert affected_levels(estate["server"].pk) == {estate["app"].pk: 1, estate["service"].pk: 2}
    both = relate(desk, estate["app"], estate["server"], "depends_on")
    actions.remove_relation(both, actor=desk.manager, channel=CONSOLE)
    assert affected_levels(estate["server"].pk) == {estate["app"].pk: 1, estate["service"].pk: 2}
    runs_on = Relation.objects.get(source=estate["app"], target=estate["server"])
    actions.remove_relation(runs_on, actor=desk.manager, channel=CONSOLE)
    assert affected_levels(estate["server"].pk) == {}


def test_a_connection_changes_nothing_and_moves_no_version(desk, types, estate):
    before = graph.current()
    relate(desk, estate["laptop"], estate["server"], "connected_to")
    assert graph.current() is before


def test_the_version_check_is_one_statement_and_a_change_is_seen_by_the_next_walk(desk, types, estate):
    affected_levels(estate["server"].pk)
    with CaptureQueriesContext(connection) as checked:
        affected_levels(estate["server"].pk)
        affected_levels(estate["app"].pk)
    assert [q["sql"].split(" FROM ")[1].split()[0] for q in checked] == ["cmdb_graphversion"] * 2
    relate(desk, estate["laptop"], estate["service"])
    assert affected_levels(estate["server"].pk) == {estate["app"].pk: 1, estate["service"].pk: 2,
                                                    estate["laptop"].pk: 3}


def test_a_copy_that_saw_a_rolled_back_change_is_not_trusted(desk, types, estate):
    other = make(desk, types, "application", "Reporting")
    assert affected_levels(estate["server"].pk) == {estate["app"].pk: 1, estate["service"].pk: 2}
    with pytest.raises(RuntimeError), transaction.atomic():
        relate(desk, other, estate["server"], "runs_on")
        assert other.pk in affected_levels(estate["server"].pk)
        raise RuntimeError("rolled back")
    # The next change takes the rolled-back one's version number, with another token: the copy, at that number
    # too, must not take itself for up to date with it.
    relate(desk, other, estate["app"])
    assert affected_levels(estate["server"].pk) == {estate["app"].pk: 1, estate["service"].pk: 2, other.pk: 2}


def test_too_many_changes_or_a_pruned_log_build_the_copy_again(desk, types, estate, monkeypatch):
    monkeypatch.setattr(graph, "MAX_DELTA", 3)
    monkeypatch.setattr(actions, "KEEP_VERSIONS", 2)
    apps = [make(desk, types, "application", f"App {n}") for n in range(5)]
    first = graph.current()
    for app in apps:
        relate(desk, app, estate["server"], "runs_on")
    again = graph.current()
    assert again.sources is not first.sources and not again.overlay
    assert set(affected_levels(estate["server"].pk)) == {estate["app"].pk, estate["service"].pk,
                                                         *[a.pk for a in apps]}
    assert RelationChange.objects.order_by("version").first().version >= again.version - 2


def test_every_write_of_relation_rows_goes_through_the_actions_or_announces_itself():
    """Nothing writes relations around cmdb.actions (which note every change for the copies) but a bulk
    loader that calls actions.relations_replaced()."""
    root = Path(__file__).resolve().parents[2]
    writes = re.compile(r"Relation\.objects\.[^\n]*\b(create|bulk_create|update|delete|get_or_create)\(|"
                        r"(INSERT INTO|DELETE FROM|UPDATE|COPY)\s+\{?\S*[Rr]elation|relations_(in|out)\.[^\n]*delete\(")
    writers = {}
    for path in [*root.joinpath("servicedesk").rglob("*.py"), *root.joinpath("bench").rglob("*.py")]:
        text = path.read_text()
        if writes.search(text) and "/migrations/" not in str(path):
            writers[str(path.relative_to(root))] = "relations_replaced()" in text
    assert {"servicedesk/cmdb/actions.py", "bench/cmdb_speed.py"} <= set(writers)
    assert [path for path, announced in writers.items() if not announced
            and path != "servicedesk/cmdb/actions.py"] == []


@pytest.mark.django_db(transaction=True)
def test_a_relation_changed_in_another_connection_is_seen_by_the_next_walk(desk, types, estate):
    other = make(desk, types, "application", "Reporting")
    assert affected_levels(estate["server"].pk) == {estate["app"].pk: 1, estate["service"].pk: 2}
    errors = []

    def elsewhere(work):
        try:
            work()
        except Exception as error:  # noqa: BLE001 — reported by the test's thread
            errors.append(error)
        finally:
            connections.close_all()

    def run(work):
        thread = threading.Thread(target=elsewhere, args=(work,))
        thread.start()
        thread.join()
        assert not errors

    run(lambda: relate(desk, other, estate["server"], "runs_on"))
    assert affected_levels(estate["server"].pk) == {estate["app"].pk: 1, estate["service"].pk: 2, other.pk: 1}
    added = Relation.objects.get(source=other)
    run(lambda: actions.remove_relation(added.pk, actor=desk.manager, channel=CONSOLE))
    assert affected_levels(estate["server"].pk) == {estate["app"].pk: 1, estate["service"].pk: 2}

    # Threads walking at once while the copy catches up all get the new answer.
    relate(desk, other, estate["server"], "runs_on")
    answers = []
    walkers = [threading.Thread(target=elsewhere, args=(lambda: answers.append(
        affected_levels(estate["server"].pk)),)) for _ in range(6)]
    for walker in walkers:
        walker.start()
    for walker in walkers:
        walker.join()
    assert not errors
    assert answers == [{estate["app"].pk: 1, estate["service"].pk: 2, other.pk: 1}] * 6
