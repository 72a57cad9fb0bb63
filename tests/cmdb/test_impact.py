"""The impact walk: what fails with an item, by level, through depends-on / runs-on / part-of chains,
cycles included, within the depth limit; the services and the people among them."""

from servicedesk.cmdb.impact import affected_levels, impact
from servicedesk.tickets import actions as ticket_actions

from .conftest import make, relate


def test_levels_follow_the_chain_backwards(desk, estate):
    found = impact(estate["server"])
    assert {level: [i.name for i in items] for level, items in found.levels.items()} == {
        1: ["Payroll app"], 2: ["Payroll"]}
    assert [s.name for s in found.services] == ["Payroll"]
    assert impact(estate["service"]).count == 0


def test_a_cycle_ends_and_each_item_keeps_its_nearest_level(desk, types, estate):
    # server → app → service → (monitor depends on service) and the server depends on the monitor: a loop.
    monitor = make(desk, types, "application", "Monitor")
    relate(desk, monitor, estate["service"])
    relate(desk, estate["server"], monitor)
    assert affected_levels(estate["server"].pk) == {estate["app"].pk: 1, estate["service"].pk: 2, monitor.pk: 3}
    assert affected_levels(estate["app"].pk) == {estate["service"].pk: 1, monitor.pk: 2, estate["server"].pk: 3}


def test_depth_limits_the_walk(desk, types):
    chain = [make(desk, types, "application", f"A{n}") for n in range(8)]
    for upper, lower in zip(chain[1:], chain, strict=False):
        relate(desk, upper, lower)
    assert sorted(affected_levels(chain[0].pk, 5).values()) == [1, 2, 3, 4, 5]
    assert sorted(impact(chain[0], depth=7).levels) == [1, 2, 3, 4, 5, 6, 7]


def test_connected_to_does_not_spread_a_failure(desk, types, estate):
    switch = make(desk, types, "server", "sw-01", attributes={"cpus": 1})
    relate(desk, estate["server"], switch, "connected_to")
    assert impact(switch).count == 0


def test_part_of_spreads_from_the_whole_to_its_parts(desk, types, estate):
    disk = make(desk, types, "application", "Disk array")
    relate(desk, disk, estate["server"], "part_of")
    assert disk.pk in affected_levels(estate["server"].pk)


def test_people_are_the_users_and_the_requesters_of_open_tickets(desk, types, estate):
    relate(desk, estate["laptop"], estate["app"])
    ticket = ticket_actions.create_ticket(actor=desk.customer2, title="Payroll is slow")
    from servicedesk.cmdb.actions import link_item
    link_item(ticket, estate["service"], actor=desk.agent1, channel="console")
    found = impact(estate["server"])
    assert {p.username for p in found.people} == {"customer1", "customer2"}
    assert (estate["laptop"].pk, estate["app"].pk, "depends_on") in found.edges
