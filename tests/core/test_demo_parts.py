"""`servicedesk demo` (core's command) finds each app's demo module itself and loads it after the parts it
names in AFTER."""

from pathlib import Path

from servicedesk.core.management.commands.demo import parts

PACKAGE = Path(__file__).resolve().parents[2] / "servicedesk"


def test_every_apps_demo_module_is_a_part():
    found = {module.__name__ for module in parts()}
    assert found == {f"servicedesk.{path.parent.name}.demo" for path in PACKAGE.glob("*/demo.py")}
    assert found >= {"servicedesk.accounts.demo", "servicedesk.tickets.demo", "servicedesk.sla.demo",
                     "servicedesk.routing.demo", "servicedesk.console.demo"}


def test_each_part_loads_after_the_parts_it_names():
    order = [module.__name__.split(".")[1] for module in parts()]
    for module in parts():
        app = module.__name__.split(".")[1]
        for before in getattr(module, "AFTER", ()):
            assert order.index(before) < order.index(app)
    # The tickets' journeys need the people, groups and the round-the-clock policy; routing comes after them.
    assert order.index("accounts") < order.index("tickets") and order.index("console") > order.index("accounts")
    assert order.index("sla") < order.index("tickets") < order.index("routing")  # sla is later in INSTALLED_APPS
