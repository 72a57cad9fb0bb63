"""The impact walk level by level on the process's copy of the graph: one statement when nothing changed, each
item walked from once, and id sets larger than SQLite's limit of bound variables."""

from django.db import connection
from django.test.utils import CaptureQueriesContext

from servicedesk.cmdb import actions
from servicedesk.cmdb.impact import affected_levels, id_set, impact
from servicedesk.cmdb.models import ConfigItem, Relation

from .conftest import make, relate


def test_a_walk_on_an_unchanged_graph_is_one_statement(desk, types, estate):
    affected_levels(estate["server"].pk, 5)
    with CaptureQueriesContext(connection) as walked:
        assert affected_levels(estate["server"].pk, 5) == {estate["app"].pk: 1, estate["service"].pk: 2}
    assert len(walked) == 1
    assert "cmdb_graphversion" in walked[0]["sql"]


def test_an_item_reached_twice_keeps_its_nearest_level_and_is_walked_once(desk, types, estate):
    # The service depends on the app directly and through a second app: reached at level 2 and 3.
    middle = make(desk, types, "application", "Middleware")
    relate(desk, middle, estate["app"])
    relate(desk, estate["service"], middle)
    assert affected_levels(estate["server"].pk) == {estate["app"].pk: 1, estate["service"].pk: 2, middle.pk: 2}
    found = impact(estate["server"])
    assert found.counts == {1: 1, 2: 2}
    assert [s.name for s in found.services] == ["Payroll"]


def test_an_id_set_passes_the_limit_of_bound_variables(desk, estate):
    ids = [estate["server"].pk, *range(10**9, 10**9 + 40_000)]
    assert list(ConfigItem.objects.filter(pk__in=id_set(ids)).values_list("name", flat=True)) == ["srv-db-01"]
    assert not ConfigItem.objects.filter(pk__in=id_set([])).exists()


def test_relations_written_in_bulk_are_seen_once_announced(desk, types, estate):
    affected_levels(estate["server"].pk, 5)
    laptops = ConfigItem.objects.bulk_create(
        ConfigItem(type=types["laptop"], name=f"Laptop {n}") for n in range(600))
    Relation.objects.bulk_create(Relation(source=laptop, target=estate["app"], kind="depends_on")
                                 for laptop in laptops)
    actions.relations_replaced()
    found = affected_levels(estate["server"].pk, 5)
    assert found == {estate["app"].pk: 1, estate["service"].pk: 2, **{laptop.pk: 2 for laptop in laptops}}
